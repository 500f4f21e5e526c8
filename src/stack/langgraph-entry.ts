/**
 * Runs the LangGraph.js API server in this process (spawned by src/stack with tsx), the same
 * `startServer` the official dev server uses, minus its file watcher, IPC parent and
 * analytics. Storage goes to `--cwd` (the stack's data directory). Prints one JSON line
 * `{"ready":true,"url":...}` once listening; stops cleanly (flushing storage) on SIGTERM/SIGINT.
 *
 * Usage: node --import tsx src/stack/langgraph-entry.ts <json options>
 */
import { createInterface } from "node:readline";
import { parseEntryOptions } from "./langgraph-options.js";
import { stopWithParent } from "./orphan.js";

const options = parseEntryOptions(process.argv[2] ?? "");
// start loading the server modules (most of the boot time) before anything else
const serverModule = import("@langchain/langgraph-api/server");
const graphModules = Object.values(options.graphs).map((spec) => import(spec.slice(0, spec.lastIndexOf(":"))));

let stopping = false;
let cleanup: (() => Promise<void>) | undefined;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code), 5_000);
  force.unref();
  try {
    await cleanup?.();
  } finally {
    process.exit(code);
  }
}
process.on("SIGTERM", () => void stop(0));
process.on("SIGINT", () => void stop(0));
stopWithParent(() => void stop(0));

async function readEnvLine(): Promise<Record<string, string>> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    const parsed = JSON.parse(line) as { env?: Record<string, unknown> };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed.env ?? {})) if (typeof v === "string") env[k] = v;
    return env;
  }
  throw new Error("langgraph-entry: stdin closed before the environment arrived");
}

if (options.waitForEnv) Object.assign(process.env, await readEnvLine());
const { startServer } = await serverModule;
await Promise.all(graphModules);
const started = await startServer({
  port: options.port,
  host: options.host,
  cwd: options.cwd,
  nWorkers: options.nWorkers,
  graphs: options.graphs,
  auth: options.auth,
});
cleanup = started.cleanup;
if (stopping) await stop(0);

const port = Number(started.host.split(":").pop());
process.stdout.write(`${JSON.stringify({ ready: true, url: `http://${options.host}:${port}`, port })}\n`);
