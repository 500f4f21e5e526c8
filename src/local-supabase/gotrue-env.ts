/**
 * GoTrue's own configuration (its GOTRUE_* environment names) as one declarative table, so a
 * GoTrue container's settings can be reused as they are: the standalone server reads them from
 * its environment, and `lgauth dev` turns a Supabase CLI project's `[auth]` section into them
 * (supabase-config.ts) the way the CLI does before it starts GoTrue.
 *
 * Every row is one variable: how GoTrue parses it (go-values.ts) and what it sets in
 * LocalSupabaseOptions. A variable the server does not act on is named too, with why, and is
 * warned about when set; a value that only repeats what the server always does (phone sign-in
 * off, the `authenticated` audience) is accepted quietly. Anything else named GOTRUE_* is
 * unknown and warned about. A value GoTrue would refuse to start with is an error.
 *
 * To add an option: give LocalSupabaseOptions its field, then add (or turn a `notUsed` row into)
 *   option("GOTRUE_NAME", parser, (o, v) => { o.field = v; }),
 * with GoTrue's parser (goBool, goInt, goDuration, goList, goRate...) and GoTrue's clamping.
 */
import { goBool, goDuration, goFloat, goInt, goList } from "./go-values.js";
import { type ConfiguredJwk, parseJwtKeys } from "./keys.js";
import type { ExternalProviderOptions, LocalSupabaseOptions } from "./options.js";
import { compileUriGlob } from "./uri-glob.js";

/** What GoTrue's settings can set: the options except where the server listens and keeps data. */
export type GotrueSettable = Omit<LocalSupabaseOptions, "port" | "host" | "dataDir" | "log">;

/** A value GoTrue itself would refuse to start with; the message names the variable, never its value. */
export class GotrueConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = "GotrueConfigError";
  }
}

/** One row of the table. */
export interface GotrueVariable {
  name: string;
  /** option: sets an option; same: only the server's own behaviour is accepted; ignored: warned about when set; inert: accepted, no effect. */
  kind: "option" | "same" | "ignored" | "inert";
  /**
   * Reads `value` as GoTrue does and writes its meaning into `into`. Returns why the value is
   * not acted on, if it is not (a warning); throws a RangeError for a value GoTrue refuses.
   */
  apply(value: string, into: GotrueSettable): string | undefined;
}

const MAX_SECONDS = 10 * 365 * 24 * 3600;

/**
 * GOTRUE_JWT_KEYS: a JSON array of JWKs (the keys themselves are checked when the server
 * starts). The message never repeats the value: it holds private keys.
 */
function jwtKeys(value: string): ConfiguredJwk[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new RangeError("expected a JSON array of JWKs, got text that is not JSON");
  }
  if (!Array.isArray(parsed) || parsed.some((k) => typeof k !== "object" || k === null || Array.isArray(k))) {
    throw new RangeError("expected a JSON array of JWKs");
  }
  parseJwtKeys(parsed as ConfiguredJwk[]); // GoTrue checks the set at start: one signing key, kids, algorithms
  return parsed as ConfiguredJwk[];
}

/** A variable that sets an option. */
function option<T>(
  name: string,
  parse: (value: string) => T,
  set: (into: GotrueSettable, value: T) => void,
): GotrueVariable {
  return {
    name,
    kind: "option",
    apply(value: string, into: GotrueSettable) {
      set(into, parse(value));
      return undefined;
    },
  };
}

/** A variable whose only value here is what the server always does; any other value is warned about. */
function fixed<T>(
  name: string,
  parse: (value: string) => T,
  ok: (value: T) => boolean,
  otherwise: string,
): GotrueVariable {
  return {
    name,
    kind: "same",
    apply(value: string) {
      return ok(parse(value)) ? undefined : otherwise;
    },
  };
}

/** A text setting whose only value here is `wanted`. */
const exactly = (name: string, wanted: string, otherwise: string) =>
  fixed(
    name,
    (v) => v,
    (v) => v === wanted,
    otherwise,
  );

/** GoTrue's boolean switch for a feature the local server does not have: fine while off. */
const off = (name: string, feature: string) =>
  fixed(name, goBool, (v) => !v, `${feature} is not supported by the local server; the switch is ignored`);

/** A boolean switch for something the local server always does: fine while on. */
const on = (name: string, what: string) =>
  fixed(name, goBool, (v) => v, `the local server always ${what}; the switch is ignored`);

