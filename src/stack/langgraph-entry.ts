/**
 * Runs the LangGraph.js API server in this process (spawned by src/stack with tsx), the same
 * `startServer` the official dev server uses, minus its file watcher, IPC parent and
 * analytics. Storage goes to `--cwd` (the stack's data directory). Prints one JSON line
 * `{"ready":true,"url":...}` once listening; stops cleanly (flushing storage) on SIGTERM/SIGINT.
 *
 * Usage: tsx src/stack/langgraph-entry.ts <json options>
 */
import { startServer } from "@langchain/langgraph-api/server";
import { parseEntryOptions } from "./langgraph-options.js";

const options = parseEntryOptions(process.argv[2] ?? "");
const { host, cleanup } = await startServer({
  port: options.port,
  host: options.host,
  cwd: options.cwd,
  nWorkers: options.nWorkers,
  graphs: options.graphs,
  auth: options.auth,
});

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code), 5_000);
  force.unref();
  try {
    await cleanup();
  } finally {
    process.exit(code);
  }
}
process.on("SIGTERM", () => void stop(0));
process.on("SIGINT", () => void stop(0));
process.on("disconnect", () => void stop(0));

const port = Number(host.split(":").pop());
process.stdout.write(`${JSON.stringify({ ready: true, url: `http://${options.host}:${port}`, port })}\n`);
