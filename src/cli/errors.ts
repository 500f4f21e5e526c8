import { CommanderError } from "commander";
import { type ErrorCode, type ErrorDetails, LgauthError } from "../util/errors.js";

export { InterruptedError, LgauthError, NotLoggedInError, UsageError } from "../util/errors.js";

/** Exit codes promised in the brief (gh's 4 for "authentication required"). */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  auth: 4,
  leak: 5,
  /** Ctrl-C: 128 + SIGINT, what a shell reports for a process the signal ended. */
  interrupted: 130,
  /** The reader of stdout went away (`lgauth … | head`): 128 + SIGPIPE, as a shell reports gh or git. */
  brokenPipe: 141,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the CLI itself finds (code "failed", exit 1), with what to do about it. */
export class CliError extends LgauthError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super("failed", message, options);
    this.name = "CliError";
  }
}

interface Rule {
  exit: ExitCodeValue;
  /** The usual advice for this code; an error's own `hint` wins. */
  hint?: (details: ErrorDetails) => string | undefined;
}

/** The failing command takes `flag` (FailureContext.flags; unknown: no). */
const accepts = (d: ErrorDetails, flag: string) => typeof d.flags === "string" && d.flags.split(" ").includes(flag);

/** How to unlock a locked keychain, for the platform it runs on. */
function unlockHint(platform: ErrorDetails[string]): string {
  if (platform === "darwin") return "unlock it with `security unlock-keychain` and try again";
  if (platform === "win32") return "sign in to Windows again to unlock the Credential Manager, and try again";
  return "unlock it and try again: on a desktop, unlock the Login keyring in Passwords and Keys (seahorse) or log out and in; over SSH, `gnome-keyring-daemon --replace --unlock` unlocks it with the password it reads from stdin";
}

const loginHint = (d: ErrorDetails) =>
  typeof d.variable === "string"
    ? `give a valid access token in ${d.variable}, or unset it to use the profile's login`
    : `run \`lgauth login${d.profile === undefined || d.profile === "default" ? "" : ` --profile ${d.profile}`}\``;
const providerAgain = () => "start again with `lgauth login --provider …`";

/**
 * Every error code's exit code and usual hint: the one place the CLI decides how a failure
 * ends the process. (Record<ErrorCode, …>: a new code without a row does not compile.)
 */
