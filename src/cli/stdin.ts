import { UsageError } from "./errors.js";

const MAX_LINE = 64 * 1024;

/**
 * Lines of stdin read one at a time, for `--password-stdin`, `--with-token` and `--code-stdin`
 * (when a command takes two, e.g. a password and then an authenticator code, the second is the
 * next line). Reads no further than the line asked for, so a script may write the next line
 * later (after an emailed code arrived); refuses bytes that are not UTF-8 (a password silently
 * mangled by a decoder would lock the account owner out in confusing ways). A value never
 * appears in any message. `close()` stops reading stdin.
 */
export interface StdinLines {
  next(what: string, flag: string): Promise<string>;
  close(): Promise<void>;
}

export function stdinLines(input: NodeJS.ReadableStream): StdinLines {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let buffered = Buffer.alloc(0);
  let ended = false;
  let closed = false;
  return {
    async next(what, flag) {
      for (;;) {
        const nl = buffered.indexOf(0x0a);
        if (nl >= 0 || ended) {
          const end = nl >= 0 ? nl : buffered.length;
          const line = buffered.subarray(0, end);
          buffered = buffered.subarray(Math.min(end + 1, buffered.length));
          return decodeLine(line, what, flag);
        }
        if (buffered.length > MAX_LINE) {
          throw new UsageError(`${what} on stdin is longer than 64 KiB`, `pass one line to ${flag}`);
        }
        const r = closed ? { done: true as const, value: undefined } : await it.next();
        if (r.done) ended = true;
        else buffered = Buffer.concat([buffered, typeof r.value === "string" ? Buffer.from(r.value) : r.value]);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await it.return?.();
    },
  };
}

function decodeLine(bytes: Buffer, what: string, flag: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${what} on stdin is not valid UTF-8`, `pass it as UTF-8 text to ${flag}`);
  }
  if (text.endsWith("\r")) text = text.slice(0, -1);
  if (text === "")
    throw new UsageError(`no ${what} on stdin`, `pipe it in, e.g. printf '%s\\n' "$SECRET" | lgauth … ${flag}`);
  return text;
}

/** The first line of stdin (see `stdinLines`); stops reading stdin afterwards. */
export async function readFirstLine(what: string, flag: string, input: NodeJS.ReadableStream): Promise<string> {
  const lines = stdinLines(input);
  try {
    return await lines.next(what, flag);
  } finally {
    await lines.close();
  }
}
