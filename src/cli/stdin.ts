import { UsageError } from "./errors.js";

/**
 * The first line of stdin, for `--password-stdin` / `--with-token`. Stops reading at the first
 * newline; refuses bytes that are not UTF-8 (a password silently mangled by a decoder would
 * lock the account owner out in confusing ways). The value never appears in any message.
 */
export async function readFirstLine(what: string, flag: string, input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of input) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    const nl = buf.indexOf(0x0a);
    if (nl >= 0) {
      chunks.push(buf.subarray(0, nl));
      break;
    }
    chunks.push(buf);
    total += buf.length;
    if (total > 64 * 1024) throw new UsageError(`${what} on stdin is longer than 64 KiB`, `pass one line to ${flag}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new UsageError(`${what} on stdin is not valid UTF-8`, `pass it as UTF-8 text to ${flag}`);
  }
  if (text.endsWith("\r")) text = text.slice(0, -1);
  if (text === "")
    throw new UsageError(`no ${what} on stdin`, `pipe it in, e.g. printf '%s\\n' "$SECRET" | lgauth … ${flag}`);
  return text;
}