/** A variable the server does not use at all: warned about whenever it is set. */
const notUsed = (name: string, why: string): GotrueVariable => ({ name, kind: "ignored", apply: () => why });

/** A setting with no effect while its feature is off (SMS templates with phone sign-in off): accepted. */
const inert = (name: string): GotrueVariable => ({ name, kind: "inert", apply: () => undefined });

const MAILER_URLPATH = (name: string) =>
  fixed(
    name,
    (v) => v,
    (v) => /\/verify\/?$/.test(v),
    "email links always go to the local server's /auth/v1/verify",
  );

/** GoTrue's PasswordRequiredCharacters.Decode: ':'-separated sets, "\:" is a colon inside a set. */
export function decodeRequiredCharacters(value: string): string[] {
  const parts = value.split(":");
  for (let i = 0; i < parts.length - 1; i += 1) {
    const part = parts[i]!;
    if (part !== "" && part.endsWith("\\")) {
      parts[i] = `${part.slice(0, -1)}:${parts[i + 1]}`;
      parts[i + 1] = "";
    }
  }
  return parts.filter((p) => p !== "");
}

function siteUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError("expected an absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new RangeError("expected an http(s) URL");
  return value;
}

function allowList(value: string): string[] {
  const patterns = goList(value);
  for (const p of patterns) compileUriGlob(p); // GoTrue's glob.MustCompile: a bad pattern stops startup
  return patterns;
}

/** GoTrue's float rate limits feed our integer buckets: at least one request. */
const perWindow = (value: string) => Math.max(1, Math.ceil(goFloat(value)));

/** Whole seconds (GoTrue's int settings), where GoTrue treats 0 as "use the default". */
const secondsOrDefault = (value: string) => {
  const s = goInt(value, 0, MAX_SECONDS);
  return s === 0 ? undefined : s;
};

/** Seconds from a Go duration, where GoTrue treats 0 as "use the default". */
const durationOrDefault = (value: string) => {
  const s = goDuration(value);
  if (s < 0) throw new RangeError("expected a positive duration");
  return s === 0 ? undefined : s;
};

