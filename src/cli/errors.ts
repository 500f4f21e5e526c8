/** Exit codes promised in the brief (gh's 4 for "authentication required"). */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  auth: 4,
  leak: 5,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The one error type commands throw. `message` says what went wrong, `hint` what to do;
 * both must be free of secrets because they are printed as they are.
 */
export class CliError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(message: string, options: { exitCode?: ExitCodeValue; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode ?? ExitCode.error;
    this.hint = options.hint;
  }
}

export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.usage, hint: hint ?? "see `lgauth --help`" });
    this.name = "UsageError";
  }
}

export class NotLoggedInError extends CliError {
  constructor(profile: string, message?: string) {
    super(message ?? `not logged in (profile "${profile}")`, {
      exitCode: ExitCode.auth,
      hint: `run \`lgauth login${profile === "default" ? "" : ` --profile ${profile}`}\``,
    });
    this.name = "NotLoggedInError";
  }
}

export class NotYetAvailableError extends CliError {
  constructor(command: string) {
    super(`\`${command}\` is not yet available in this version of lgauth`, {
      hint: "see the README for what works today",
    });
    this.name = "NotYetAvailableError";
  }
}

/** Collapses any message to one line so the error path never prints more than one. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** `lgauth: <what went wrong> (<hint>)`: the single line every failure prints. */
export function formatError(err: unknown): { line: string; exitCode: ExitCodeValue } {
  if (err instanceof CliError) {
    const hint = err.hint ? ` (${oneLine(err.hint)})` : "";
    return { line: `lgauth: ${oneLine(err.message)}${hint}`, exitCode: err.exitCode };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    line: `lgauth: ${oneLine(message) || "unexpected error"} (run again with --debug for details)`,
    exitCode: ExitCode.error,
  };
}
