/**
 * Runs the local Supabase Auth server (src/local-supabase) as the stack's child process.
 * Options come as one JSON argument (no secrets: the keys are made by the server); prints one
 * JSON line `{"ready":true,"url","anonKey","serviceRoleKey","jwtSecret"?}` on stdout once
 * listening, for the parent only. Stops cleanly on SIGTERM/SIGINT.
 *
 * Usage: node --import tsx src/stack/auth-entry.ts '{"port":54321,"host":"127.0.0.1","dataDir":"..."}'
 */
import { startLocalSupabase } from "../local-supabase/index.js";
import { parseAuthEntryOptions } from "./auth-options.js";

const options = parseAuthEntryOptions(process.argv[2] ?? "", process.env);
const server = await startLocalSupabase({
  port: options.port,
  host: options.host,
  dataDir: options.dataDir,
  jwtSecret: options.jwtSecret,
  log: (line) => process.stderr.write(`${line}\n`),
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
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

process.stdout.write(
  `${JSON.stringify({
    ready: true,
    url: server.url,
    anonKey: server.anonKey,
    serviceRoleKey: server.serviceRoleKey,
    jwtSecret: server.jwtSecret,
  })}\n`,
);
