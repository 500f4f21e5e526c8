import type { Context } from "./context.js";
import { UsageError } from "./errors.js";
import { email, emailProblem } from "./parse.js";
import { missingValue } from "./prompter.js";
import { type StdinLines, readFirstLine } from "./stdin.js";

export interface CredentialFlags {
  email?: string;
  passwordStdin?: boolean;
}

/** --email (checked by its parser), else asked at the prompt, again until it is an address. */
export async function readEmail(ctx: Context, flags: CredentialFlags): Promise<string> {
  return flags.email ?? email(await ctx.prompter.text("Email:", "--email", "email", emailProblem));
}

/**
 * The password of an existing account: from stdin with --password-stdin (the first line, or the
 * next of `lines` when the command reads more from stdin), else a masked prompt (asked again
 * while empty); never from a flag. A new password is `readNewPassword`'s.
 */
export async function readPassword(ctx: Context, flags: CredentialFlags, lines?: StdinLines): Promise<string> {
  if (flags.passwordStdin) {
    return lines
      ? lines.next("password", "--password-stdin")
      : readFirstLine("password", "--password-stdin", ctx.io.stdin);
  }
  if (!ctx.prompter.available) throw missingValue("a password", "--password-stdin");
  for (let round = 1; ; round++) {
    const password = await ctx.prompter.secret("Password:", "--password-stdin", "password");
    if (password !== "") return password;
    if (round >= NEW_PASSWORD_ROUNDS) throw new UsageError("the password cannot be empty");
    ctx.io.note("lgauth: the password cannot be empty; try again.");
  }
}

/**
 * GoTrue refuses any password shorter than this, whatever the project's policy (its floor for
 * PASSWORD_MIN_LENGTH); a project may ask for more, which only its answer tells.
 */
export const MIN_PASSWORD_LENGTH = 6;

/** Passwords every guessing attack tries first (the top of the breach lists). */
const COMMON = new Set([
  "password",
  "passw0rd",
  "password1",
  "password123",
  "qwerty",
  "qwertyuiop",
  "qwerty123",
  "azerty",
  "letmein",
  "welcome",
  "welcome1",
  "iloveyou",
  "admin123",
  "monkey",
  "dragon",
  "football",
  "baseball",
  "sunshine",
  "princess",
  "trustno1",
  "changeme",
  "secret",
  "111111",
  "123123",
  "123qwe",
  "1q2w3e4r",
  "zaq12wsx",
]);

/** "abcdef", "123456", "987654": each character one step from the last. */
function consecutive(text: string): boolean {
  const step = text.charCodeAt(1) - text.charCodeAt(0);
  if (Math.abs(step) !== 1) return false;
  for (let i = 2; i < text.length; i++) if (text.charCodeAt(i) - text.charCodeAt(i - 1) !== step) return false;
  return true;
}

/**
 * Why a new password is too weak before any server sees it, or undefined: shorter than
 * GoTrue's floor, or trivially guessed (one character repeated, a run like 123456, a password
 * at the top of every breach list, the email's own name). The project's own policy (a longer
 * minimum, required characters, leaked-password checks) is the server's to say.
 */
export function passwordWeakness(password: string, emailAddress?: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `shorter than ${MIN_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (/^(.)\1*$/su.test(password)) return "one character repeated";
  if (consecutive(lower)) return "a run of consecutive characters";
  if (COMMON.has(lower)) return "one of the most common passwords";
  const name = emailAddress?.split("@")[0]?.toLowerCase();
  if (name && (lower === name || lower === emailAddress?.toLowerCase())) return "your email address";
  return undefined;
}

/** How many times a prompt for a new password asks before it gives up. */
const NEW_PASSWORD_ROUNDS = 5;

export interface NewPasswordOptions {
  /** The next line of stdin with --password-stdin, when the command reads more than one. */
  lines?: StdinLines;
  /** The account's email: a password equal to it is refused. */
  email?: string;
  /** "Password" (default) or "New password": the prompts are "<label>:" and "Repeat <label>:". */
  label?: string;
}

/**
 * A new password (signup, password change and reset): with --password-stdin one line of stdin,
 * judged by the server alone; on a terminal a masked prompt that asks again while the password
 * is empty or too weak (`passwordWeakness`, checked before the confirmation), then asks for it
 * again, and starts over when the two differ. The shared "new password twice" prompt: commands
 * that set a password use this, not their own.
 */
export async function readNewPassword(
  ctx: Context,
  flags: CredentialFlags,
  options: NewPasswordOptions = {},
): Promise<string> {
  if (flags.passwordStdin) {
    return options.lines
      ? options.lines.next("password", "--password-stdin")
      : readFirstLine("password", "--password-stdin", ctx.io.stdin);
  }
  if (!ctx.prompter.available) throw missingValue("a password", "--password-stdin");
  const label = options.label ?? "Password";
  for (let round = 1; ; round++) {
    const refuse = (why: string) => {
      if (round >= NEW_PASSWORD_ROUNDS) throw new UsageError(`${why} (${NEW_PASSWORD_ROUNDS} tries)`);
      ctx.io.note(`lgauth: ${why}; try again.`);
    };
    const password = await ctx.prompter.secret(`${label}:`, "--password-stdin", "password");
    const weak = password === "" ? undefined : passwordWeakness(password, options.email);
    if (password === "") {
      refuse("the password cannot be empty");
      continue;
    }
    if (weak !== undefined) {
      refuse(`that password is too weak (${weak})`);
      continue;
    }
    const again = await ctx.prompter.secret(`Repeat ${label.toLowerCase()}:`, "--password-stdin", "password");
    if (again !== password) {
      refuse("the two passwords differ");
      continue;
    }
    return password;
  }
}

/** The question for plain-file consent, or undefined when nobody can be asked. */
export function consentPrompt(ctx: Context): ((question: string) => Promise<boolean>) | undefined {
  if (!ctx.prompter.available) return undefined;
  return (question) => ctx.prompter.confirm(question, "--insecure-storage");
}
