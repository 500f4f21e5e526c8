import type { CodeSource, Factor } from "../session/second-factor.js";
import type { Context } from "./context.js";
import type { StdinLines } from "./stdin.js";

/** Tries at a prompt before giving up, as the issue and most authenticator UIs do. */
const PROMPT_TRIES = 3;

function factorLabel(factor: Factor): string {
  return factor.friendly_name ? ` ("${factor.friendly_name}")` : "";
}

/**
 * Where the code from the user's authenticator app comes from: the next line of stdin with
 * --code-stdin (one try), else a prompt on a terminal (three tries), else nowhere (undefined:
 * the session layer then stores nothing and says --code-stdin is needed).
 */
export function authenticatorCodes(
  ctx: Context,
  codeStdin: boolean | undefined,
  lines: StdinLines,
): CodeSource | undefined {
  if (codeStdin) {
    return { attempts: 1, read: () => lines.next("authenticator code", "--code-stdin") };
  }
  if (!ctx.prompter.available) return undefined;
  return {
    attempts: PROMPT_TRIES,
    async read(factor, refused) {
      if (refused) ctx.io.note(`lgauth: ${refused}; try again.`);
      return ctx.prompter.text(
        `Code from your authenticator app${factorLabel(factor)}:`,
        "--code-stdin",
        "the authenticator code",
      );
    },
  };
}
