import type { EmailedCodeSource } from "../session/emailed-codes.js";
import type { Context } from "./context.js";
import type { StdinLines } from "./stdin.js";

/** Tries at a prompt before giving up (each wrong code counts against the address at the server). */
const PROMPT_TRIES = 3;

/**
 * Where a code sent by email comes from: the next line of stdin with --code-stdin (one try),
 * else a prompt on a terminal (three tries), else nowhere (undefined).
 */
export function emailedCodes(
  ctx: Context,
  opts: { codeStdin: boolean | undefined; lines: StdinLines; question: string },
): EmailedCodeSource | undefined {
  if (opts.codeStdin) return { attempts: 1, read: () => opts.lines.next("code", "--code-stdin") };
  if (!ctx.prompter.available) return undefined;
  return {
    attempts: PROMPT_TRIES,
    async read(refused) {
      if (refused) ctx.io.note(`lgauth: ${refused}; try again.`);
      return ctx.prompter.text(opts.question, "--code-stdin", "the emailed code");
    },
  };
}
