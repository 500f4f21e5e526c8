import type { Client } from "@langchain/langgraph-sdk";
import { streamAnswer, threadMessages } from "../../langgraph/conversations.js";
import { resolveThreadId } from "../../langgraph/ids.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { ExitCode, InterruptedError, LgauthError, UsageError, classify, formatError } from "../errors.js";
import { BRACKETED_PASTE_OFF, BRACKETED_PASTE_ON, ChatInputs } from "../chat-input.js";
import type { ChatMessage } from "../../langgraph/messages.js";
import { openLangGraph } from "../langgraph-session.js";
import { paint } from "../output.js";

export interface ChatOptions {
  /** One message (not blank), else an interactive chat. */
  message?: string;
  assistant: string;
}

async function ensureThread(client: Client, threadId: string | undefined): Promise<string> {
  if (threadId) {
    await client.threads.get(threadId);
    return threadId;
  }
  return (await client.threads.create()).thread_id;
}

async function oneShot(ctx: Context, client: Client, threadId: string, message: string, assistantId: string) {
  const spinner = ctx.io.startSpinner("thinking…", !ctx.json);
  try {
    const result = await streamAnswer(client, threadId, message, {
      assistantId,
      onToken: (t) => {
        spinner.stop();
        if (!ctx.json) ctx.io.write(t);
      },
    });
    spinner.stop();
    if (ctx.json) {
      const messages = await threadMessages(client, threadId);
      ctx.io.printJson({ ...result, messages });
    } else {
      ctx.io.write("\n");
    }
  } finally {
    spinner.stop();
  }
}

const HELP = [
  "/help   this list",
  "/new    a new conversation (its thread is made when you send its first message)",
  "/exit   leave (or Ctrl-D on an empty line)",
  "//…     send a message that starts with a slash",
  "Ctrl-C cancels an answer while it streams, and leaves the chat otherwise.",
  "A pasted block of several lines is sent as one message.",
];

/** How many of a resumed thread's last messages are shown, and how much of each. */
const RESUME_MESSAGES = 4;
const RESUME_CHARS = 300;

/** Errors after which the chat cannot go on: the session is gone or needs its second factor. */
function endsChat(err: unknown): boolean {
  return err instanceof LgauthError && classify(err).exitCode === ExitCode.auth;
}

/** The last messages of a resumed thread, so the person sees where they left off. */
function showLastMessages(ctx: Context, threadId: string, messages: ChatMessage[]): void {
  const said = messages.filter((m) => m.role === "user" || m.role === "assistant");
  if (said.length === 0) return;
  const last = said.slice(-RESUME_MESSAGES);
  const more =
    said.length > last.length
      ? ` (the last ${last.length} of ${said.length}; \`lgauth threads show ${threadId}\` prints all)`
      : "";
  ctx.io.note(paint(ctx.color, "dim", `earlier in this thread${more}:`));
  for (const m of last) {
    const text = m.content.length > RESUME_CHARS ? `${m.content.slice(0, RESUME_CHARS - 1)}…` : m.content;
    const who = m.role === "user" ? paint(ctx.color, "cyan", "you> ") : paint(ctx.color, "green", "agent> ");
    ctx.io.print(`${who}${text}`);
  }
}

