/**
 * Is a profile's session still alive at Supabase Auth? (`gh auth status` checks its token with
 * the API the same way.) Stored state can be stale: another device's `logout --all-devices`,
 * an admin, or refresh-token reuse ends a session at the server while the profile still holds
 * an access token that looks valid for an hour. The check asks GoTrue's `GET /auth/v1/user` with
 * the profile's access token, which GoTrue answers 403 session_not_found once the session is
 * gone; an expired access token is refreshed first, exactly as any command would.
 */
import type { Factor } from "@supabase/supabase-js";
import { LgauthError } from "../util/errors.js";
import { timeoutSignal } from "../util/timeout-signal.js";
import type { ProfileConfig } from "./config.js";
import type { SessionContext } from "./context.js";
import { ENV_TOKEN, getAccessTokenDetailed, isLoggedIn } from "./session.js";
import { followsLocalStack, resolveSettings, savedServers } from "./settings.js";

/** live: the server knows the session; ended: it does not (log in again); unknown: could not check. */
export type SessionState = "live" | "ended" | "unknown";

/** The user as GoTrue's `GET /user` answers (factors listed once a factor was enrolled). */
export interface CheckedUser {
  id: string;
  email?: string | undefined;
  factors?: Factor[] | undefined;
}

export interface SessionCheck {
  state: SessionState;
  /** Why the session ended, or why it could not be checked (one line, no secrets). */
  reason: string | null;
  /** The server's answer, when the session is live. */
  user: CheckedUser | null;
}

/** How long a check may take: status waits for all of them at once, so offline costs this once. */
export const CHECK_TIMEOUT_MS = 3_000;

const ENDED_CODES = new Set(["session_not_found", "session_expired", "user_not_found", "user_banned", "bad_jwt"]);

/** GoTrue's words for why a token no longer works. */
function endedWords(code: string | undefined, message: string): string {
  if (code === "session_not_found") return "the session was revoked or logged out";
  if (code === "session_expired") return "the session expired";
  if (code === "user_not_found") return "the account no longer exists";
  if (code === "user_banned") return "the account is banned";
  return message || "the server refused the token";
}

/** Asks GoTrue who `token` belongs to. */
async function askUser(supabaseUrl: string, anonKey: string, token: string, timeoutMs: number): Promise<SessionCheck> {
  const t = timeoutSignal(timeoutMs);
  try {
    const res = await fetch(`${supabaseUrl}/auth/v1/user`, {
      headers: { apikey: anonKey, Authorization: `Bearer ${token}` },
      signal: t.signal,
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON: not Supabase Auth (judged below)
    }
    if (res.ok && typeof body.id === "string") {
      const user: CheckedUser = { id: body.id };
      if (typeof body.email === "string") user.email = body.email;
      if (Array.isArray(body.factors)) user.factors = body.factors as Factor[];
      return { state: "live", reason: null, user };
    }
    const code = typeof body.error_code === "string" ? body.error_code : typeof body.code === "string" ? body.code : "";
    const message = typeof body.msg === "string" ? body.msg : typeof body.message === "string" ? body.message : "";
    if ((res.status === 401 || res.status === 403) && (ENDED_CODES.has(code) || code === "")) {
      return { state: "ended", reason: endedWords(code, message), user: null };
    }
    return {
      state: "unknown",
      reason: `${supabaseUrl} answered HTTP ${res.status}${message ? ` (${message.slice(0, 120)})` : ""}`,
      user: null,
    };
  } finally {
    t.clear();
  }
}

function unreachableWords(err: unknown, supabaseUrl: string, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return `no answer within ${timeoutMs / 1000} s`;
  return `cannot reach ${supabaseUrl}${e?.cause?.code ? ` (${e.cause.code})` : ""}`;
}

/** Rejects after `ms` (the refresh before a check may hang on a dead server). */
function deadline(ms: number): { promise: Promise<never>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DOMException(`no answer within ${ms} ms`, "TimeoutError")), ms);
  });
  return { promise, clear: () => clearTimeout(timer) };
}

/**
 * Checks the session of profile `name` (whatever the context's own profile is) with the
 * Supabase Auth server it logged in at. Never throws: a server or keychain that cannot be asked
 * is state "unknown" with the reason. The context's LGAUTH_ACCESS_TOKEN is ignored here.
 */
export async function checkSession(
  ctx: SessionContext,
  name: string,
  profile: ProfileConfig | undefined,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<SessionCheck> {
  if (!isLoggedIn(profile)) return { state: "ended", reason: "not logged in", user: null };
  const own = savedServers(profile);
  const config = await ctx.config.load();
  const fallback = resolveSettings({}, ctx.env, config, name);
  const supabaseUrl = (
    followsLocalStack(profile) ? own.supabaseUrl : (profile.supabaseUrl ?? fallback.supabaseUrl)
  )?.replace(/\/+$/, "");
  if (supabaseUrl === undefined) {
    return { state: "unknown", reason: `the local stack in ${profile.localStack} is not running`, user: null };
  }
  const anonKey = own.supabaseAnonKey ?? fallback.supabaseAnonKey;
  if (!anonKey) return { state: "unknown", reason: "no Supabase anon key recorded for this profile", user: null };
  // the profile's own session: its servers as flags (they beat everything), no env token
  const env = { ...ctx.env };
  delete env[ENV_TOKEN];
  const pctx: SessionContext = {
    ...ctx,
    profile: name,
    env,
    flags: { supabaseUrl, supabaseAnonKey: anonKey },
    interactive: false,
  };
  const limit = deadline(timeoutMs);
  try {
    const { token } = await Promise.race([getAccessTokenDetailed(pctx, { minValiditySeconds: 10 }), limit.promise]);
    return await askUser(supabaseUrl, anonKey, token, timeoutMs);
  } catch (err) {
    if (err instanceof LgauthError) {
      // a refresh the server refused: the session is gone (and was cleared, as any command would)
      if (err.code === "not_logged_in") {
        return { state: "ended", reason: err.message.replace(/^session ended: /, ""), user: null };
      }
      return { state: "unknown", reason: err.message, user: null };
    }
    return { state: "unknown", reason: unreachableWords(err, supabaseUrl, timeoutMs), user: null };
  } finally {
    limit.clear();
  }
}

/** Checks an access token given in LGAUTH_ACCESS_TOKEN against the Supabase URL in use. */
export async function checkToken(
  supabaseUrl: string,
  anonKey: string | undefined,
  token: string,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<SessionCheck> {
  if (!anonKey) return { state: "unknown", reason: "no Supabase anon key configured", user: null };
  try {
    return await askUser(supabaseUrl, anonKey, token, timeoutMs);
  } catch (err) {
    return { state: "unknown", reason: unreachableWords(err, supabaseUrl, timeoutMs), user: null };
  }
}
