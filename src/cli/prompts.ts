import { UsageError } from "./errors.js";

/** A prompt appears only when stdin and stdout are both terminals (and CI is not set). */
export function canPrompt(): boolean {
  if (process.env.CI === "true" || process.env.CI === "1") return false;
  return process.stdin.isTTY === true && process.stdout.isTTY === true;
}

/** Error for a missing value in a script: names the flag that supplies it. */
export function missingValue(what: string, flag: string): UsageError {
  return new UsageError(`${what} is required when not running in a terminal`, `pass ${flag}`);
}

export async function promptText(message: string, flag: string, what: string): Promise<string> {
  if (!canPrompt()) throw missingValue(what, flag);
  const { input } = await import("@inquirer/prompts");
  return input({ message, validate: (v) => (v.trim() ? true : `${what} cannot be empty`) });
}

export async function promptSecret(message: string, flag: string, what: string): Promise<string> {
  if (!canPrompt()) throw missingValue(what, flag);
  const { password } = await import("@inquirer/prompts");
  return password({ message, mask: "*" });
}

export async function promptConfirm(message: string, flag: string): Promise<boolean> {
  if (!canPrompt()) throw missingValue("confirmation", flag);
  const { confirm } = await import("@inquirer/prompts");
  return confirm({ message, default: false });
}
