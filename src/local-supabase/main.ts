/**
 * Standalone entry: `tsx src/local-supabase/main.ts [--port N] [--host H] [--data-dir DIR]
 * [--jwt-secret S] [--confirm-email] [--access-token-ttl SECONDS]`. The secret can also come
 * from SUPABASE_JWT_SECRET (better: it keeps it out of the process list). Prints a banner and,
 * when ready, one JSON line with the URL and keys; stops cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { startLocalSupabase } from "./index.js";
import { providersFromEnv } from "./env-providers.js";
import { DEFAULT_PORT, type LocalSupabaseOptions } from "./options.js";

const USAGE =
  "usage: local-supabase [--port N] [--host H] [--data-dir DIR] [--jwt-secret S] [--confirm-email] [--access-token-ttl SECONDS] [--site-url URL] [--flow-state-ttl SECONDS] [--otp-ttl SECONDS]\n" +
  "OAuth providers from the environment: LGAUTH_OIDC_<NAME>_ISSUER, LGAUTH_OIDC_<NAME>_CLIENT_ID, LGAUTH_OIDC_<NAME>_CLIENT_SECRET";

class UsageError extends Error {}

function intArg(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return Number(value);
}

export function parseMainArgs(argv: string[], env: NodeJS.ProcessEnv): LocalSupabaseOptions {
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
  return {
    port: intArg("port", values.port as string | undefined, 0, 65535) ?? DEFAULT_PORT,
    host: (values.host as string | undefined) ?? "127.0.0.1",
    dataDir: values["data-dir"] as string | undefined,
    jwtSecret: secret,
    confirmEmail: values["confirm-email"] === true,
    accessTokenTtl: intArg("access-token-ttl", values["access-token-ttl"] as string | undefined, 1, 315_360_000),
    siteUrl: values["site-url"] as string | undefined,
    flowStateTtl: intArg("flow-state-ttl", values["flow-state-ttl"] as string | undefined, 1, 86_400),
    otpTtl: intArg("otp-ttl", values["otp-ttl"] as string | undefined, 1, 315_360_000),
    externalProviders: envProviders(env),
  };
}

function envProviders(env: NodeJS.ProcessEnv): LocalSupabaseOptions["externalProviders"] {
  try {
    return providersFromEnv(env);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function banner(url: string, anonKey: string, serviceKey: string, opts: LocalSupabaseOptions): string {
  return [
    "lgauth local Supabase Auth: a LOCAL DEVELOPMENT SERVER (GoTrue-compatible), not for production use",
    `  API URL          ${url}  (auth at ${url}/auth/v1)`,
    `  anon key         ${anonKey}`,
    `  service_role key ${serviceKey}`,
    `  signing          ${opts.jwtSecret !== undefined ? "HS256 (legacy JWT secret, empty JWKS)" : `ES256, JWKS at ${url}/auth/v1/.well-known/jwks.json`}`,
    `  data             ${opts.dataDir ?? "in memory (gone when the server stops)"}`,
    `  OAuth providers  ${Object.keys(opts.externalProviders ?? {}).join(", ") || "none (set LGAUTH_OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET)"}`,
    `  email            ${opts.confirmEmail ? "confirmation required" : "autoconfirm (no confirmation emails)"}; mail goes to this log and to GET ${url}/auth/v1/_dev/outbox (service_role key as apikey and Bearer)`,
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  let opts: LocalSupabaseOptions;
  try {
    opts = parseMainArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      if (err.message === "help") {
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
      }
      process.stderr.write(`local-supabase: ${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    throw err;
  }
  const server = await startLocalSupabase({ ...opts, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(banner(server.url, server.anonKey, server.serviceRoleKey, opts));
  process.stdout.write(
    `${JSON.stringify({
      supabase_url: server.url,
      supabase_anon_key: server.anonKey,
      supabase_service_key: server.serviceRoleKey,
    })}\n`,
  );
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`local-supabase: ${signal}, stopping\n`);
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`local-supabase: stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

function oneLine(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "EADDRINUSE")
    return "the port is already in use (EADDRINUSE); pick another with --port, or 0 for a free one";
  if (e?.code === "EACCES") return `permission denied (${e.message})`;
  return err instanceof Error ? (err.message.split("\n")[0] ?? "error") : String(err);
}

main().catch((err: unknown) => {
  process.stderr.write(`local-supabase: ${oneLine(err)}\n`);
  if (process.env.LGAUTH_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
