/** The public options of the local auth server and their defaults. */
import { type ConfiguredJwk, type KeySet, parseJwtKeys } from "./keys.js";
import { compileUriGlob } from "./uri-glob.js";

export interface LocalSupabaseOptions {
  /** Default 54321 (what `supabase start` uses); 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** PGlite data directory; undefined keeps everything in memory. */
  dataDir?: string;
  /** Set: legacy HS256 mode with this secret and an empty JWKS (with jwtKeys: it only verifies). */
  jwtSecret?: string;
  /** GoTrue's GOTRUE_JWT_KEY_ID: the `kid` header of the tokens jwtSecret signs (not of the API keys). */
  jwtKeyId?: string;
  /**
   * GoTrue's GOTRUE_JWT_KEYS: JWKs with a `kid` each (RSA for RS256, EC P-256 for ES256, oct for
   * HS256). The one whose `key_ops` has "sign" signs every token; the others only verify
   * (rotation). The JWKS publishes the public part of each RSA and EC key. Unset: the generated
   * ES256 key (or jwtSecret's HS256).
   */
  jwtKeys?: ConfiguredJwk[];
  /** Access token lifetime in seconds, default 3600 (GoTrue's JWT exp). */
  accessTokenTtl?: number;
  /** Seconds a rotated refresh token may still be used, default 10 (Supabase's default). */
  refreshTokenReuseInterval?: number;
  /** Require email confirmation before password login; default false (autoconfirm). */
  confirmEmail?: boolean;
  /**
   * New users may sign up (GoTrue DISABLE_SIGNUP inverted; config.toml [auth] enable_signup);
   * default true. false: 422 signup_disabled for every new user (signup, emailed-code login,
   * anonymous, OAuth); existing users log in, and the admin API and invites still create users.
   */
  signupEnabled?: boolean;
  /**
   * The email provider (GoTrue EXTERNAL_EMAIL_ENABLED; config.toml [auth.email] enable_signup);
   * default true. false: email sign-up, password login, emailed codes, recovery and resend answer
   * email_provider_disabled; OAuth, anonymous and the admin API still work.
   */
  emailProviderEnabled?: boolean;
  /**
   * signInAnonymously: a sign-up with neither email nor phone makes an anonymous user (GoTrue
   * EXTERNAL_ANONYMOUS_USERS_ENABLED; config.toml [auth] enable_anonymous_sign_ins); default
   * false, which answers 422 anonymous_provider_disabled.
   */
  anonymousSignInsEnabled?: boolean;
  /**
   * Requests per window per client IP: `token` on /token, `signup` on /signup and /otp, `verify`
   * on /verify (GoTrue's RATE_LIMIT_VERIFY, default 30 per 5 minutes); `mfa` is per minute per
   * client IP on each of /factors/{id}/challenge and /verify (GoTrue
   * MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY, default 15, with bursts of 30); `anonymousUsers` is per
   * hour per client IP on anonymous sign-ins (GoTrue RATE_LIMIT_ANONYMOUS_USERS, default 30).
   */
  rateLimits?: {
    token?: number;
    signup?: number;
    verify?: number;
    windowSeconds?: number;
    mfa?: number;
    anonymousUsers?: number;
  };
  /** TOTP multi-factor authentication (GoTrue's MFA_* settings). */
  mfa?: MfaOptions;
  /**
   * OpenID Connect providers for signInWithOAuth, by the name clients pass as `provider`
   * (GoTrue's generic OIDC provider): discovery at `<issuer>/.well-known/openid-configuration`,
   * the code flow with PKCE, the ID token checked against the provider's JWKS.
   */
  externalProviders?: Record<string, ExternalProviderOptions>;
  /** GoTrue's SITE_URL: where redirects go when redirect_to is not allowed; default http://127.0.0.1:3000. */
  siteUrl?: string;
  /** Seconds an OAuth flow and its auth code stay valid (GoTrue: 300). */
  flowStateTtl?: number;
  /** Seconds an emailed code or link stays valid (GoTrue mailer OTP exp: 86400). */
  otpTtl?: number;
  /**
   * GoTrue's URI_ALLOW_LIST: redirect URLs allowed besides the site URL, as GoTrue's globs
   * (`*` stops at '.' and '/', `**` does not); see uri-glob.ts.
   */
  uriAllowList?: string[];
  /** GoTrue's PASSWORD_MIN_LENGTH, 6 to 72 (bytes); default 6. */
  passwordMinLength?: number;
  /** GoTrue's PASSWORD_REQUIRED_CHARACTERS: a password needs one character of each set. */
  passwordRequiredCharacters?: string[];
  /** GoTrue's SMTP_MAX_FREQUENCY in seconds: the least time between two emails to one user; default 60. */
  emailMaxFrequency?: number;
  /** Digits in an emailed code, 6 to 10 (GoTrue MAILER_OTP_LENGTH, default 6). */
  otpLength?: number;
  /**
   * An email change is confirmed from both the current and the new address (GoTrue
   * MAILER_SECURE_EMAIL_CHANGE_ENABLED, default true); false: the new address alone.
   */
  secureEmailChange?: boolean;
  /**
   * A password change needs the nonce GET /reauthenticate emails, when the session is older than
   * `reauthenticationSessionAge` (GoTrue SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION, false).
   */
  passwordUpdateRequiresReauthentication?: boolean;
  /**
   * Seconds a session may be old before a password change needs the nonce; GoTrue fixes it at
   * 24 hours (86400, the default). 0: every password change needs one.
   */
  reauthenticationSessionAge?: number;
  /**
   * A password change must carry the current password as `current_password`, except in a session
   * opened by an emailed code or link (GoTrue SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD, false).
   */
  passwordUpdateRequiresCurrentPassword?: boolean;
  /** Where log lines go; default nowhere. */
  log?: (line: string) => void;
}