async function interactive(ctx: Context, client: Client, resumed: string | undefined, assistantId: string) {
  const readline = await import("node:readline");
  const rl = readline.createInterface({ input: ctx.io.stdin, output: ctx.io.stdout, terminal: true });
  const inputs = new ChatInputs(rl, ctx.io.stdin);
  let threadId = resumed;
  let answering: AbortController | null = null;
  inputs.onInterrupt = () => {
    if (!answering) return false;
    answering.abort();
    return true;
  };
  const comeBack = (id: string) =>
    ctx.io.note(paint(ctx.color, "dim", `thread ${id} (come back with \`lgauth chat ${id}\`)`));
  if (threadId) {
    showLastMessages(ctx, threadId, await threadMessages(client, threadId));
    comeBack(threadId);
  } else {
    ctx.io.note(paint(ctx.color, "dim", "new conversation: its thread is made with your first message"));
  }
  ctx.io.note(paint(ctx.color, "dim", "/help for commands, /exit or Ctrl-D to leave"));
  if (ctx.io.stdoutIsTTY) ctx.io.write(BRACKETED_PASTE_ON);
  rl.setPrompt(paint(ctx.color, "cyan", "you> "));
  try {
    for (;;) {
      rl.prompt();
      const input = await inputs.next();
      if (input.kind === "eof") {
        // Ctrl-D: end the prompt's line first, so the shell's prompt starts on its own
        ctx.io.write("\n");
        return;
      }
      if (input.kind === "interrupt") {
        ctx.io.write("\n");
        throw new InterruptedError();
      }
      const text = input.text.trim();
      if (!text) continue;
      const command = /^\/([A-Za-z?][\w-]*)/.exec(text);
      if (command) {
        const name = command[1]?.toLowerCase();
        if (name === "exit" || name === "quit") return;
        if (name === "help" || name === "?") {
          for (const line of HELP) ctx.io.print(line);
        } else if (name === "new") {
          threadId = undefined;
          ctx.io.note(paint(ctx.color, "dim", "new conversation: its thread is made with your next message"));
        } else {
          ctx.io.note(
            paint(
              ctx.color,
              "yellow",
              `unknown command /${command[1]} (see /help; //… sends a message that starts with /)`,
            ),
          );
        }
        continue;
      }
      const message = text.startsWith("//") ? text.slice(1) : text;
      answering = new AbortController();
      const spinner = ctx.io.startSpinner("thinking…");
      let runId: string | null = null;
      let started = false;
      const begin = () => {
        if (started) return;
        started = true;
        spinner.stop(); // clears its line, so the label comes after it
        ctx.io.write(paint(ctx.color, "green", "agent> "));
      };
      const on = threadId;
      try {
        // the thread is made when its first message goes out, not when the chat opens
        const thread = on ?? (await client.threads.create()).thread_id;
        if (on === undefined) {
          threadId = thread;
          spinner.stop();
          comeBack(thread);
        }
        await streamAnswer(client, thread, message, {
          assistantId,
          signal: answering.signal,
          onRunCreated: (id) => {
            runId = id;
          },
          onToken: (t) => {
            begin();
            ctx.io.write(t);
          },
        });
        begin();
        ctx.io.write("\n");
      } catch (err) {
        spinner.stop();
        if (started) ctx.io.write("\n");
        if (answering.signal.aborted) {
          if (runId && threadId) await client.runs.cancel(threadId, runId).catch(() => undefined);
          ctx.io.note(paint(ctx.color, "yellow", "(answer cancelled)"));
        } else if (endsChat(err)) {
          throw err;
        } else {
          // a network error or a refused request: say it, keep the chat (the message can be sent again)
          ctx.io.note(paint(ctx.color, "red", formatError(err).line));
        }
      } finally {
        answering = null;
      }
    }
  } finally {
    if (ctx.io.stdoutIsTTY) ctx.io.write(BRACKETED_PASTE_OFF);
    rl.close();
  }
}

export const chat: Action<[string | undefined], ChatOptions> = async (ctx, [requested], opts) => {
  const assistantId = opts.assistant;
  if (opts.message === undefined && !ctx.prompter.available) {
    throw new UsageError("interactive chat needs a terminal", "pass --message to send one message from a script");
  }
  const { client } = await openLangGraph(ctx);
  const resumed =
    requested === undefined ? undefined : await ensureThread(client, await resolveThreadId(client, requested));
  if (opts.message !== undefined) {
    const thread = resumed ?? (await ensureThread(client, undefined));
    await oneShot(ctx, client, thread, opts.message, assistantId);
    // a new thread is named on a terminal, as the interactive chat names it (scripts: --json)
    if (resumed === undefined && !ctx.json && ctx.io.stderrIsTTY)
      ctx.io.note(paint(ctx.color, "dim", `thread ${thread} (come back with \`lgauth chat ${thread}\`)`));
  } else {
    await interactive(ctx, client, resumed, assistantId);
  }
  return 0;
};
