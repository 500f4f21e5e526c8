import { CliError, ExitCode } from "../cli/errors.js";
import type { WireLog } from "./client.js";

/** The fields of a supabase-js AuthError we read (checked structurally, no class import). */
export interface AuthErrorLike {
  name?: string;
  message?: string;
  status?: number;
  code?: string;
  reasons?: string[];
}

export function asAuthError(err: unknown): AuthErrorLike | null {
  if (typeof err !== "object" || err === null) return null;
  const e = err as AuthErrorLike & { __isAuthError?: boolean };
  if (!e.__isAuthError && !(typeof e.name === "string" && e.name.startsWith("Auth"))) return null;
  return e;
}

/** Refresh errors after which the stored session is dead and must be cleared. */
const SESSION_ENDED = new Set([
  "refresh_token_already_used",
  "refresh_token_not_found",
  "session_not_found",
  "session_expired",
  "user_banned",
  "user_not_found",
]);

export function sessionEnded(err: AuthErrorLike): boolean {
  if (err.code && SESSION_ENDED.has(err.code)) return true;
  return err.name === "AuthSessionMissingError";
}

const SESSION_ENDED_WORDS: Record<string, string> = {
  refresh_token_already_used: "the refresh token was already used (another copy of this session refreshed it)",
  refresh_token_not_found: "the session was revoked or logged out",
  session_not_found: "the session was revoked or logged out",
  session_expired: "the session expired",
  user_banned: "the account is banned",
  user_not_found: "the account no longer exists",
};

export function sessionEndedWords(err: AuthErrorLike): string {
  return (err.code && SESSION_ENDED_WORDS[err.code]) || "the session is no longer valid";
}

const REASON_WORDS: Record<string, string> = {
  length: "too short",
  characters: "needs more kinds of characters",
  pwned: "found in a known data breach",
};

export function isUnreachable(err: AuthErrorLike): boolean {
  return err.code === "lgauth_unreachable" || (err.name === "AuthRetryableFetchError" && (err.status ?? 0) === 0);
}

/**
 * One line in the user's language for every failure of an auth call. `url` is the Supabase
 * URL (no secrets); server messages are passed through (GoTrue never echoes a password).
 */
export function authFailure(err: unknown, url: string, wire?: WireLog, email?: string): CliError {
  const e = asAuthError(err);
  if (!e) {
    if (err instanceof CliError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new CliError(`unexpected failure talking to Supabase Auth at ${url}: ${message}`);
  }
  if (isUnreachable(e)) {
    const why = wire?.unreachable ? ` (${wire.unreachable})` : "";
    return new CliError(`cannot reach Supabase Auth at ${url}${why}`, {
      hint: "check the URL (--supabase-url or SUPABASE_URL) and that the server is running",
    });
  }
  switch (e.code) {
    case "invalid_credentials":
      return new CliError("wrong email or password", {
        exitCode: ExitCode.auth,
        hint: "check both, or create an account with `lgauth signup`",
      });
    case "email_not_confirmed":
      return new CliError("email not confirmed", {
        exitCode: ExitCode.auth,
        hint: `open the confirmation link sent to ${email ?? "your inbox"}, then run \`lgauth login\` again`,
      });
    case "user_already_exists":
    case "email_exists":
      return new CliError("an account with this email already exists", { hint: "run `lgauth login` instead" });
    case "weak_password": {
      const reasons = (e.reasons ?? []).map((r) => REASON_WORDS[r] ?? r);
      const why = reasons.length > 0 ? `: ${reasons.join(", ")}` : "";
      const server = e.message ? ` (${e.message.replace(/\.$/, "")})` : "";
      return new CliError(`password is too weak${why}${server}`, { hint: "choose a longer password" });
    }
    case "over_request_rate_limit":
    case "over_email_send_rate_limit":
    case "too_many_requests":
      return rateLimited(e, wire);
    case "signup_disabled":
      return new CliError(`sign-ups are disabled on the Supabase project at ${url}`, {
        hint: "ask its owner for an account",
      });
    case "user_banned":
      return new CliError("this account is banned", { exitCode: ExitCode.auth });
    case "flow_state_not_found":
      return new CliError("the login code is unknown or was already used", {
        exitCode: ExitCode.auth,
        hint: "start again with `lgauth login --provider …`",
      });
    case "flow_state_expired":
      return new CliError("the login code expired before it reached lgauth", {
        exitCode: ExitCode.auth,
        hint: "start again with `lgauth login --provider …` and finish within 5 minutes",
      });
    case "bad_code_verifier":
      return new CliError("the login code belongs to another login attempt", {
        exitCode: ExitCode.auth,
        hint: "start again with `lgauth login --provider …`",
      });
    case "otp_expired":
      return new CliError("the code is wrong or has expired", {
        exitCode: ExitCode.auth,
        hint: "request a new one with `lgauth login --otp`",
      });
    case "otp_disabled":
      return new CliError(`Supabase Auth at ${url} does not allow a code login for ${email ?? "this email"}`, {
        exitCode: ExitCode.auth,
        hint: "create the account first with `lgauth signup`",
      });
    case "validation_failed":
    case "email_address_invalid":
      return new CliError(`Supabase Auth refused the input: ${e.message ?? "invalid"}`, { exitCode: ExitCode.usage });
    default:
      break;
  }
  if (e.status === 429) return rateLimited(e, wire);
  if (e.status !== undefined && e.status >= 500) {
    return new CliError(`Supabase Auth at ${url} failed (HTTP ${e.status}${e.message ? `: ${e.message}` : ""})`, {
      hint: "try again later",
    });
  }
  return new CliError(`Supabase Auth at ${url}: ${e.message || e.code || "request failed"}`);
}

function rateLimited(e: AuthErrorLike, wire?: WireLog): CliError {
  const when =
    wire?.retryAfterSeconds !== undefined
      ? `try again in ${wire.retryAfterSeconds} s`
      : e.code === "over_email_send_rate_limit"
        ? "try again in an hour (the email limit is hourly)"
        : "try again in a few minutes";
  const what = e.code === "over_email_send_rate_limit" ? "too many emails sent" : "too many requests";
  return new CliError(`rate limited by Supabase Auth: ${what}`, { hint: when });
}