export interface MfaOptions {
  /** MFA_TOTP_ENROLL_ENABLED: POST /factors for TOTP; default true. */
  totpEnroll?: boolean;
  /** MFA_TOTP_VERIFY_ENABLED: challenge and verify TOTP factors; default true. */
  totpVerify?: boolean;
  /** MFA_MAX_ENROLLED_FACTORS: factors a user may have, verified or not; default 10. */
  maxEnrolledFactors?: number;
  /** MFA_MAX_VERIFIED_FACTORS: default 10. */
  maxVerifiedFactors?: number;
  /** MFA_CHALLENGE_EXPIRY_DURATION in seconds: default 300; lower values are raised to 300, as GoTrue does. */
  challengeExpiry?: number;
  /** MFA_FACTOR_EXPIRY_DURATION in seconds: an unverified, never challenged factor is removed after it; default and floor 300. */
  factorExpiry?: number;
}

export interface ExternalProviderOptions {
  /** The issuer URL; discovery is fetched from it on first use. */
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export interface LocalSupabase {
  /** e.g. http://127.0.0.1:54321 (no trailing slash; the API is at url + "/auth/v1"). */
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  /** The secret, in HS256 mode. */
  jwtSecret?: string;
  stop(): Promise<void>;
}

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string | undefined;
  jwtSecret: string | undefined;
  jwtKeyId: string | undefined;
  /** The checked jwtKeys. */
  jwtKeys: KeySet | undefined;
  accessTokenTtl: number;
  refreshTokenReuseInterval: number;
  confirmEmail: boolean;
  signupEnabled: boolean;
  emailProviderEnabled: boolean;
  anonymousSignInsEnabled: boolean;
  rateLimits: {
    token: number;
    signup: number;
    verify: number;
    windowSeconds: number;
    mfa: number;
    anonymousUsers: number;
  };
  mfa: Required<MfaOptions>;
  passwordMinLength: number;
  /** Character sets a password needs one character of each (GoTrue PASSWORD_REQUIRED_CHARACTERS). */
  passwordRequiredCharacters: string[];
  /** Minimum seconds between two confirmation emails to one user (GoTrue SMTP max frequency). */
  emailMaxFrequency: number;
  /** Seconds an email link stays valid (GoTrue mailer OTP exp). */
  otpExpiry: number;
  otpLength: number;
  secureEmailChange: boolean;
  passwordUpdateRequiresReauthentication: boolean;
  reauthenticationSessionAge: number;
  passwordUpdateRequiresCurrentPassword: boolean;
  externalProviders: Map<string, ExternalProviderOptions>;
  siteUrl: string;
  /** The redirect allow list: each pattern and its compiled form. */
  uriAllowList: { pattern: string; regex: RegExp }[];
  flowStateTtl: number;
  log: (line: string) => void;
}