export const GOTRUE_VARIABLES: readonly GotrueVariable[] = [
  // --- tokens (JWT) ---
  option(
    "GOTRUE_JWT_SECRET",
    (v) => {
      if (v.length < 16) throw new RangeError("must be at least 16 characters");
      return v;
    },
    (o, v) => {
      o.jwtSecret = v;
    },
  ),
  option("GOTRUE_JWT_EXP", secondsOrDefault, (o, v) => {
    o.accessTokenTtl = v; // GoTrue: 0 means 3600
  }),
  exactly("GOTRUE_JWT_AUD", "authenticated", 'the audience is always "authenticated"'),
  exactly("GOTRUE_JWT_DEFAULT_GROUP_NAME", "authenticated", 'the role of users\' tokens is always "authenticated"'),
  fixed(
    "GOTRUE_JWT_ADMIN_ROLES",
    goList,
    (v) => v.includes("service_role"),
    "the admin roles are always service_role and supabase_admin",
  ),
  inert("GOTRUE_JWT_ADMIN_GROUP_NAME"),
  inert("GOTRUE_OPERATOR_TOKEN"), // GoTrue reads it into its config and uses it nowhere (auth-js's compose sets it)
  notUsed("GOTRUE_JWT_ISSUER", "tokens' iss is always the server's own URL + /auth/v1"),
  option("GOTRUE_JWT_KEYS", jwtKeys, (o, v) => {
    o.jwtKeys = v;
  }),
  // GoTrue names the secret's key with it when GOTRUE_JWT_KEYS is unset (and ignores it otherwise)
  option(
    "GOTRUE_JWT_KEY_ID",
    (v) => v,
    (o, v) => {
      o.jwtKeyId = v;
    },
  ),
  ...["GOTRUE_JWT_VALID_METHODS", "GOTRUE_JWT_VALIDMETHODS"].map((name) =>
    fixed(
      name,
      goList,
      (v) => ["HS256", "RS256", "ES256"].every((alg) => v.includes(alg)), // what the Supabase CLI sets
      "restricting the accepted JWT algorithms is not supported yet: HS256, RS256 and ES256 are accepted",
    ),
  ),

  // --- URLs ---
  option("GOTRUE_SITE_URL", siteUrl, (o, v) => {
    o.siteUrl = v;
  }),
  option("GOTRUE_URI_ALLOW_LIST", allowList, (o, v) => {
    o.uriAllowList = v;
  }),
  notUsed("GOTRUE_API_HOST", "the local server binds --host (default 127.0.0.1)"),
  notUsed("GOTRUE_API_PORT", "the local server listens on --port (default 54321)"),

  // --- sign-up and providers ---
  option("GOTRUE_DISABLE_SIGNUP", goBool, (o, v) => {
    o.signupEnabled = !v;
  }),
  option("GOTRUE_EXTERNAL_EMAIL_ENABLED", goBool, (o, v) => {
    o.emailProviderEnabled = v;
  }),
  option("GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED", goBool, (o, v) => {
    o.anonymousSignInsEnabled = v;
  }),
  on("GOTRUE_EXTERNAL_EMAIL_MAGIC_LINK_ENABLED", "sends magic links"),
  notUsed("GOTRUE_EXTERNAL_EMAIL_AUTHORIZED_ADDRESSES", "the local server sends mail to any address (outbox)"),
  off("GOTRUE_EXTERNAL_PHONE_ENABLED", "phone sign-in (SMS)"),
  off("GOTRUE_EXTERNAL_WEB3_SOLANA_ENABLED", "Sign in with Solana (web3)"),
  off("GOTRUE_EXTERNAL_WEB3_ETHEREUM_ENABLED", "Sign in with Ethereum (web3)"),
  off("GOTRUE_SAML_ENABLED", "SAML single sign-on"),
  off("GOTRUE_SECURITY_MANUAL_LINKING_ENABLED", "manual identity linking"),
  off("GOTRUE_SECURITY_CAPTCHA_ENABLED", "CAPTCHA verification"),
  inert("GOTRUE_SECURITY_CAPTCHA_PROVIDER"),
  inert("GOTRUE_SECURITY_CAPTCHA_SECRET"),
  inert("GOTRUE_SECURITY_CAPTCHA_TIMEOUT"),
  off("GOTRUE_PASSKEY_ENABLED", "passkey sign-in"),
  off("GOTRUE_OAUTH_SERVER_ENABLED", "the OAuth 2.1 server"),
  off("GOTRUE_CUSTOM_OAUTH_ENABLED", "custom OAuth providers managed by the admin API"),
  option(
    "GOTRUE_EXTERNAL_FLOW_STATE_EXPIRY_DURATION",
    (v) => {
      const s = durationOrDefault(v);
      return s === undefined ? undefined : Math.max(300, Math.ceil(s)); // GoTrue's floor: 300 s
    },
    (o, v) => {
      o.flowStateTtl = v;
    },
  ),

  // --- mail ---
  option("GOTRUE_MAILER_AUTOCONFIRM", goBool, (o, v) => {
    o.confirmEmail = !v;
  }),
  off("GOTRUE_MAILER_ALLOW_UNVERIFIED_EMAIL_SIGN_INS", "signing in before confirming the email"),
  option("GOTRUE_MAILER_SECURE_EMAIL_CHANGE_ENABLED", goBool, (o, v) => {
    o.secureEmailChange = v;
  }),
  option("GOTRUE_MAILER_OTP_EXP", secondsOrDefault, (o, v) => {
    o.otpTtl = v; // GoTrue: 0 means 86400
  }),
  option(
    "GOTRUE_MAILER_OTP_LENGTH",
    (v) => goInt(v),
    (o, v) => {
      o.otpLength = v < 6 || v > 10 ? 6 : v; // GoTrue uses 6 for a value outside 6..10
    },
  ),
  MAILER_URLPATH("GOTRUE_MAILER_URLPATHS_INVITE"),
  MAILER_URLPATH("GOTRUE_MAILER_URLPATHS_CONFIRMATION"),
  MAILER_URLPATH("GOTRUE_MAILER_URLPATHS_RECOVERY"),
  MAILER_URLPATH("GOTRUE_MAILER_URLPATHS_EMAIL_CHANGE"),
  inert("GOTRUE_MAILER_TEMPLATE_RELOADING_ENABLED"),
  option("GOTRUE_SMTP_MAX_FREQUENCY", durationOrDefault, (o, v) => {
    o.emailMaxFrequency = v; // GoTrue: 0 means 1m
  }),
  ...["HOST", "PORT", "USER", "PASS", "ADMIN_EMAIL", "SENDER_NAME", "HEADERS"].map((k) =>
    notUsed(
      `GOTRUE_SMTP_${k}`,
      "mail is not sent over SMTP: it goes to the outbox (GET /auth/v1/_dev/outbox) and the log",
    ),
  ),
  notUsed("GOTRUE_RATE_LIMIT_EMAIL_SENT", "the local server has no global email limit (mail goes to the outbox)"),

  // --- refresh tokens and passwords ---
  on("GOTRUE_SECURITY_REFRESH_TOKEN_ROTATION_ENABLED", "rotates refresh tokens"),
  option(
    "GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL",
    (v) => goInt(v, 0, 86400),
    (o, v) => {
      o.refreshTokenReuseInterval = v;
    },
  ),
  off("GOTRUE_SECURITY_REFRESH_TOKEN_ALLOW_REUSE", "reusing refresh tokens without limit"),
  option("GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION", goBool, (o, v) => {
    o.passwordUpdateRequiresReauthentication = v;
  }),
  option("GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD", goBool, (o, v) => {
    o.passwordUpdateRequiresCurrentPassword = v;
  }),
  off("GOTRUE_SECURITY_SB_FORWARDED_FOR_ENABLED", "the Sb-Forwarded-For header"),
  option(
    "GOTRUE_PASSWORD_MIN_LENGTH",
    (v) => Math.max(6, goInt(v, Number.MIN_SAFE_INTEGER, 72)), // GoTrue's floor: 6
    (o, v) => {
      o.passwordMinLength = v;
    },
  ),
  option("GOTRUE_PASSWORD_REQUIRED_CHARACTERS", decodeRequiredCharacters, (o, v) => {
    o.passwordRequiredCharacters = v;
  }),
  off("GOTRUE_PASSWORD_HIBP_ENABLED", "checking passwords against HaveIBeenPwned"),

  // --- rate limits (per client address here; GoTrue keys them by a forwarded header) ---
  option("GOTRUE_RATE_LIMIT_TOKEN_REFRESH", perWindow, (o, v) => {
    o.rateLimits = { ...o.rateLimits, token: v };
  }),
  option("GOTRUE_RATE_LIMIT_OTP", perWindow, (o, v) => {
    o.rateLimits = { ...o.rateLimits, signup: v };
  }),
  option("GOTRUE_RATE_LIMIT_VERIFY", perWindow, (o, v) => {
    o.rateLimits = { ...o.rateLimits, verify: v };
  }),
  option("GOTRUE_RATE_LIMIT_ANONYMOUS_USERS", perWindow, (o, v) => {
    o.rateLimits = { ...o.rateLimits, anonymousUsers: v }; // per hour, as GoTrue's
  }),
  notUsed("GOTRUE_RATE_LIMIT_HEADER", "the local server limits requests by the client's address"),
  inert("GOTRUE_RATE_LIMIT_SMS_SENT"),
  inert("GOTRUE_RATE_LIMIT_WEB3"),
  inert("GOTRUE_RATE_LIMIT_SSO"),
  inert("GOTRUE_RATE_LIMIT_PASSKEY"),
  inert("GOTRUE_RATE_LIMIT_OAUTH_DYNAMIC_CLIENT_REGISTER"),

  // --- MFA ---
  option("GOTRUE_MFA_TOTP_ENROLL_ENABLED", goBool, (o, v) => {
    o.mfa = { ...o.mfa, totpEnroll: v };
  }),
  option("GOTRUE_MFA_TOTP_VERIFY_ENABLED", goBool, (o, v) => {
    o.mfa = { ...o.mfa, totpVerify: v };
  }),
  option(
    "GOTRUE_MFA_MAX_ENROLLED_FACTORS",
    (v) => Math.floor(goFloat(v)), // a float64 in GoTrue
    (o, v) => {
      o.mfa = { ...o.mfa, maxEnrolledFactors: Math.min(v, 1000) };
    },
  ),
  option(
    "GOTRUE_MFA_MAX_VERIFIED_FACTORS",
    (v) => goInt(v, 0, 1000),
    (o, v) => {
      o.mfa = { ...o.mfa, maxVerifiedFactors: v };
    },
  ),
  option(
    "GOTRUE_MFA_CHALLENGE_EXPIRY_DURATION",
    (v) => Math.min(86400, Math.ceil(goFloat(v))), // float64 seconds; the server raises it to 300
    (o, v) => {
      o.mfa = { ...o.mfa, challengeExpiry: v };
    },
  ),
  option(
    "GOTRUE_MFA_FACTOR_EXPIRY_DURATION",
    (v) => Math.min(86400, Math.ceil(Math.max(0, goDuration(v)))), // a duration; the server raises it to 300 s
    (o, v) => {
      o.mfa = { ...o.mfa, factorExpiry: v };
    },
  ),
  option(
    "GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY",
    (v) => goFloat(v), // per minute, float64 in GoTrue
    (o, v) => {
      o.rateLimits = { ...o.rateLimits, mfa: Math.min(1e9, Math.max(1, Math.round(v))) };
    },
  ),
  off("GOTRUE_MFA_PHONE_ENROLL_ENABLED", "phone (SMS) MFA"),
  off("GOTRUE_MFA_PHONE_VERIFY_ENABLED", "phone (SMS) MFA"),
  inert("GOTRUE_MFA_PHONE_OTP_LENGTH"),
  inert("GOTRUE_MFA_PHONE_TEMPLATE"),
  inert("GOTRUE_MFA_PHONE_MAX_FREQUENCY"),
  off("GOTRUE_MFA_WEB_AUTHN_ENROLL_ENABLED", "WebAuthn MFA"),
  off("GOTRUE_MFA_WEB_AUTHN_VERIFY_ENABLED", "WebAuthn MFA"),

  // --- sessions ---
  notUsed("GOTRUE_SESSIONS_TIMEBOX", "sessions have no time box here"),
  notUsed("GOTRUE_SESSIONS_INACTIVITY_TIMEOUT", "sessions have no inactivity timeout here"),
  notUsed("GOTRUE_SESSIONS_SINGLE_PER_USER", "users may have several sessions here"),
];

