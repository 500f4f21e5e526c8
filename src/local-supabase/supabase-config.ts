/**
 * The `[auth]` section of a Supabase CLI project's `supabase/config.toml`, read the way the CLI
 * reads it for `supabase start` and turned into the GOTRUE_* variables the CLI would give GoTrue
 * (its internal/start/start.go), which then go through the same table as the standalone
 * server's environment (gotrue-env.ts).
 *
 * As the CLI: `env(NAME)` values are NAME's value when it is set and not empty (from the
 * environment, then the project's .env files: supabase/.env.<SUPABASE_ENV or development>.local,
 * .env.local, .env.<env>, .env, then the same beside supabase/), else they stay as written and
 * are warned about; SUPABASE_AUTH_<KEY> variables override keys (SUPABASE_AUTH_EMAIL_ENABLE_SIGNUP
 * for [auth.email] enable_signup); an absent key has the CLI's default where that default differs
 * from the local server's own (TOTP off, one-hour email codes, one-second email frequency, the
 * template's redirect URL). Unlike the CLI, an unknown key is not an error: one warning each.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { parseEnv } from "node:util";
import { parse as parseToml, TomlError } from "smol-toml";
import { LgauthError } from "../util/errors.js";
import { goBool, goDuration } from "./go-values.js";
import { applyGotrueSettings, GOTRUE_PROVIDERS, GotrueConfigError, type GotrueSettable } from "./gotrue-env.js";

/** The file is unreadable, is not TOML, or a value is one the Supabase CLI refuses (code "usage"). */
export class SupabaseConfigError extends LgauthError {
  constructor(message: string) {
    super("usage", message, { hint: "fix the file" });
    this.name = "SupabaseConfigError";
  }
}

export interface SupabaseAuthConfig {
  /** The file, as shown in messages (relative to the working directory when inside it). */
  file: string;
  /** The GOTRUE_* variables for the auth server (secrets included: pass them in its environment). */
  gotrue: Record<string, string>;
  /** What they set, already checked. */
  options: GotrueSettable;
  /** One line per key the local server does not act on, or an env() it could not resolve. */
  warnings: string[];
}

/** `supabase/config.toml` under `cwd`, if there is one. */
export function findSupabaseConfig(cwd: string): string | undefined {
  const file = join(cwd, "supabase", "config.toml");
  return existsSync(file) ? file : undefined;
}

type Kind = "bool" | "uint" | "string" | "strings" | "duration" | "table";
type Value = boolean | number | string | string[] | Record<string, unknown>;

/** What a key does: emits GOTRUE_* variables, or returns why it is not acted on. */
interface KeyContext {
  emit(name: string, value: string): void;
  warn(why: string): void;
  /** A value of another key in the same table (after defaults and overrides). */
  sibling(key: string): Value | undefined;
}

interface KeySpec {
  kind: Kind;
  /** The CLI's default, used when the key is absent (only where it differs from the local server's). */
  cliDefault?: Value;
  use?: (value: Value, ctx: KeyContext) => void;
}

const str = (v: Value) => (Array.isArray(v) ? v.join(",") : String(v));
const gotrue =
  (name: string, map: (v: Value) => string = str) =>
  (v: Value, ctx: KeyContext) =>
    ctx.emit(name, map(v));
const not = (v: Value) => String(!v);
/** A duration (in seconds) as Go prints it back to GoTrue: whole seconds, else nanoseconds. */
const seconds = (v: Value) => {
  const s = v as number;
  return Number.isInteger(s) ? `${s}s` : `${Math.round(s * 1e9)}ns`;
};
const warnWhen =
  (test: (v: Value) => boolean, why: string) =>
  (v: Value, ctx: KeyContext): void => {
    if (test(v)) ctx.warn(why);
  };
const isTrue = (v: Value) => v === true;
const isSet = (v: Value) => v !== "" && !(Array.isArray(v) && v.length === 0);

/** GoTrue's PASSWORD_REQUIRED_CHARACTERS for the CLI's password_requirements (its ToChar). */
const PASSWORD_REQUIREMENTS: Record<string, string> = {
  "": "",
  letters_digits: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789",
  lower_upper_letters_digits: "abcdefghijklmnopqrstuvwxyz:ABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789",
  lower_upper_letters_digits_symbols:
    "abcdefghijklmnopqrstuvwxyz:ABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789:!@#$%^&*()_+-=[]{};'\\\\:\"|<>?,./`~",
};