export const DEFAULT_PORT = 54321;
/** The Supabase CLI's default site_url. */
export const DEFAULT_SITE_URL = "http://127.0.0.1:3000";
/** Provider names GoTrue would route as a custom provider: lower-case word characters. */
const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const DEFAULT_RATE_LIMITS = {
  token: 1800,
  signup: 600,
  verify: 30,
  windowSeconds: 300,
  mfa: 15,
  anonymousUsers: 30,
};
/** GoTrue's floor for both MFA expiry durations. */
const MFA_EXPIRY_FLOOR = 300;

function intOption(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

export function resolveOptions(opts: LocalSupabaseOptions = {}): ServerConfig {
  if (opts.jwtSecret !== undefined && opts.jwtSecret.length < 16) {
    throw new RangeError("jwtSecret must be at least 16 characters");
  }
  const limits = opts.rateLimits ?? {};
  return {
    port: intOption("port", opts.port, DEFAULT_PORT, 0, 65535),
    host: opts.host ?? "127.0.0.1",
    dataDir: opts.dataDir,
    jwtSecret: opts.jwtSecret,
    jwtKeyId: opts.jwtKeyId || undefined,
    jwtKeys: opts.jwtKeys !== undefined ? parseJwtKeys(opts.jwtKeys, opts.jwtSecret) : undefined,
    accessTokenTtl: intOption("accessTokenTtl", opts.accessTokenTtl, 3600, 1, 10 * 365 * 24 * 3600),
    refreshTokenReuseInterval: intOption("refreshTokenReuseInterval", opts.refreshTokenReuseInterval, 10, 0, 86400),
    confirmEmail: opts.confirmEmail ?? false,
    signupEnabled: opts.signupEnabled ?? true,
    emailProviderEnabled: opts.emailProviderEnabled ?? true,
    anonymousSignInsEnabled: opts.anonymousSignInsEnabled ?? false,
    rateLimits: {
      token: intOption("rateLimits.token", limits.token, DEFAULT_RATE_LIMITS.token, 1, 1e9),
      signup: intOption("rateLimits.signup", limits.signup, DEFAULT_RATE_LIMITS.signup, 1, 1e9),
      verify: intOption("rateLimits.verify", limits.verify, DEFAULT_RATE_LIMITS.verify, 1, 1e9),
      windowSeconds: intOption(
        "rateLimits.windowSeconds",
        limits.windowSeconds,
        DEFAULT_RATE_LIMITS.windowSeconds,
        1,
        86400,
      ),
      mfa: intOption("rateLimits.mfa", limits.mfa, DEFAULT_RATE_LIMITS.mfa, 1, 1e9),
      anonymousUsers: intOption(
        "rateLimits.anonymousUsers",
        limits.anonymousUsers,
        DEFAULT_RATE_LIMITS.anonymousUsers,
        1,
        1e9,
      ),
    },
    mfa: resolveMfa(opts.mfa ?? {}),
    passwordMinLength: intOption("passwordMinLength", opts.passwordMinLength, 6, 6, 72),
    passwordRequiredCharacters: resolveRequiredCharacters(opts.passwordRequiredCharacters ?? []),
    emailMaxFrequency: secondsOption("emailMaxFrequency", opts.emailMaxFrequency, 60),
    otpExpiry: intOption("otpTtl", opts.otpTtl, 86400, 1, 10 * 365 * 24 * 3600),
    otpLength: intOption("otpLength", opts.otpLength, 6, 6, 10),
    secureEmailChange: opts.secureEmailChange ?? true,
    passwordUpdateRequiresReauthentication: opts.passwordUpdateRequiresReauthentication ?? false,
    reauthenticationSessionAge: intOption(
      "reauthenticationSessionAge",
      opts.reauthenticationSessionAge,
      86400,
      0,
      10 * 365 * 24 * 3600,
    ),
    passwordUpdateRequiresCurrentPassword: opts.passwordUpdateRequiresCurrentPassword ?? false,
    externalProviders: resolveProviders(opts.externalProviders ?? {}),
    siteUrl: resolveSiteUrl(opts.siteUrl ?? DEFAULT_SITE_URL),
    uriAllowList: (opts.uriAllowList ?? []).map((pattern) => ({ pattern, regex: compileUriGlob(pattern) })),
    flowStateTtl: intOption("flowStateTtl", opts.flowStateTtl, 300, 1, 86400),
    log: opts.log ?? (() => {}),
  };
}

function resolveMfa(m: MfaOptions): Required<MfaOptions> {
  const day = 86400;
  return {
    totpEnroll: m.totpEnroll ?? true,
    totpVerify: m.totpVerify ?? true,
    maxEnrolledFactors: intOption("mfa.maxEnrolledFactors", m.maxEnrolledFactors, 10, 0, 1000),
    maxVerifiedFactors: intOption("mfa.maxVerifiedFactors", m.maxVerifiedFactors, 10, 0, 1000),
    challengeExpiry: Math.max(MFA_EXPIRY_FLOOR, intOption("mfa.challengeExpiry", m.challengeExpiry, 300, 0, day)),
    factorExpiry: Math.max(MFA_EXPIRY_FLOOR, intOption("mfa.factorExpiry", m.factorExpiry, 300, 0, day)),
  };
}

function secondsOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || value > 86400 * 365) {
    throw new RangeError(`${name} must be a number of seconds from 0 to ${86400 * 365}, got ${value}`);
  }
  return value;
}

