/**
 * What the person at the chat prompt does, one event at a time: a message (a pasted block of
 * several lines is one message), Ctrl-D (end of input) or Ctrl-C. readline submits a line at
 * every newline, also inside a paste; two things tell a paste from typing:
 *  - bracketed paste (the terminal wraps pasted text in ESC[200~ … ESC[201~ once asked to,
 *    and Node's keypress decoder reports them as paste-start/paste-end): lines inside a paste
 *    wait for the Enter that follows it;
 *  - lines that arrive in one read (a terminal without bracketed paste writes a paste at once,
 *    while typed Enters come one read each): they are one message, and when the read ends
 *    with text after its last newline, that text and the next Enter belong to it too.
 */
import type { Interface } from "node:readline";

export type ChatInput = { kind: "message"; text: string } | { kind: "eof" } | { kind: "interrupt" };

/** ESC[?2004h / ESC[?2004l: ask the terminal to mark pastes, and stop asking. */
export const BRACKETED_PASTE_ON = "\u001b[?2004h";
export const BRACKETED_PASTE_OFF = "\u001b[?2004l";

export class ChatInputs {
  private lines: string[] = [];
  private pasting = false;
  private readonly ready: ChatInput[] = [];
  private waiting: ((input: ChatInput) => void) | undefined;
  private ended = false;
  /** Called on Ctrl-C first; true when it was used (an answer was cancelled), so the chat stays. */
  onInterrupt: () => boolean = () => false;

  constructor(
    private readonly rl: Interface,
    input: NodeJS.ReadableStream,
  ) {
    input.on("keypress", (_text: string, key: { name?: string } | undefined) => {
      if (key?.name === "paste-start") this.pasting = true;
      else if (key?.name === "paste-end") this.pasting = false;
    });
    rl.on("line", (line: string) => {
      this.lines.push(line);
      // after the rest of this read: more lines of a paste come in the same one
      setImmediate(() => this.flush());
    });
    rl.on("SIGINT", () => {
      if (!this.onInterrupt()) this.push({ kind: "interrupt" });
    });
    rl.on("close", () => this.push({ kind: "eof" }));
  }

  private flush(): void {
    if (this.pasting || this.lines.length === 0 || this.rl.line !== "") return;
    const text = this.lines.join("\n").replace(/\s+$/, "");
    this.lines = [];
    this.push({ kind: "message", text });
  }

  private push(input: ChatInput): void {
    if (this.ended) return;
    if (input.kind === "eof") this.ended = true;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting(input);
    } else {
      this.ready.push(input);
    }
  }

  /** The next message, Ctrl-D or Ctrl-C (messages typed while an answer streamed are kept). */
  next(): Promise<ChatInput> {
    const input = this.ready.shift();
    if (input) return Promise.resolve(input);
    if (this.ended) return Promise.resolve({ kind: "eof" });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}