/** Variables matched by prefix, after the rows above: whole families the server does not use. */
const FAMILIES: readonly { prefix: string; apply: (name: string) => string | undefined }[] = [
  { prefix: "GOTRUE_SMS_", apply: () => undefined }, // SMS provider settings: inert with phone sign-in off (warned above)
  { prefix: "GOTRUE_WEBAUTHN_", apply: () => undefined }, // relying-party settings: inert with passkeys off
  { prefix: "GOTRUE_OAUTH_SERVER_", apply: () => undefined }, // inert with the OAuth server off
  { prefix: "GOTRUE_HOOK_", apply: () => "auth hooks are not run by the local server" },
  { prefix: "GOTRUE_MAILER_SUBJECTS_", apply: () => "email subjects are fixed in the local server" },
  {
    prefix: "GOTRUE_MAILER_TEMPLATES_",
    apply: () => "email templates are not used: the outbox holds the link and code",
  },
  { prefix: "GOTRUE_MAILER_NOTIFICATIONS_", apply: () => "notification emails are not sent by the local server" },
  { prefix: "GOTRUE_DB_", apply: () => "the local server keeps its data in PGlite (--data-dir), not in Postgres" },
  { prefix: "GOTRUE_LOG_", apply: () => "the local server logs to stderr" },
  { prefix: "GOTRUE_TRACING_", apply: () => "the local server has no tracing" },
  { prefix: "GOTRUE_METRICS_", apply: () => "the local server has no metrics" },
];