function resolveRequiredCharacters(sets: string[]): string[] {
  if (!Array.isArray(sets) || sets.some((s) => typeof s !== "string")) {
    throw new RangeError("passwordRequiredCharacters must be a list of strings");
  }
  return sets.filter((s) => s !== "");
}

function resolveSiteUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError(`siteUrl must be an absolute URL, got ${JSON.stringify(value.slice(0, 100))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new RangeError("siteUrl must be http(s)");
  return value.replace(/\/+$/, "");
}

function resolveProviders(given: Record<string, ExternalProviderOptions>): Map<string, ExternalProviderOptions> {
  const out = new Map<string, ExternalProviderOptions>();
  for (const [name, p] of Object.entries(given)) {
    if (!PROVIDER_NAME.test(name) || name === "email" || name === "phone") {
      throw new RangeError(`externalProviders: "${name.slice(0, 64)}" is not a usable provider name`);
    }
    let issuer: URL;
    try {
      issuer = new URL(p.issuer);
    } catch {
      throw new RangeError(`externalProviders.${name}.issuer must be an absolute URL`);
    }
    if (issuer.protocol !== "http:" && issuer.protocol !== "https:") {
      throw new RangeError(`externalProviders.${name}.issuer must be http(s)`);
    }
    if (!p.clientId || !p.clientSecret) {
      throw new RangeError(`externalProviders.${name} needs clientId and clientSecret`);
    }
    out.set(name, { issuer: p.issuer, clientId: p.clientId, clientSecret: p.clientSecret });
  }
  return out;
}