export const ERROR_TABLE: Record<ErrorCode, Rule> = {
  usage: { exit: ExitCode.usage, hint: (d) => `see \`${d.help ?? "lgauth"} --help\`` },
  failed: { exit: ExitCode.error },
  interrupted: { exit: ExitCode.interrupted },

  not_logged_in: { exit: ExitCode.auth, hint: loginHint },
  env_token_set: {
    exit: ExitCode.error,
    hint: (d) => `unset LGAUTH_ACCESS_TOKEN to ${d.action} with stored credentials`,
  },
  no_anon_key: {
    exit: ExitCode.usage,
    hint: () => "pass --supabase-anon-key or set SUPABASE_ANON_KEY (`lgauth dev` prints the local one)",
  },
  token_rejected: { exit: ExitCode.auth },
  session_not_stored: { exit: ExitCode.error },
  local_stack_down: {
    exit: ExitCode.error,
    hint: (d) => `start it with \`lgauth dev --data-dir ${d.dataDir}\`, or in the background with --detach`,
  },
  data_dir_unsafe: {
    exit: ExitCode.error,
    hint: (d) =>
      `lgauth dev keeps its keys and accounts there, so only you may own and write it: \`chmod 700 ${d.dataDir}\` if it is yours${accepts(d, "--data-dir") ? ", or pass another --data-dir" : ""}`,
  },

  auth_unreachable: {
    exit: ExitCode.error,
    hint: () => "check the URL (--supabase-url or SUPABASE_URL) and that the server is running",
  },
  auth_wrong_server: {
    exit: ExitCode.error,
    hint: () =>
      "point --supabase-url or SUPABASE_URL at Supabase Auth: your project's URL, or the one `lgauth dev` prints, port 54321 by default",
  },
  auth_unexpected: { exit: ExitCode.error },
  auth_server_error: { exit: ExitCode.error, hint: () => "try again later" },
  auth_failed: { exit: ExitCode.error },
  invalid_credentials: { exit: ExitCode.auth, hint: () => "check both, or create an account with `lgauth signup`" },
  email_not_confirmed: {
    exit: ExitCode.auth,
    hint: (d) =>
      d.email === undefined
        ? "confirm it with the code or link sent by email (`lgauth signup --confirm --email <email>`)"
        : `confirm it with the code sent to ${d.email} (\`lgauth signup --confirm --email ${d.email}\`) or the link in that email`,
  },
  user_already_exists: { exit: ExitCode.error, hint: () => "run `lgauth login` instead" },
  signed_up_not_stored: {
    exit: ExitCode.error,
    hint: (d) =>
      `${d.locked ? `${unlockHint(d.platform)}; then ` : ""}log in with \`lgauth login --email ${d.email}\` once the keychain works${d.locked ? "" : " (or add --insecure-storage to keep the tokens in a 0600 file)"}`,
  },
  weak_password: { exit: ExitCode.error, hint: () => "choose a longer password" },
  rate_limited: {
    exit: ExitCode.error,
    hint: (d) =>
      d.retryAfterSeconds !== undefined
        ? `try again in ${d.retryAfterSeconds} s`
        : d.atMostSeconds !== undefined
          ? `try again in ${d.atMostSeconds} s at most`
          : d.hourlyEmail
            ? "the project's email limit counts per hour; try again later"
            : "try again in a few minutes",
  },
  signup_disabled: { exit: ExitCode.error, hint: () => "ask its owner for an account" },
  user_banned: { exit: ExitCode.auth },
  flow_state_not_found: { exit: ExitCode.auth, hint: providerAgain },
  flow_state_expired: {
    exit: ExitCode.auth,
    hint: () => "start again with `lgauth login --provider …` and finish within 5 minutes",
  },
  bad_code_verifier: { exit: ExitCode.auth, hint: providerAgain },
  otp_expired: { exit: ExitCode.auth, hint: () => "request a new one with `lgauth login --otp`" },
  no_account: {
    exit: ExitCode.auth,
    hint: (d) => `create it with \`lgauth signup${d.email ? ` --email ${d.email}` : ""}\``,
  },
  invalid_input: { exit: ExitCode.usage },
  email_taken: { exit: ExitCode.error, hint: () => "choose another address" },
  same_password: { exit: ExitCode.error, hint: () => "choose a different one" },
  reauthentication_needed: {
    exit: ExitCode.auth,
    hint: () =>
      "run it again with --code-stdin: the code on the first line of stdin, the new password (--password-stdin) on the next",
  },
  reauthentication_not_valid: {
    exit: ExitCode.auth,
    hint: () => "run `lgauth password change` again for a new code",
  },

  mfa_code_required: {
    exit: ExitCode.auth,
    hint: (d) =>
      `pass the 6-digit code from your authenticator app with --code-stdin${d.login ? " (the line after the password with --password-stdin)" : ""}`,
  },
  mfa_code_invalid: { exit: ExitCode.auth, hint: () => "use the code your authenticator app shows now" },
  mfa_factor_not_found: { exit: ExitCode.error, hint: () => "see your factors with `lgauth mfa list`" },
  mfa_disabled: { exit: ExitCode.error, hint: () => "TOTP MFA is switched off in this project's Auth settings" },
  mfa_factor_limit: { exit: ExitCode.error, hint: () => "remove one with `lgauth mfa remove <factor-id>`" },

  oauth_refused: {
    exit: ExitCode.auth,
    hint: (d) => (d.error === "access_denied" ? "allow access in the browser to log in" : undefined),
  },
  oauth_state_mismatch: {
    exit: ExitCode.auth,
    hint: () => "a stale tab or a forged request; start again with `lgauth login --provider …`",
  },
  oauth_timeout: {
    exit: ExitCode.auth,
    hint: () => "start again, and check that the redirect URL http://127.0.0.1:*/** is allowed in Supabase Auth",
  },
  provider_not_enabled: {
    exit: ExitCode.error,
    hint: (d) =>
      d.enabled ? `enabled: ${d.enabled}` : "enable it in the project's Auth settings, or use `lgauth login --otp`",
  },

  config_invalid: {
    exit: ExitCode.error,
    hint: (d) =>
      d.field === undefined
        ? "fix or remove the file; lgauth will not overwrite it until then"
        : "fix or remove that field; lgauth will not overwrite the file until then",
  },
  config_unreadable: { exit: ExitCode.error },
  credentials_invalid: {
    exit: ExitCode.error,
    hint: () => "remove it and log in again; lgauth will not overwrite it until then",
  },
  credentials_unreadable: { exit: ExitCode.error },
  keychain_unavailable: {
    exit: ExitCode.error,
    // --insecure-storage is named as a flag only where the command takes it (login, signup)
    hint: (d) =>
      accepts(d, "--insecure-storage")
        ? "start a Secret Service (gnome-keyring) in this session, or allow a 0600 file with --insecure-storage or LGAUTH_CREDENTIAL_STORE=file"
        : "start a Secret Service (gnome-keyring) in this session and try again, or log in again with `lgauth login --insecure-storage` to keep the tokens in a 0600 file",
  },
  keychain_locked: { exit: ExitCode.error, hint: (d) => unlockHint(d.platform) },
  keychain_timeout: {
    exit: ExitCode.error,
    hint: () => "unlock your keyring (or check that its daemon runs) and try again",
  },
  keychain_required: {
    exit: ExitCode.error,
    hint: () => "LGAUTH_CREDENTIAL_STORE=keychain forbids the plain-file fallback; start a Secret Service or unset it",
  },
  plain_file_needs_consent: {
    exit: ExitCode.error,
    hint: () =>
      "to store tokens in a 0600 plain file instead, pass --insecure-storage or set LGAUTH_CREDENTIAL_STORE=file",
  },
  plain_file_refused: {
    exit: ExitCode.error,
    hint: () => "start a Secret Service (gnome-keyring), or rerun with --insecure-storage",
  },
  plain_file_forbidden: {
    exit: ExitCode.error,
    hint: () => "unset LGAUTH_CREDENTIAL_STORE, or log in again to move the tokens to the keychain",
  },

  langgraph_unauthorized: { exit: ExitCode.auth, hint: () => "run `lgauth login` again" },
  langgraph_forbidden: { exit: ExitCode.error },
  langgraph_mfa_required: {
    exit: ExitCode.auth,
    hint: (d) =>
      d.enroll
        ? "enroll an authenticator app with `lgauth mfa enroll`; verifying it gives this session aal2"
        : "log in again and enter the code from your authenticator app (`lgauth login`), or step this session up with `lgauth mfa verify <factor-id>`",
  },
  langgraph_not_found: { exit: ExitCode.error },
  langgraph_conflict: { exit: ExitCode.error },
  langgraph_rejected: { exit: ExitCode.error },
  langgraph_server_error: { exit: ExitCode.error, hint: (d) => (d.url ? `server ${d.url}` : undefined) },
  langgraph_unreachable: {
    exit: ExitCode.error,
    hint: () => "is `lgauth dev` running? set --langgraph-url or LANGGRAPH_URL",
  },
  langgraph_wrong_server: {
    exit: ExitCode.error,
    hint: () =>
      "point --langgraph-url or LANGGRAPH_URL at the LangGraph server: `lgauth dev` prints it, port 2024 by default",
  },
  langgraph_failed: { exit: ExitCode.error },
  run_failed: { exit: ExitCode.error },
};

