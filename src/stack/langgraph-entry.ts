/**
 * Runs the LangGraph.js API server in this process (spawned by src/stack), the same
 * `startServer` the official dev server uses, minus its file watcher, IPC parent and
 * analytics. Storage goes to `--cwd` (the stack's data directory). Prints one JSON line
 * `{"ready":true,"url":...}` once listening; stops cleanly (flushing storage) on SIGTERM/SIGINT.
 *
 * Usage: node dist/children/stack/langgraph-entry.js <json options> (prebuilt by
 * scripts/build.mjs, as are the graph and Auth modules it is given; from source:
 * node --import tsx src/stack/langgraph-entry.ts <json options>).
 */
import { register } from "node:module";
import { environmentArrived } from "./env-gate.js";
import { parseEntryOptions } from "./langgraph-options.js";
import { drainStdin, muteOnBrokenPipe, stopWithParent } from "./orphan.js";
import { importPersistModule, PersistModuleChangedError } from "./persist-module.js";
import { installRunDone } from "./run-done.js";
import { FATAL_PREFIX, NOTICE_PREFIX } from "./service.js";
import { installSnapshots, SNAPSHOT_TRACE_PREFIX, type SnapshotWrite, SnapshotUnreadableError } from "./snapshots.js";

const options = parseEntryOptions(process.argv[2] ?? "");
// start loading the server modules (most of the boot time) before anything else
const serverModule = import("@langchain/langgraph-api/server");
const graphModules = Object.values(options.graphs).map((spec) => import(spec.slice(0, spec.lastIndexOf(":"))));
// best effort: a package that fails here fails again, with its error, where it is used
const preloaded = (options.preload ?? []).map((name) => import(name).catch(() => undefined));

/**
 * @langchain/langgraph-api reads package versions with `import("<package>/package.json")` (its
 * dependency check at start and GET /info), which plain node refuses without
 * `with { type: "json" }` (tsx, under which the official dev server runs, accepts it). This
 * resolve hook supplies the attribute. Registered once the server's modules are loaded: with any
 * hook registered, node hands every later import to the hook thread (about 1 s more had it been
 * there from the start), so only the few modules imported after this pay that.
 */
const JSON_HOOK = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  return resolved.url.endsWith("/package.json") && context.importAttributes.type === undefined
    ? { ...resolved, importAttributes: { ...context.importAttributes, type: "json" } }
    : resolved;
}`;

/**
 * A failure the parent reports as it is (one line with a code, service.ts), then exit 3: the
 * stores could not be read (never start empty by accident), or our storage does not fit the
 * installed server. Anything else is thrown as before.
 */
async function fatal(err: unknown): Promise<never> {
  if (err instanceof SnapshotUnreadableError || err instanceof PersistModuleChangedError) {
    process.stderr.write(`${FATAL_PREFIX}${err.code}: ${err.message}\n`);
    await stop(3);
  }
  throw err;
}

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
process.on("SIGHUP", () => void stop(0));
stopWithParent(() => void stop(0));
muteOnBrokenPipe();

/** The first line on stdin; stdin keeps flowing afterwards, so its end (the parent gone) is seen. */
function readEnvLine(): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const nl = text.indexOf("\n");
      if (nl < 0) return;
      process.stdin.off("data", onData);
      process.stdin.off("end", onEnd);
      try {
        const parsed = JSON.parse(text.slice(0, nl)) as { env?: Record<string, unknown> };
        const env: Record<string, string> = {};
        for (const [k, v] of Object.entries(parsed.env ?? {})) if (typeof v === "string") env[k] = v;
        resolve(env);
      } catch (err) {
        reject(err);
      }
    };
    const onEnd = () => reject(new Error("langgraph-entry: stdin closed before the environment arrived"));
    process.stdin.on("data", onData);
    process.stdin.on("end", onEnd);
  });
}

const envLine = options.waitForEnv ? readEnvLine() : undefined;
envLine?.catch(() => {}); // awaited below
drainStdin();
const { startServer } = await serverModule;
// before startServer initializes its stores (src/stack/snapshots.ts)
const storage = options.stockStorage
  ? undefined
  : importPersistModule().then((mod) =>
      installSnapshots(mod, {
        resetData: options.resetData === true,
        notice: (line) => process.stderr.write(`${NOTICE_PREFIX}${line}\n`),
        // LGAUTH_SNAPSHOT_TRACE=1: one line per snapshot written (tests and `lgauth dev --debug` measure with it)
        ...(process.env.LGAUTH_SNAPSHOT_TRACE === "1"
          ? { onWrite: (w: SnapshotWrite) => process.stderr.write(`${SNAPSHOT_TRACE_PREFIX}${JSON.stringify(w)}\n`) }
          : {}),
      }),
    );
// a run's streams end with the run, not half a second later (src/stack/run-done.ts)
const runDone = installRunDone();
await Promise.all([...graphModules, ...preloaded, storage?.catch(fatal), runDone]);
register(`data:text/javascript,${encodeURIComponent(JSON_HOOK)}`);
// With startBeforeEnv the server starts (storage, graphs, Auth, workers, listening) before the
// environment is there: the Auth module waits for it (stack-auth.ts), and this process says
// it is ready only once the environment arrived and the Auth module accepted it.
if (envLine && !options.startBeforeEnv) Object.assign(process.env, await envLine);
const started = await startServer({
  port: options.port,
  host: options.host,
  cwd: options.cwd,
  nWorkers: options.nWorkers,
  graphs: options.graphs,
  auth: options.auth,
}).catch(fatal);
cleanup = started.cleanup;
if (stopping) await stop(0);
if (envLine && options.startBeforeEnv) {
  try {
    Object.assign(process.env, await envLine);
    await environmentArrived();
  } catch (err) {
    // one line for the parent (e.g. a SettingsError), then exit: langgraph-api's own handlers
    // would only log an unhandled rejection and leave the process running, never ready
    process.stderr.write(`${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`);
    await stop(1);
  }
}

const port = Number(started.host.split(":").pop());
process.stdout.write(`${JSON.stringify({ ready: true, url: `http://${options.host}:${port}`, port })}\n`);