/**
 * GoTrue's built-in OAuth providers (ProviderConfiguration): GOTRUE_EXTERNAL_<NAME upper-cased>_*
 * here, [auth.external.<name>] in the Supabase CLI's config.toml (supabase-config.ts).
 */
export const GOTRUE_PROVIDERS = [
  "apple",
  "azure",
  "bitbucket",
  "discord",
  "facebook",
  "snapchat",
  "figma",
  "fly",
  "github",
  "gitlab",
  "google",
  "kakao",
  "notion",
  "keycloak",
  "linkedin",
  "linkedin_oidc",
  "spotify",
  "slack",
  "slack_oidc",
  "twitter",
  "twitch",
  "vercel_marketplace",
  "workos",
  "x",
  "zoom",
];
const PROVIDER_FIELDS = [
  "ENABLED",
  "CLIENT_ID",
  "SECRET",
  "URL",
  "REDIRECT_URI",
  "API_URL",
  "SKIP_NONCE_CHECK",
  "EMAIL_OPTIONAL",
];
const PROVIDER_VARIABLE = new RegExp(
  `^GOTRUE_EXTERNAL_(${GOTRUE_PROVIDERS.join("|").toUpperCase()})_(${PROVIDER_FIELDS.join("|")})$`,
);

/**
 * Providers the local server can run: OpenID Connect ones, with the issuer GoTrue's URL setting
 * names (Keycloak realm, Azure tenant, self-hosted GitLab) or the provider's public issuer.
 */
