/**
 * Standalone entry: `tsx src/local-supabase/main.ts [--port N] [--host H] [--data-dir DIR]
 * [--jwt-secret S] [--confirm-email] [--access-token-ttl SECONDS]`. The secret can also come
 * from SUPABASE_JWT_SECRET (better: it keeps it out of the process list). GoTrue's own
 * GOTRUE_* variables configure it too (gotrue-env.ts); flags beat them, and each one it does
 * not act on gets a warning line. Prints a banner and, when ready, one JSON line with the URL
 * and keys; stops cleanly on SIGINT/SIGTERM.
 */
import { startLocalSupabase } from "./index.js";
import { parseMainArgs, USAGE, UsageError } from "./main-args.js";
import type { LocalSupabaseOptions } from "./options.js";

function signing(url: string, opts: LocalSupabaseOptions): string {
  const jwks = `JWKS at ${url}/auth/v1/.well-known/jwks.json`;
  if (opts.jwtKeys !== undefined) {
    const signer = opts.jwtKeys.find((k) => Array.isArray(k.key_ops) && k.key_ops.includes("sign"));
    return `configured keys (${String(signer?.alg ?? signer?.kty)}, kid ${String(signer?.kid)}), ${jwks}`;
  }
  return opts.jwtSecret !== undefined ? "HS256 (legacy JWT secret, empty JWKS)" : `ES256, ${jwks}`;
}

function banner(url: string, anonKey: string, serviceKey: string, opts: LocalSupabaseOptions): string {
  return [
    "lgauth local Supabase Auth: a LOCAL DEVELOPMENT SERVER (GoTrue-compatible), not for production use",
    `  API URL          ${url}  (auth at ${url}/auth/v1)`,
    `  anon key         ${anonKey}`,
    `  service_role key ${serviceKey}`,
    `  signing          ${signing(url, opts)}`,
    `  data             ${opts.dataDir ?? "in memory (gone when the server stops)"}`,
    `  OAuth providers  ${Object.keys(opts.externalProviders ?? {}).join(", ") || "none (set LGAUTH_OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET)"}`,
    `  email            ${opts.confirmEmail ? "confirmation required" : "autoconfirm (no confirmation emails)"}; mail goes to this log and to GET ${url}/auth/v1/_dev/outbox (service_role key as apikey and Bearer)`,
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  let opts: LocalSupabaseOptions;
  try {
    const config = parseMainArgs(process.argv.slice(2), process.env);
    opts = config.options;
    for (const line of config.warnings) process.stderr.write(`local-supabase: warning: ${line}\n`);
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
