/**
 * Ends a run's streams when the run ends. The LangGraph.js dev server's `Stream.join` (every
 * `runs/stream`, `runs/wait`, `…/join` and `…/stream` route) reads the run's event queue until a
 * `run:<id>:control` "done" message arrives, but its in-memory worker (langgraph-api 1.5.1,
 * dist/queue.mjs) never publishes one: each join ends only after a 500 ms read with no event,
 * followed by a status check. So every streamed answer (`lgauth chat`, the demo's chats,
 * `runs create --wait`) ended about half a second after its last token.
 *
 * The worker ends a run with `runs.setStatus(run, success|error|interrupted)` and then
 * `threads.setStatus(thread, …)`; this publishes "done" to the run's queue after the second, so a
 * client that reads the thread once its stream ended sees it idle, as before. Stateless runs
 * (their thread is deleted instead) keep the 500 ms end. The module is found by its file URL
 * next to the exported `./server`, as persist-module.ts finds persist.mjs (one module instance);
 * if its shape changed, nothing is installed and joins end as the stock server's do
 * (test/unit/run-done.test.ts pins what this relies on).
 */

type Store = { runs: Record<string, { thread_id?: string } | undefined> };
type Conn = { with<T>(fn: (store: Store) => T | Promise<T>): Promise<T> };
type RunsPrototype = { conn: Conn; setStatus(runId: string, status: string): Promise<unknown> };
type ThreadsPrototype = { setStatus(threadId: string, options: unknown): Promise<unknown> };
type StreamManager = { getQueue(runId: string, options: { ifNotFound: "create"; resumable: boolean }): Queue };
type Queue = { push(item: { topic: string; data: unknown }): void };

export function opsModuleUrl(): string {
  return new URL("./storage/ops.mjs", import.meta.resolve("@langchain/langgraph-api/server")).href;
}

const TERMINAL = new Set(["success", "error", "interrupted", "timeout"]);

/** True when installed; false when the module does not have the shape this relies on. */
export async function installRunDone(): Promise<boolean> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(opsModuleUrl())) as Record<string, unknown>;
  } catch {
    return false;
  }
  const runsClass = mod.FileSystemRuns as { prototype?: RunsPrototype } | undefined;
  const threadsClass = mod.FileSystemThreads as { prototype?: ThreadsPrototype } | undefined;
  const streams = mod.StreamManager as StreamManager | undefined;
  const runs = runsClass?.prototype;
  const threads = threadsClass?.prototype;
  if (typeof runs?.setStatus !== "function" || typeof threads?.setStatus !== "function") return false;
  if (typeof streams?.getQueue !== "function") return false;

  /** Runs that ended, by thread, until the worker has also set their thread's status. */
  const ended = new Map<string, Set<string>>();
  const setRunStatus = runs.setStatus;
  runs.setStatus = async function (this: RunsPrototype, runId: string, status: string) {
    const result = await setRunStatus.call(this, runId, status);
    if (TERMINAL.has(status)) {
      const threadId = await this.conn.with((store) => store.runs[runId]?.thread_id);
      if (threadId !== undefined) ended.set(threadId, (ended.get(threadId) ?? new Set()).add(runId));
    }
    return result;
  };
  const setThreadStatus = threads.setStatus;
  threads.setStatus = async function (this: ThreadsPrototype, threadId: string, options: unknown) {
    try {
      return await setThreadStatus.call(this, threadId, options);
    } finally {
      const runIds = ended.get(threadId);
      ended.delete(threadId);
      for (const runId of runIds ?? []) {
        streams.getQueue(runId, { ifNotFound: "create", resumable: false }).push({
          topic: `run:${runId}:control`,
          data: "done",
        });
      }
    }
  };
  return true;
}
