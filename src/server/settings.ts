/**
 * The server side's configuration, read from the environment the LangGraph server runs in
 * (`.env` via langgraph.json, or what `lgauth dev` passes). Read once, checked once: a
 * misconfigured server refuses to start instead of letting requests through.
 */

export type VerifyMode = "jwks" | "remote";

export interface AuthSettings {
  /** Project URL without a trailing slash, e.g. http://127.0.0.1:54321. */
  supabaseUrl: string;
  /** `${supabaseUrl}/auth/v1`. */
  authUrl: string;
  /** Sent as `apikey` to /auth/v1/user (the gateway of a hosted project requires one). */
  apiKey: string | undefined;
  /** Legacy HS256 secret; when set, HS256 tokens are verified with it. */
  jwtSecret: string | undefined;
  mode: VerifyMode;
  /** Expected `iss`; Supabase uses `${authUrl}`. */
  issuer: string;
  /** Expected `aud`; Supabase uses "authenticated". */
  audience: string;
  /** How long one positive /auth/v1/user answer vouches for a session; 0 = ask every time. */
  revocationIntervalMs: number;
  /** False only with AUTH_REVOCATION_CHECK=off (signature checks alone; logout is then not honoured). */
  revocationCheck: boolean;
  /**
   * What the revocation check does when Supabase Auth cannot answer (down, 5xx, timeout):
   * "open" (default) lets validly signed tokens through and logs a warning, so an auth outage
   * does not lock every user out; "strict" (AUTH_REVOCATION=strict) refuses with 503.
   */
  revocationFailure: "open" | "strict";
  /** Timeout for every call to the auth server. */
  upstreamTimeoutMs: number;
  /**
   * AUTH_MFA: "enrolled" (default) refuses an aal1 token of a user who has a verified second
   * factor; "required" refuses every token below aal2; "off" looks at the level only to pass
   * it to the handlers.
   */
  mfa: MfaMode;
}

export type MfaMode = "off" | "enrolled" | "required";

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new SettingsError(`${name} must be a number of seconds >= 0`);
  return n;
}

export function loadAuthSettings(env: NodeJS.ProcessEnv = process.env): AuthSettings {
  const rawUrl = nonEmpty(env.SUPABASE_URL);
  if (!rawUrl) throw new SettingsError("SUPABASE_URL is not set (the LangGraph server needs it to verify tokens)");
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new SettingsError("SUPABASE_URL is not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SettingsError("SUPABASE_URL must be an http(s) URL");
  }
  const supabaseUrl = rawUrl.replace(/\/+$/, "");
  const authUrl = `${supabaseUrl}/auth/v1`;
  const modeRaw = (nonEmpty(env.AUTH_VERIFY) ?? "jwks").toLowerCase();
  if (modeRaw !== "jwks" && modeRaw !== "remote") {
    throw new SettingsError(`AUTH_VERIFY must be "jwks" or "remote", not "${modeRaw.slice(0, 20)}"`);
  }
  const check = (nonEmpty(env.AUTH_REVOCATION_CHECK) ?? "on").toLowerCase();
  if (check !== "on" && check !== "off") throw new SettingsError('AUTH_REVOCATION_CHECK must be "on" or "off"');
  const failure = (nonEmpty(env.AUTH_REVOCATION) ?? "open").toLowerCase();
  if (failure !== "open" && failure !== "strict") throw new SettingsError('AUTH_REVOCATION must be "open" or "strict"');
  const mfa = (nonEmpty(env.AUTH_MFA) ?? "enrolled").toLowerCase();
  if (mfa !== "off" && mfa !== "enrolled" && mfa !== "required") {
    throw new SettingsError('AUTH_MFA must be "off", "enrolled" or "required"');
  }
  const jwtSecret = nonEmpty(env.SUPABASE_JWT_SECRET);
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new SettingsError("SUPABASE_JWT_SECRET is shorter than 32 characters");
  }
  return {
    supabaseUrl,
    authUrl,
    apiKey: nonEmpty(env.SUPABASE_SERVICE_KEY) ?? nonEmpty(env.SUPABASE_ANON_KEY),
    jwtSecret,
    mode: modeRaw,
    issuer: nonEmpty(env.SUPABASE_JWT_ISSUER) ?? authUrl,
    audience: nonEmpty(env.SUPABASE_JWT_AUDIENCE) ?? "authenticated",
    revocationIntervalMs: seconds(env, "AUTH_REVOCATION_INTERVAL", 30) * 1000,
    revocationCheck: check === "on",
    revocationFailure: failure,
    upstreamTimeoutMs: seconds(env, "AUTH_UPSTREAM_TIMEOUT", 5) * 1000,
    mfa,
  };
}
