/**
 * Runs the local Supabase Auth server (src/local-supabase) as the stack's child process.
 * Options come as one JSON argument (no secrets: the keys are made by the server); prints one
 * JSON line `{"ready":true,"url","anonKey","serviceRoleKey","jwtSecret"?,"oidcIssuer"?}` on stdout once
 * listening, for the parent only. GoTrue settings (GOTRUE_*, from supabase/config.toml, checked
 * and warned about by the parent) come in the environment; the JSON options beat them. Stops
 * cleanly on SIGTERM/SIGINT.
 *
 * Usage: node dist/children/stack/auth-entry.js '{"port":54321,"host":"127.0.0.1","dataDir":"..."}'
 * (prebuilt by scripts/build.mjs; from source: node --import tsx src/stack/auth-entry.ts ...).
 * Keep what only some runs need behind a dynamic import(): the build keeps those lazy.
 */
import { gotrueSettingsFromEnv } from "../local-supabase/gotrue-env.js";
import { type LocalSupabase, startLocalSupabase } from "../local-supabase/index.js";
import { parseAuthEntryOptions } from "./auth-options.js";
import { prepareAuthProviders } from "./auth-providers.js";
import { drainStdin, muteOnBrokenPipe, stopWithParent } from "./orphan.js";

const options = parseAuthEntryOptions(process.argv[2] ?? "", process.env);

// signals are handled from the first moment: a stop during boot waits for the database to
// open and then closes it, instead of killing the process with its files half written
let server: LocalSupabase | undefined;
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (!server) return; // finished after start-up below
  const force = setTimeout(() => process.exit(1), 5_000);
  force.unref();
  try {
    await server.stop();
  } finally {
    process.exit(0);
  }
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
stopWithParent(() => void stop());
muteOnBrokenPipe();
drainStdin();

const log = (line: string) => process.stderr.write(`${line}\n`);
const providers = await prepareAuthProviders({ localOidc: options.oidc, env: process.env, log });
const gotrue = gotrueSettingsFromEnv(process.env).options;
const started = await startLocalSupabase({
  ...gotrue,
  port: options.port,
  host: options.host,
  dataDir: options.dataDir,
  ...(options.jwtSecret ? { jwtSecret: options.jwtSecret } : {}),
  ...(options.accessTokenTtl ? { accessTokenTtl: options.accessTokenTtl } : {}),
  externalProviders: { ...gotrue.externalProviders, ...providers.externalProviders },
  log,
});
server = started;
providers.attach(started.url);
if (stopping) {
  stopping = false;
  await stop();
}

process.stdout.write(
  `${JSON.stringify({
    ready: true,
    url: started.url,
    anonKey: started.anonKey,
    serviceRoleKey: started.serviceRoleKey,
    jwtSecret: started.jwtSecret,
    oidcIssuer: providers.localIssuer,
  })}\n`,
);