/** Collapses any message to one line so the error path never prints more than one. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * Where the failure happened, for hints: `help` is the command whose help a usage error points
 * at ("lgauth threads show"), `flags` the long flags that command accepts.
 */
export interface FailureContext {
  help?: string;
  /** The long flags the command accepts, space-separated (hints name only those). */
  flags?: string;
}

/** Exit code and hint of an error, from ERROR_TABLE (an error's own hint wins). */
export function classify(
  err: LgauthError,
  where: FailureContext = {},
): { exitCode: ExitCodeValue; hint: string | undefined } {
  const rule = ERROR_TABLE[err.code] ?? ERROR_TABLE.failed;
  return { exitCode: rule.exit, hint: err.hint ?? rule.hint?.({ ...where, ...err.details }) };
}

/** @inquirer/prompts' error for Ctrl-C at a prompt (checked by name: the class is loaded lazily). */
function isPromptInterrupt(err: unknown): boolean {
  return err instanceof Error && err.name === "ExitPromptError";
}

/**
 * `lgauth: <what went wrong> (<hint>)`: the single line every failure prints. commander's own
 * errors (unknown command, missing argument) are usage errors like ours; a usage error's hint
 * points at the help of the command it was about.
 */
export function formatError(err: unknown, where: FailureContext = {}): { line: string; exitCode: ExitCodeValue } {
  const help = `see \`${where.help ?? "lgauth"} --help\``;
  if (err instanceof CommanderError) {
    const message = oneLine(err.message.replace(/^error:\s*/i, ""));
    return { line: `lgauth: ${message} (${help})`, exitCode: ExitCode.usage };
  }
  if (isPromptInterrupt(err)) return { line: "lgauth: interrupted", exitCode: ExitCode.interrupted };
  if (err instanceof LgauthError) {
    const { exitCode, hint } = classify(err, where);
    return { line: `lgauth: ${oneLine(err.message)}${hint ? ` (${oneLine(hint)})` : ""}`, exitCode };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    line: `lgauth: ${oneLine(message) || "unexpected error"} (run again with --debug for details)`,
    exitCode: ExitCode.error,
  };
}