/** The secret of `supabase start` when config.toml names none: public, so tokens it signs prove nothing. */
const CLI_DEMO_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";

const OWN_KEYS = "the local server makes its own keys and prints them at start; ignored";

/** The CLI's [auth] keys, relative to `auth.`; `*` is any name (a map's key). */
const AUTH_KEYS: Record<string, KeySpec> = {
  enabled: { kind: "bool", use: warnWhen((v) => v === false, "lgauth dev always runs the auth server; ignored") },
  site_url: { kind: "string", use: gotrue("GOTRUE_SITE_URL") },
  external_url: { kind: "string", use: warnWhen(isSet, "links always use the local server's own URL; ignored") },
  additional_redirect_urls: {
    kind: "strings",
    cliDefault: ["https://127.0.0.1:3000"],
    use: gotrue("GOTRUE_URI_ALLOW_LIST"),
  },
  jwt_expiry: { kind: "uint", use: gotrue("GOTRUE_JWT_EXP") },
  jwt_issuer: { kind: "string", use: (v, ctx) => isSet(v) && ctx.emit("GOTRUE_JWT_ISSUER", str(v)) },
  signing_keys_path: { kind: "string" }, // read by loadSupabaseAuthConfig (a file beside config.toml)
  enable_refresh_token_rotation: { kind: "bool", use: gotrue("GOTRUE_SECURITY_REFRESH_TOKEN_ROTATION_ENABLED") },
  refresh_token_reuse_interval: { kind: "uint", use: gotrue("GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL") },
  enable_manual_linking: { kind: "bool", use: gotrue("GOTRUE_SECURITY_MANUAL_LINKING_ENABLED") },
  enable_signup: { kind: "bool", use: gotrue("GOTRUE_DISABLE_SIGNUP", not) },
  enable_anonymous_sign_ins: { kind: "bool", use: gotrue("GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED") },
  minimum_password_length: { kind: "uint", use: gotrue("GOTRUE_PASSWORD_MIN_LENGTH") },
  password_requirements: {
    kind: "string",
    use: (v, ctx) => {
      const chars = PASSWORD_REQUIREMENTS[str(v)];
      if (chars === undefined) {
        throw new RangeError(`must be one of ${Object.keys(PASSWORD_REQUIREMENTS).filter(Boolean).join(", ")} or ""`);
      }
      ctx.emit("GOTRUE_PASSWORD_REQUIRED_CHARACTERS", chars);
    },
  },
  "passkey.enabled": { kind: "bool", use: gotrue("GOTRUE_PASSKEY_ENABLED") },
  "webauthn.rp_display_name": { kind: "string" },
  "webauthn.rp_id": { kind: "string" },
  "webauthn.rp_origins": { kind: "strings" },

  "rate_limit.anonymous_users": { kind: "uint", use: gotrue("GOTRUE_RATE_LIMIT_ANONYMOUS_USERS") },
  "rate_limit.token_refresh": { kind: "uint", use: gotrue("GOTRUE_RATE_LIMIT_TOKEN_REFRESH") },
  "rate_limit.sign_in_sign_ups": { kind: "uint", use: gotrue("GOTRUE_RATE_LIMIT_OTP") },
  "rate_limit.token_verifications": { kind: "uint", use: gotrue("GOTRUE_RATE_LIMIT_VERIFY") },
  "rate_limit.sms_sent": { kind: "uint", use: gotrue("GOTRUE_RATE_LIMIT_SMS_SENT") },
  "rate_limit.web3": { kind: "uint", use: gotrue("GOTRUE_RATE_LIMIT_WEB3") },
  // the CLI passes it only with [auth.email.smtp] (else 360000, i.e. no limit)
  "rate_limit.email_sent": { kind: "uint" },

  "captcha.enabled": { kind: "bool", use: gotrue("GOTRUE_SECURITY_CAPTCHA_ENABLED") },
  "captcha.provider": { kind: "string" },
  "captcha.secret": { kind: "string" },

  "hook.*.enabled": {
    kind: "bool",
    use: warnWhen(isTrue, "auth hooks are not run by the local server; ignored"),
  },
  "hook.*.uri": { kind: "string" },
  "hook.*.secrets": { kind: "string" },

  "mfa.max_enrolled_factors": { kind: "uint", use: gotrue("GOTRUE_MFA_MAX_ENROLLED_FACTORS") },
  "mfa.totp.enroll_enabled": { kind: "bool", cliDefault: false, use: gotrue("GOTRUE_MFA_TOTP_ENROLL_ENABLED") },
  "mfa.totp.verify_enabled": {
    kind: "bool",
    cliDefault: false,
    use: (v, ctx) => {
      if (ctx.sibling("enroll_enabled") === true && v !== true) {
        throw new RangeError("auth.mfa.totp.enroll_enabled requires verify_enabled (as the Supabase CLI)");
      }
      ctx.emit("GOTRUE_MFA_TOTP_VERIFY_ENABLED", str(v));
    },
  },
  "mfa.phone.enroll_enabled": { kind: "bool", use: gotrue("GOTRUE_MFA_PHONE_ENROLL_ENABLED") },
  "mfa.phone.verify_enabled": { kind: "bool", use: gotrue("GOTRUE_MFA_PHONE_VERIFY_ENABLED") },
  "mfa.phone.otp_length": { kind: "uint" },
  "mfa.phone.template": { kind: "string" },
  "mfa.phone.max_frequency": { kind: "duration" },
  "mfa.web_authn.enroll_enabled": { kind: "bool", use: gotrue("GOTRUE_MFA_WEB_AUTHN_ENROLL_ENABLED") },
  "mfa.web_authn.verify_enabled": { kind: "bool", use: gotrue("GOTRUE_MFA_WEB_AUTHN_VERIFY_ENABLED") },

  "sessions.timebox": { kind: "duration", use: (v, ctx) => v && ctx.emit("GOTRUE_SESSIONS_TIMEBOX", seconds(v)) },
  "sessions.inactivity_timeout": {
    kind: "duration",
    use: (v, ctx) => v && ctx.emit("GOTRUE_SESSIONS_INACTIVITY_TIMEOUT", seconds(v)),
  },

  "email.enable_signup": { kind: "bool", use: gotrue("GOTRUE_EXTERNAL_EMAIL_ENABLED") },
  "email.double_confirm_changes": { kind: "bool", use: gotrue("GOTRUE_MAILER_SECURE_EMAIL_CHANGE_ENABLED") },
  "email.enable_confirmations": { kind: "bool", use: gotrue("GOTRUE_MAILER_AUTOCONFIRM", not) },
  "email.secure_password_change": {
    kind: "bool",
    use: gotrue("GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION"),
  },
  "email.max_frequency": { kind: "duration", cliDefault: "1s", use: gotrue("GOTRUE_SMTP_MAX_FREQUENCY", seconds) },
  "email.otp_length": { kind: "uint", use: gotrue("GOTRUE_MAILER_OTP_LENGTH") },
  "email.otp_expiry": { kind: "uint", cliDefault: 3600, use: gotrue("GOTRUE_MAILER_OTP_EXP") },
  "email.template.*": {
    kind: "table",
    use: (_v, ctx) => ctx.warn("email templates are not used: the outbox holds each mail's link and code; ignored"),
  },
  "email.notification.*.enabled": {
    kind: "bool",
    use: warnWhen(isTrue, "notification emails are not sent by the local server; ignored"),
  },
  "email.notification.*.subject": { kind: "string" },
  "email.notification.*.content_path": { kind: "string" },
  "email.smtp": {
    kind: "table",
    use: (v, ctx) => {
      if ((v as Record<string, unknown>).enabled === false) return;
      ctx.warn("mail is not sent over SMTP: it goes to the outbox (GET /auth/v1/_dev/outbox) and the log; ignored");
    },
  },

  "sms.enable_signup": { kind: "bool", use: gotrue("GOTRUE_EXTERNAL_PHONE_ENABLED") },
  "sms.enable_confirmations": { kind: "bool" },
  "sms.template": { kind: "string" },
  "sms.max_frequency": { kind: "duration" },
  "sms.test_otp": { kind: "table" },
  ...Object.fromEntries(
    ["twilio", "twilio_verify", "messagebird", "textlocal", "vonage"].flatMap((p) => [
      [
        `sms.${p}.enabled`,
        { kind: "bool", use: warnWhen(isTrue, "SMS is not supported by the local server; ignored") },
      ],
      [`sms.${p}.*`, { kind: "string" }],
    ]),
  ),

  "external.*.enabled": { kind: "bool" },
  "external.*.client_id": { kind: "string" },
  "external.*.secret": { kind: "string" },
  "external.*.url": { kind: "string" },
  "external.*.redirect_uri": { kind: "string" },
  "external.*.skip_nonce_check": { kind: "bool" },
  "external.*.email_optional": { kind: "bool" },

  "web3.solana.enabled": { kind: "bool", use: gotrue("GOTRUE_EXTERNAL_WEB3_SOLANA_ENABLED") },
  "web3.ethereum.enabled": { kind: "bool", use: gotrue("GOTRUE_EXTERNAL_WEB3_ETHEREUM_ENABLED") },
  "oauth_server.enabled": { kind: "bool", use: (v, ctx) => v && ctx.emit("GOTRUE_OAUTH_SERVER_ENABLED", "true") },
  "oauth_server.authorization_url_path": { kind: "string" },
  "oauth_server.allow_dynamic_registration": { kind: "bool" },
  "third_party.*.enabled": {
    kind: "bool",
    use: warnWhen(
      isTrue,
      "third-party auth (accepting another issuer's JWTs) is not supported by the local server; ignored",
    ),
  },
  "third_party.*.*": { kind: "string" },

  publishable_key: { kind: "string", use: warnWhen(isSet, OWN_KEYS) },
  secret_key: { kind: "string", use: warnWhen(isSet, OWN_KEYS) },
  anon_key: { kind: "string", use: warnWhen(isSet, OWN_KEYS) },
  service_role_key: { kind: "string", use: warnWhen(isSet, OWN_KEYS) },
  // as `supabase start`: the secret signs HS256 tokens and the anon and service_role keys (the
  // CLI's own, made from it), or, beside signing_keys_path, verifies the legacy HS256 ones
  jwt_secret: {
    kind: "string",
    use: (v, ctx) => {
      if (!isSet(v)) return;
      // the CLI takes 16; lgauth dev's LangGraph server (SUPABASE_JWT_SECRET) needs 32, HS256's key size
      if (str(v).length < 32) throw new RangeError("must be at least 32 characters");
      if (str(v) === CLI_DEMO_SECRET) {
        ctx.warn("the Supabase CLI's published demo secret: anyone can sign tokens as any of this server's users");
      }
      ctx.emit("GOTRUE_JWT_SECRET", str(v));
    },
  },
};

