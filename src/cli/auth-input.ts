import { UsageError } from "./errors.js";
import { canPrompt, missingValue, promptConfirm, promptSecret, promptText } from "./prompts.js";
import { readFirstLine } from "./stdin.js";

export interface CredentialFlags {
  email?: string;
  passwordStdin?: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export async function readEmail(flags: CredentialFlags): Promise<string> {
  const email = flags.email?.trim() || (await promptText("Email:", "--email", "email"));
  if (!EMAIL.test(email.trim())) throw new UsageError(`"${email.slice(0, 80)}" is not an email address`);
  return email.trim();
}

/** From stdin with --password-stdin, else a masked prompt; never from a flag. */
export async function readPassword(flags: CredentialFlags, confirmTwice: boolean): Promise<string> {
  if (flags.passwordStdin) return readFirstLine("password", "--password-stdin");
  if (!canPrompt()) throw missingValue("a password", "--password-stdin");
  const password = await promptSecret("Password:", "--password-stdin", "password");
  if (password === "") throw new UsageError("the password cannot be empty");
  if (confirmTwice) {
    const again = await promptSecret("Repeat password:", "--password-stdin", "password");
    if (again !== password) throw new UsageError("the two passwords differ");
  }
  return password;
}

/** The question for plain-file consent, or undefined when nobody can be asked. */
export function consentPrompt(): ((question: string) => Promise<boolean>) | undefined {
  if (!canPrompt()) return undefined;
  return (question) => promptConfirm(question, "--insecure-storage");
}

/** A hidden `--password <value>` exists only to refuse it with a useful message. */
export function refusePasswordFlag(value: unknown): void {
  if (value !== undefined) {
    throw new UsageError(
      "passwords are never accepted as a flag (they end up in shell history and process lists)",
      "pipe it to --password-stdin, or omit it to be prompted",
    );
  }
}
