/**
 * The standalone server's command line and environment (main.ts): flags, then
 * SUPABASE_JWT_SECRET and LGAUTH_OIDC_<NAME>_*, then GoTrue's GOTRUE_* variables (gotrue-env.ts).
 */
import { parseArgs } from "node:util";
import { providersFromEnv } from "./env-providers.js";
import { GotrueConfigError, gotrueSettingsFromEnv } from "./gotrue-env.js";
import { DEFAULT_PORT, type LocalSupabaseOptions } from "./options.js";

export const USAGE =
  "usage: local-supabase [--port N] [--host H] [--data-dir DIR] [--jwt-secret S] [--confirm-email] [--access-token-ttl SECONDS] [--site-url URL] [--flow-state-ttl SECONDS] [--otp-ttl SECONDS]\n" +
  "OAuth providers from the environment: LGAUTH_OIDC_<NAME>_ISSUER, LGAUTH_OIDC_<NAME>_CLIENT_ID, LGAUTH_OIDC_<NAME>_CLIENT_SECRET\n" +
  "GoTrue's GOTRUE_* variables apply too (flags beat them); see the README";

export class UsageError extends Error {}

function intArg(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return Number(value);
}

export interface MainConfig {
  options: LocalSupabaseOptions;
  /** One line per GOTRUE_* variable the server does not act on. */
  warnings: string[];
}

/** Options from the flags, then SUPABASE_JWT_SECRET and LGAUTH_OIDC_*, then the GOTRUE_* variables. */
export function parseMainArgs(argv: string[], env: NodeJS.ProcessEnv): MainConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "data-dir": { type: "string" },
        "jwt-secret": { type: "string" },
        "confirm-email": { type: "boolean" },
        "access-token-ttl": { type: "string" },
        "site-url": { type: "string" },
        "flow-state-ttl": { type: "string" },
        "otp-ttl": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split("\n")[0] : String(err));
  }
  if (values.help) throw new UsageError("help");
  const secret = (values["jwt-secret"] as string | undefined) ?? (env.SUPABASE_JWT_SECRET || undefined);
  if (secret !== undefined && secret.length < 16) throw new UsageError("the JWT secret must be at least 16 characters");
  const given: LocalSupabaseOptions = {
    port: intArg("port", values.port as string | undefined, 0, 65535) ?? DEFAULT_PORT,
    host: (values.host as string | undefined) ?? "127.0.0.1",
    dataDir: values["data-dir"] as string | undefined,
    jwtSecret: secret,
    confirmEmail: values["confirm-email"] === true ? true : undefined,
    accessTokenTtl: intArg("access-token-ttl", values["access-token-ttl"] as string | undefined, 1, 315_360_000),
    siteUrl: values["site-url"] as string | undefined,
    flowStateTtl: intArg("flow-state-ttl", values["flow-state-ttl"] as string | undefined, 1, 86_400),
    otpTtl: intArg("otp-ttl", values["otp-ttl"] as string | undefined, 1, 315_360_000),
  };
  let gotrue: ReturnType<typeof gotrueSettingsFromEnv>;
  try {
    gotrue = gotrueSettingsFromEnv(env);
  } catch (err) {
    if (err instanceof GotrueConfigError) throw new UsageError(err.message);
    throw err;
  }
  const options: LocalSupabaseOptions = { ...gotrue.options };
  for (const [key, value] of Object.entries(given) as [keyof LocalSupabaseOptions, unknown][]) {
    if (value !== undefined) (options as Record<string, unknown>)[key] = value; // flags beat GOTRUE_*
  }
  // LGAUTH_OIDC_<NAME>_* beat a GOTRUE_EXTERNAL_<NAME>_* provider of the same name
  options.externalProviders = { ...gotrue.options.externalProviders, ...envProviders(env) };
  return { options, warnings: gotrue.warnings };
}

function envProviders(env: NodeJS.ProcessEnv): LocalSupabaseOptions["externalProviders"] {
  try {
    return providersFromEnv(env);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