/** GoTrue's providers; the CLI drops linkedin and slack (deprecated) with a warning. */
const PROVIDERS = new Set(GOTRUE_PROVIDERS.filter((p) => p !== "linkedin" && p !== "slack"));

function specFor(path: string[]): { spec: KeySpec; pattern: string } | undefined {
  for (const [pattern, spec] of Object.entries(AUTH_KEYS)) {
    const parts = pattern.split(".");
    if (parts.length === path.length && parts.every((p, i) => p === "*" || p === path[i])) return { spec, pattern };
  }
  return undefined;
}

/** Is `path` a table some key lives under (auth.email, auth.external.github...)? */
function isSection(path: string[]): boolean {
  return Object.entries(AUTH_KEYS).some(([pattern, spec]) => {
    const parts = pattern.split(".");
    return (
      parts.length > path.length &&
      path.every((p, i) => parts[i] === "*" || parts[i] === p) &&
      !(spec.kind === "table" && parts.length === path.length)
    );
  });
}

const ENV_VALUE = /^env\((.*)\)$/;

/** A value as the CLI's decoder takes it (viper's weakly typed input), or a RangeError. */
function coerce(kind: Kind, raw: unknown): Value {
  switch (kind) {
    case "bool":
      if (typeof raw === "boolean") return raw;
      if (typeof raw === "number") return raw !== 0;
      if (typeof raw === "string") return raw === "" ? false : goBool(raw);
      throw new RangeError("expected true or false");
    case "uint": {
      const n = typeof raw === "string" && /^\d{1,15}$/.test(raw) ? Number(raw) : raw;
      if (typeof n === "number" && Number.isInteger(n) && n >= 0) return n;
      throw new RangeError("expected a whole number of at least 0");
    }
    case "string":
      if (typeof raw === "string") return raw;
      if (typeof raw === "number" || typeof raw === "boolean") return String(raw);
      throw new RangeError("expected a string");
    case "strings":
      if (typeof raw === "string") return raw === "" ? [] : raw.split(",");
      if (Array.isArray(raw) && raw.every((x) => typeof x === "string")) return raw as string[];
      throw new RangeError("expected a list of strings");
    case "duration":
      // a string is a Go duration; a bare integer is nanoseconds, as Go's time.Duration takes it
      if (typeof raw === "string") return goDuration(raw);
      if (typeof raw === "number" && Number.isInteger(raw)) return raw / 1e9;
      throw new RangeError('expected a duration such as "60s"');
    case "table":
      if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) return raw as Record<string, unknown>;
      throw new RangeError("expected a table");
  }
}

