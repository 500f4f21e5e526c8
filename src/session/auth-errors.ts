import { LgauthError } from "../util/errors.js";
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
 * One line in the user's language for every failure of an auth call, with a stable code (GoTrue's
 * own where it has one). `url` is the Supabase URL (no secrets); server messages are passed
 * through (GoTrue never echoes a password).
 */
export function authFailure(err: unknown, url: string, wire?: WireLog, email?: string): LgauthError {
  const e = asAuthError(err);
  if (!e) {
    if (err instanceof LgauthError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new LgauthError("auth_unexpected", `unexpected failure talking to Supabase Auth at ${url}: ${message}`);
  }
  if (isUnreachable(e)) {
    const why = wire?.unreachable ? ` (${wire.unreachable})` : "";
    return new LgauthError("auth_unreachable", `cannot reach Supabase Auth at ${url}${why}`, { details: { url } });
  }
  switch (e.code) {
    case "lgauth_wrong_server":
      return new LgauthError("auth_wrong_server", e.message ?? `${url} is not Supabase Auth`, { details: { url } });
    case "invalid_credentials":
      return new LgauthError("invalid_credentials", "wrong email or password");
    case "email_not_confirmed":
      return new LgauthError("email_not_confirmed", "email not confirmed", { details: { email } });
    case "user_already_exists":
    case "email_exists":
      return new LgauthError("user_already_exists", "an account with this email already exists");
    case "weak_password": {
      const reasons = (e.reasons ?? []).map((r) => REASON_WORDS[r] ?? r);
      const why = reasons.length > 0 ? `: ${reasons.join(", ")}` : "";
      const server = e.message ? ` (${e.message.replace(/\.$/, "")})` : "";
      return new LgauthError("weak_password", `password is too weak${why}${server}`);
    }
    case "over_request_rate_limit":
    case "over_email_send_rate_limit":
    case "too_many_requests":
      return rateLimited(e, wire);
    case "signup_disabled":
      return new LgauthError("signup_disabled", `sign-ups are disabled on the Supabase project at ${url}`);
    case "user_banned":
      return new LgauthError("user_banned", "this account is banned");
    case "flow_state_not_found":
      return new LgauthError("flow_state_not_found", "the login code is unknown or was already used");
    case "flow_state_expired":
      return new LgauthError("flow_state_expired", "the login code expired before it reached lgauth");
    case "bad_code_verifier":
      return new LgauthError("bad_code_verifier", "the login code belongs to another login attempt");
    case "otp_expired":
      return new LgauthError("otp_expired", "the code is wrong or has expired");
    case "otp_disabled":
      // GoTrue's answer to a code login (create_user: false) for an address with no account
      return new LgauthError("no_account", `there is no account for ${email ?? "this email"} at ${url}`, {
        details: { email },
      });
    case "mfa_verification_failed":
    case "mfa_challenge_expired":
      return new LgauthError("mfa_code_invalid", "the authenticator code was not accepted (wrong or expired)");
    case "mfa_factor_not_found":
      return new LgauthError("mfa_factor_not_found", "no such MFA factor on this account");
    case "mfa_totp_enroll_not_enabled":
    case "mfa_totp_verify_not_enabled":
      return new LgauthError(
        "mfa_disabled",
        `Supabase Auth at ${url} does not allow TOTP MFA (${e.message ?? e.code})`,
      );
    case "too_many_enrolled_mfa_factors":
      return new LgauthError("mfa_factor_limit", "this account has as many MFA factors as the project allows");
    case "mfa_factor_name_conflict":
      return new LgauthError("invalid_input", `Supabase Auth refused the name: ${e.message ?? "already in use"}`);
    case "insufficient_aal":
      return new LgauthError(
        "mfa_code_required",
        "this needs a session verified with your second factor (aal2) and no authenticator code was given",
      );
    case "validation_failed":
    case "email_address_invalid":
      return new LgauthError("invalid_input", `Supabase Auth refused the input: ${e.message ?? "invalid"}`);
    default:
      break;
  }
  if (e.status === 429) return rateLimited(e, wire);
  if (e.status !== undefined && e.status >= 500) {
    return new LgauthError(
      "auth_server_error",
      `Supabase Auth at ${url} failed (HTTP ${e.status}${e.message ? `: ${e.message}` : ""})`,
    );
  }
  return new LgauthError("auth_failed", `Supabase Auth at ${url}: ${e.message || e.code || "request failed"}`);
}

/**
 * GoTrue's 429s say what the limit is: "For security purposes, you can only request this after
 * N seconds." (N = seconds left, since v2.154.2), "…once every N seconds" (older), "email rate
 * limit exceeded" (the project's hourly email cap) or "Request rate limit reached" (per client).
 * The line quotes the server, and the hint gives the real wait when the server said it.
 */
function rateLimited(e: AuthErrorLike, wire?: WireLog): LgauthError {
  const said = (e.message ?? "").trim();
  const after = /after (\d+) seconds?/i.exec(said);
  const every = /every (\d+) seconds?/i.exec(said);
  const hourlyEmail = /email rate limit exceeded/i.test(said);
  const retryAfterSeconds = after ? Number(after[1]) : every ? undefined : wire?.retryAfterSeconds;
  const what =
    said !== "" ? `"${said}"` : e.code === "over_email_send_rate_limit" ? "too many emails sent" : "too many requests";
  return new LgauthError("rate_limited", `rate limited by Supabase Auth: ${what}`, {
    details: { retryAfterSeconds, atMostSeconds: every ? Number(every[1]) : undefined, hourlyEmail },
  });
}