const OIDC_ISSUERS: Record<string, string | undefined> = {
  keycloak: undefined, // URL required
  azure: undefined, // URL required (the tenant's v2.0 issuer)
  gitlab: "https://gitlab.com",
  google: "https://accounts.google.com",
  linkedin_oidc: "https://www.linkedin.com/oauth",
  slack_oidc: "https://slack.com",
};

type ProviderSettings = Partial<Record<(typeof PROVIDER_FIELDS)[number], string>>;

function providerOptions(
  name: string,
  s: ProviderSettings,
  warn: (variable: string, why: string) => void,
): ExternalProviderOptions | undefined {
  const upper = name.toUpperCase();
  const enabledVar = `GOTRUE_EXTERNAL_${upper}_ENABLED`;
  let enabled = false;
  try {
    enabled = s.ENABLED !== undefined && goBool(s.ENABLED);
  } catch (err) {
    throw new GotrueConfigError(enabledVar, `${enabledVar}: ${(err as Error).message}`);
  }
  if (!enabled) return undefined;
  if (!(name in OIDC_ISSUERS)) {
    warn(
      enabledVar,
      `${name} is not an OpenID Connect provider the local server can use (it runs OpenID Connect providers: ${Object.keys(OIDC_ISSUERS).join(", ")}, and LGAUTH_OIDC_<NAME>_*); ignored`,
    );
    return undefined;
  }
  const issuer = s.URL || OIDC_ISSUERS[name];
  if (!issuer) {
    warn(enabledVar, `${name} needs GOTRUE_EXTERNAL_${upper}_URL (its OpenID issuer); ignored`);
    return undefined;
  }
  const clientId = goList(s.CLIENT_ID ?? "")[0] ?? "";
  if (!clientId || !s.SECRET) {
    throw new GotrueConfigError(
      enabledVar,
      `${enabledVar} is true but GOTRUE_EXTERNAL_${upper}_CLIENT_ID or GOTRUE_EXTERNAL_${upper}_SECRET is not set`,
    );
  }
  return { issuer, clientId, clientSecret: s.SECRET };
}

export interface GotrueSettings {
  options: GotrueSettable;
  /** One line per variable the server does not act on, naming it and why (never its value). */
  warnings: string[];
}

/**
 * Applies GoTrue settings, given as [name, value] pairs (empty values count as unset), through
 * the table. `label(name)` is how a warning or an error names a variable (default: the name).
 * Throws GotrueConfigError for a value GoTrue would refuse.
 */
export function applyGotrueSettings(
  entries: Iterable<readonly [string, string]>,
  label: (name: string) => string = (name) => name,
): GotrueSettings {
  const byName = new Map(GOTRUE_VARIABLES.map((row) => [row.name, row]));
  const options: GotrueSettable = {};
  const warnings: string[] = [];
  const warn = (name: string, why: string) => warnings.push(`${label(name)}: ${why}`);
  const providers = new Map<string, ProviderSettings>();

  for (const [name, value] of entries) {
    if (value === "") continue;
    const row = byName.get(name);
    if (row) {
      let why: string | undefined;
      try {
        why = row.apply(value, options);
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        throw new GotrueConfigError(name, `${label(name)}: ${err.message}`);
      }
      if (why !== undefined) warn(name, why);
      continue;
    }
    const provider = PROVIDER_VARIABLE.exec(name);
    if (provider) {
      const key = provider[1]!.toLowerCase();
      const settings = providers.get(key) ?? {};
      settings[provider[2] as keyof ProviderSettings] = value;
      providers.set(key, settings);
      continue;
    }
    const family = FAMILIES.find((f) => name.startsWith(f.prefix));
    if (family) {
      const why = family.apply(name);
      if (why !== undefined) warn(name, why);
      continue;
    }
    warn(name, "not a GoTrue setting the local server knows; ignored");
  }

  const external: Record<string, ExternalProviderOptions> = {};
  for (const [name, settings] of providers) {
    const p = providerOptions(name, settings, warn);
    if (p) external[name] = p;
  }
  if (Object.keys(external).length > 0) options.externalProviders = external;
  return { options, warnings };
}

/** The GOTRUE_* variables of an environment, in name order. */
export function gotrueEntries(env: NodeJS.ProcessEnv): [string, string][] {
  return Object.entries(env)
    .filter((e): e is [string, string] => e[0].startsWith("GOTRUE_") && typeof e[1] === "string")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The server's options from the GOTRUE_* variables of `env`, and a warning per one it ignores. */
export function gotrueSettingsFromEnv(env: NodeJS.ProcessEnv): GotrueSettings {
  return applyGotrueSettings(gotrueEntries(env));
}