/** The project's .env files, in the CLI's order (an earlier file wins). */
async function dotenv(supabaseDir: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const name = env.SUPABASE_ENV || "development";
  const files = [`.env.${name}.local`, ...(name === "test" ? [] : [".env.local"]), `.env.${name}`, ".env"];
  const out: Record<string, string> = {};
  for (const dir of [supabaseDir, dirname(supabaseDir)]) {
    for (const f of files) {
      let text: string;
      try {
        text = await readFile(join(dir, f), "utf8");
      } catch {
        continue;
      }
      let values: Record<string, string>;
      try {
        values = parseEnv(text) as Record<string, string>;
      } catch {
        throw new SupabaseConfigError(`${join(dir, f)}: not a valid .env file`);
      }
      for (const [k, v] of Object.entries(values)) if (!(k in out)) out[k] = v;
    }
  }
  return out;
}

function display(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

/**
 * Reads `file` (a Supabase CLI config.toml) and returns what its [auth] section means for the
 * local server. `env` is the environment env() and SUPABASE_AUTH_* overrides come from.
 */
export async function loadSupabaseAuthConfig(
  file: string,
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): Promise<SupabaseAuthConfig> {
  const path = resolve(cwd, file);
  const shown = display(path, cwd);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SupabaseConfigError(
      `${shown}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : `cannot be read (${code})`}`,
    );
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    // the first line only: the rest quotes the file, which may hold secrets
    const first = err.message.split("\n")[0]?.replace(/^Invalid TOML document: /, "") ?? "invalid TOML";
    throw new SupabaseConfigError(`${shown}:${err.line}:${err.column}: not valid TOML: ${first}`);
  }

  const supabaseDir = dirname(path);
  const files = await dotenv(supabaseDir, env);
  const lookup = (name: string): string | undefined => (env[name] ? env[name] : files[name] || undefined);

  const warnings: string[] = [];
  const gotrueVars: Record<string, string> = {};
  const labels = new Map<string, string>();
  const fail = (key: string, why: string): never => {
    throw new SupabaseConfigError(`${shown}: ${key}: ${why}`);
  };

  const auth = doc.auth ?? {}; // no [auth]: the CLI's defaults
  if (typeof auth !== "object" || auth === null || Array.isArray(auth)) fail("auth", "expected a table");

  // every key of [auth], its spec, and its value after env() and SUPABASE_AUTH_* overrides
  const seen = new Set<string>();
  const unresolved = new Map<string, string>();
  const values = new Map<string, { spec: KeySpec; value: Value; path: string[] }>();

  const resolveValue = (key: string, kind: Kind, raw: unknown): unknown => {
    const override = lookup(`SUPABASE_${key.toUpperCase().replace(/\./g, "_")}`);
    let v = override ?? raw;
    const resolveEnv = (s: string) => {
      const m = ENV_VALUE.exec(s);
      if (!m) return s;
      const found = lookup(m[1]!);
      if (found !== undefined) return found;
      unresolved.set(key, m[1]!); // warned about if the value is used (as the CLI does)
      return s;
    };
    if (typeof v === "string") v = resolveEnv(v);
    else if (kind === "strings" && Array.isArray(v)) v = v.map((x) => (typeof x === "string" ? resolveEnv(x) : x));
    return v;
  };

  const walk = (table: Record<string, unknown>, path: string[]) => {
    for (const [k, raw] of Object.entries(table)) {
      const here = [...path, k];
      const key = ["auth", ...here].join(".");
      const found = specFor(here);
      if (here[0] === "external" && here.length >= 2 && !PROVIDERS.has(here[1]!)) {
        if (here.length === 2) {
          const deprecated = here[1] === "linkedin" || here[1] === "slack";
          warnings.push(
            `${shown}: ${key}: ${deprecated ? `deprecated by Supabase (use [auth.external.${here[1]}_oidc]); ignored` : "not a provider Supabase Auth has; ignored"}`,
          );
        }
        continue;
      }
      if (found) {
        let value: Value;
        try {
          value = coerce(found.spec.kind, resolveValue(key, found.spec.kind, raw));
        } catch (err) {
          fail(key, (err as Error).message);
        }
        values.set(key, { spec: found.spec, value: value!, path: here });
        seen.add(found.pattern);
        if (found.spec.kind === "duration" && typeof raw === "number" && raw !== 0) {
          warnings.push(`${shown}: ${key}: a bare number is nanoseconds, as the CLI reads it; write e.g. "60s"`);
        }
      } else if (isSection(here) && typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
        walk(raw as Record<string, unknown>, here);
      } else {
        warnings.push(`${shown}: ${key}: unknown key; ignored`);
      }
    }
  };
  walk(auth as Record<string, unknown>, []);

  // absent keys: the CLI's default where it differs from the server's own; overrides of absent keys
  for (const [pattern, spec] of Object.entries(AUTH_KEYS)) {
    if (pattern.includes("*") || seen.has(pattern)) continue;
    const key = `auth.${pattern}`;
    const raw = resolveValue(key, spec.kind, undefined);
    const chosen = raw !== undefined ? raw : spec.cliDefault;
    if (chosen === undefined) continue;
    let value: Value;
    try {
      value = coerce(spec.kind, chosen);
    } catch (err) {
      fail(key, (err as Error).message);
    }
    values.set(key, { spec, value: value!, path: pattern.split(".") });
  }

  for (const [key, { spec, value, path: keyPath }] of values) {
    if (!spec.use) continue;
    const ctx: KeyContext = {
      emit: (name, v) => {
        gotrueVars[name] = v;
        labels.set(name, key);
      },
      warn: (why) => warnings.push(`${shown}: ${key}: ${why}`),
      sibling: (name) => values.get(["auth", ...keyPath.slice(0, -1), name].join("."))?.value,
    };
    try {
      spec.use(value, ctx);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      fail(key, err.message);
    }
  }

  // [auth.external.<provider>]: GOTRUE_EXTERNAL_<NAME>_*, as the CLI passes them
  const providers = (auth as Record<string, unknown>).external;
  if (providers && typeof providers === "object") {
    for (const name of Object.keys(providers)) {
      if (!PROVIDERS.has(name) || values.get(`auth.external.${name}.enabled`)?.value !== true) continue;
      const upper = name.toUpperCase();
      for (const field of ["enabled", "client_id", "secret", "url", "redirect_uri"]) {
        const entry = values.get(`auth.external.${name}.${field}`);
        if (entry === undefined) continue;
        const variable = `GOTRUE_EXTERNAL_${upper}_${field.toUpperCase()}`;
        gotrueVars[variable] = str(entry.value);
        labels.set(variable, `auth.external.${name}.${field}`);
      }
    }
  }

  // [auth] signing_keys_path: the key file's JSON array, relative to the supabase directory
  const keysPath = values.get("auth.signing_keys_path")?.value;
  if (typeof keysPath === "string" && keysPath !== "") {
    const keysFile = resolve(supabaseDir, keysPath);
    let keys: string;
    try {
      keys = await readFile(keysFile, "utf8");
    } catch {
      return fail("auth.signing_keys_path", `cannot read ${display(keysFile, cwd)}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(keys);
    } catch {
      return fail("auth.signing_keys_path", `${display(keysFile, cwd)} is not JSON`);
    }
    if (!Array.isArray(parsed))
      fail("auth.signing_keys_path", `${display(keysFile, cwd)} must hold a JSON array of JWKs`);
    gotrueVars.GOTRUE_JWT_KEYS = JSON.stringify(parsed);
    labels.set("GOTRUE_JWT_KEYS", "auth.signing_keys_path");
  }

  const used = new Set(labels.values());
  for (const [key, name] of unresolved) {
    if (used.has(key))
      warnings.push(`${shown}: ${key}: environment variable ${name} is unset; the value is used as written`);
  }
  return finish();

  function finish(): SupabaseAuthConfig {
    let applied: ReturnType<typeof applyGotrueSettings>;
    try {
      applied = applyGotrueSettings(Object.entries(gotrueVars), (name) => `${shown}: ${labels.get(name) ?? name}`);
    } catch (err) {
      if (err instanceof GotrueConfigError) throw new SupabaseConfigError(err.message);
      throw err;
    }
    return { file: shown, gotrue: gotrueVars, options: applied.options, warnings: [...warnings, ...applied.warnings] };
  }
}
