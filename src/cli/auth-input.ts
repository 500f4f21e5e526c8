import type { Context } from "./context.js";
import { UsageError } from "./errors.js";
import { email } from "./parse.js";
import { missingValue } from "./prompter.js";
import { type StdinLines, readFirstLine } from "./stdin.js";

export interface CredentialFlags {
  email?: string;
  passwordStdin?: boolean;
}

/** --email (checked by its parser), else asked at the prompt. */
export async function readEmail(ctx: Context, flags: CredentialFlags): Promise<string> {
  return flags.email ?? email(await ctx.prompter.text("Email:", "--email", "email"));
}

/**
 * From stdin with --password-stdin (the first line, or the next of `lines` when the command
 * reads more from stdin), else a masked prompt; never from a flag.
 */
export async function readPassword(
  ctx: Context,
  flags: CredentialFlags,
  confirmTwice: boolean,
  lines?: StdinLines,
): Promise<string> {
  if (flags.passwordStdin) {
    return lines
      ? lines.next("password", "--password-stdin")
      : readFirstLine("password", "--password-stdin", ctx.io.stdin);
  }
  if (!ctx.prompter.available) throw missingValue("a password", "--password-stdin");
  const password = await ctx.prompter.secret("Password:", "--password-stdin", "password");
  if (password === "") throw new UsageError("the password cannot be empty");
  if (confirmTwice) {
    const again = await ctx.prompter.secret("Repeat password:", "--password-stdin", "password");
    if (again !== password) throw new UsageError("the two passwords differ");
  }
  return password;
}

/** The question for plain-file consent, or undefined when nobody can be asked. */
export function consentPrompt(ctx: Context): ((question: string) => Promise<boolean>) | undefined {
  if (!ctx.prompter.available) return undefined;
  return (question) => ctx.prompter.confirm(question, "--insecure-storage");
}
