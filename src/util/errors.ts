/**
 * lgauth's one error type, used by every layer. Like supabase-js's AuthError it carries a
 * stable machine-readable `code` and says nothing about processes: the CLI alone turns a code
 * into an exit code and a hint (src/cli/error-table.ts, one row per code). Adding a code here
 * without a row there fails the typecheck.
 *
 * `message` says what went wrong and `hint` (rarely needed: the table has the usual one) what
 * to do about this occurrence; both are printed as they are, so neither may hold a secret.
 * Values a hint needs (a profile name, an email, a URL) go in `details`.
 */
export const ERROR_CODES = [
  // bad input the caller can correct (flags, arguments, environment variables)
  "usage",
  // any other failure without a more specific code
  "failed",
  // the person pressed Ctrl-C (at a prompt, in chat): exit 130 like a shell
  "interrupted",
  // sessions
  "not_logged_in",
  "env_token_set",
  "no_anon_key",
  "token_rejected",
  "session_not_stored",
  "local_stack_down",
  // the local stack
  "data_dir_unsafe",
  // Supabase Auth (GoTrue's own codes where it has one)
  "auth_unreachable",
  "auth_wrong_server",
  "auth_unexpected",
  "auth_server_error",
  "auth_failed",
  "invalid_credentials",
  "email_not_confirmed",
  "user_already_exists",
  "signed_up_not_stored",
  "weak_password",
  "rate_limited",
  "signup_disabled",
  "user_banned",
  "flow_state_not_found",
  "flow_state_expired",
  "bad_code_verifier",
  "otp_expired",
  "no_account",
  "invalid_input",
  // account changes (email, password)
  "email_taken",
  "same_password",
  "reauthentication_needed",
  "reauthentication_not_valid",
  // MFA (second factors)
  "mfa_code_required",
  "mfa_code_invalid",
  "mfa_factor_not_found",
  "mfa_disabled",
  "mfa_factor_limit",
  // browser logins
  "oauth_refused",
  "oauth_state_mismatch",
  "oauth_timeout",
  "provider_not_enabled",
  // config and credential stores
  "config_invalid",
  "config_unreadable",
  "credentials_invalid",
  "credentials_unreadable",
  "keychain_unavailable",
  "keychain_timeout",
  "keychain_locked",
  "keychain_required",
  "plain_file_needs_consent",
  "plain_file_refused",
  "plain_file_forbidden",
  // the LangGraph server
  "langgraph_unauthorized",
  "langgraph_forbidden",
  "langgraph_mfa_required",
  "langgraph_not_found",
  "langgraph_conflict",
  "langgraph_rejected",
  "langgraph_server_error",
  "langgraph_unreachable",
  "langgraph_wrong_server",
  "langgraph_failed",
  "run_failed",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorDetails = Readonly<Record<string, string | number | boolean | undefined>>;

export interface LgauthErrorOptions {
  hint?: string | undefined;
  details?: ErrorDetails;
  cause?: unknown;
}

/** Marks an LgauthError made by any copy of this module (see Symbol.hasInstance below). */
const BRAND = Symbol.for("lgauth.LgauthError");

export class LgauthError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: ErrorDetails;

  /**
   * The built CLI has two copies of this class: the start-up bundle's and the one of the
   * commands loaded on demand (scripts/build.mjs). `err instanceof LgauthError` holds for an
   * error of either copy; subclasses are checked by their prototype as usual.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of instanceof (a subclass or LgauthError)
    if (this !== LgauthError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  constructor(code: ErrorCode, message: string, options: LgauthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    (this as unknown as Record<symbol, boolean>)[BRAND] = true;
    this.name = "LgauthError";
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }
}

/** The caller's input is wrong (a flag, an argument, an environment variable): exit 2. */
export class UsageError extends LgauthError {
  constructor(message: string, hint?: string) {
    super("usage", message, { hint });
    this.name = "UsageError";
  }
}

/** No usable session for `profile` (never logged in, logged out, ended at the server). */
export class NotLoggedInError extends LgauthError {
  /** `fromVariable`: the token that failed came from that environment variable, not a login. */
  constructor(profile: string, message?: string, fromVariable?: string) {
    super("not_logged_in", message ?? `not logged in (profile "${profile}")`, {
      details: fromVariable === undefined ? { profile } : { profile, variable: fromVariable },
    });
    this.name = "NotLoggedInError";
  }
}

/** Ctrl-C at a prompt or in chat: exit 130, as a shell reports a process ended by SIGINT. */
export class InterruptedError extends LgauthError {
  constructor() {
    super("interrupted", "interrupted");
    this.name = "InterruptedError";
  }
}
