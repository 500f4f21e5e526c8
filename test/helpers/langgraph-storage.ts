/**
 * The LangGraph child of the stack (src/stack/langgraph-entry.ts, the code `lgauth dev` runs),
 * without Auth, for the storage crash tests: with our snapshots or, to show what it loses, the
 * stock server's persistence. Threads are the acknowledged writes: each carries `metadata.seq`,
 * and the test knows when its 2xx arrived. Kills are SIGKILL to the child's process group; every
 * child is killed by pid at the end (killAllStorageServers), also when a test fails.
 */
import { watch } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { startLangGraphService } from "../../src/stack/launchers.js";
import type { Service } from "../../src/stack/service.js";
import { SNAPSHOT_TRACE_PREFIX, type SnapshotWrite } from "../../src/stack/snapshots.js";
import { killGroup } from "../../src/util/process.js";

export interface StorageServer {
  url: string;
  pid: number;
  service: Service<{ url: string }>;
  /** Lines the child wrote for the person running the stack (lgauth-notice: …). */
  notices: string[];
  /** Every snapshot ours wrote (LGAUTH_SNAPSHOT_TRACE). */
  writes: SnapshotWrite[];
  /** SIGKILL (the whole process group), resolved once it is gone. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const live = new Set<StorageServer>();
process.on("exit", () => {
  for (const s of live) killGroup(s.pid, "SIGKILL");
});

export async function startStorageServer(cwd: string, opts: { stock: boolean }): Promise<StorageServer> {
  const notices: string[] = [];
  const writes: SnapshotWrite[] = [];
  await mkdir(cwd, { recursive: true, mode: 0o700 });
  const service = await startLangGraphService({
    launcher: "startServer",
    host: "127.0.0.1",
    port: 0,
    cwd,
    nWorkers: 1,
    withAuth: false,
    env: { ...process.env, LGAUTH_SNAPSHOT_TRACE: "1" },
    log: (_name, line) => {
      if (line.startsWith(SNAPSHOT_TRACE_PREFIX)) writes.push(JSON.parse(line.slice(SNAPSHOT_TRACE_PREFIX.length)));
    },
    notice: (_name, line) => notices.push(line),
    readyTimeoutMs: 120_000,
    ...(opts.stock ? { stockStorage: true } : {}),
  });
  const server: StorageServer = {
    url: "",
    pid: service.pid,
    service,
    notices,
    writes,
    async kill() {
      killGroup(service.pid, "SIGKILL");
      await service.exited;
      live.delete(server);
    },
    async stop() {
      await service.stop();
      live.delete(server);
    },
  };
  live.add(server);
  try {
    server.url = (await service.ready).url;
  } catch (err) {
    await server.kill();
    throw err;
  }
  return server;
}

export async function killAllStorageServers(): Promise<void> {
  await Promise.all([...live].map((s) => s.kill()));
}

/** Creates a thread; resolves when the server acknowledged it (2xx). */
export async function createThread(url: string, metadata: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/threads`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ metadata }),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`POST /threads: ${res.status}`);
}

/** The `seq` of every thread the server has. */
export async function threadSeqs(url: string): Promise<Set<number>> {
  const seqs = new Set<number>();
  for (let offset = 0; ; offset += 1000) {
    const res = await fetch(`${url}/threads/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ limit: 1000, offset, select: ["metadata"] }),
    });
    if (!res.ok) throw new Error(`POST /threads/search: ${res.status}`);
    const page = (await res.json()) as { metadata?: { seq?: unknown } }[];
    for (const t of page) if (typeof t.metadata?.seq === "number") seqs.add(t.metadata.seq);
    if (page.length < 1000) return seqs;
  }
}

export interface Ack {
  seq: number;
  /** performance.now() when the 2xx arrived. */
  at: number;
}

/**
 * Writes a thread every `intervalMs` (each waiting for the previous answer) and SIGKILLs the
 * server `killAfterMs` after the first write. Returns what was acknowledged and when the kill was.
 */
export async function steadyWritesThenKill(
  server: StorageServer,
  opts: {
    firstSeq: number;
    intervalMs: number;
    killAfterMs: number;
    padding?: number;
    /** Kill instead once the first acknowledged write is this old (measured from its ack, so
     * a slow start on a loaded machine cannot leave no write old enough to judge). */
    killWhenFirstAckIsMs?: number;
  },
): Promise<{ acks: Ack[]; killedAt: number }> {
  const acks: Ack[] = [];
  const began = performance.now();
  let seq = opts.firstSeq;
  let killedAt = 0;
  const pad = "x".repeat(opts.padding ?? 0);
  let kill = () => {};
  const killer = new Promise<void>((resolve) => {
    kill = () => {
      if (killedAt !== 0) return;
      killedAt = performance.now();
      clearTimeout(timer);
      void server.kill().then(resolve);
    };
    const timer = setTimeout(kill, opts.killAfterMs);
  });
  const firstAckAge = opts.killWhenFirstAckIsMs;
  let ageTimer: NodeJS.Timeout | undefined;
  while (killedAt === 0) {
    const mine = seq++;
    try {
      await createThread(server.url, { seq: mine, pad });
      if (killedAt === 0) {
        acks.push({ seq: mine, at: performance.now() });
        if (firstAckAge !== undefined && ageTimer === undefined) ageTimer = setTimeout(kill, firstAckAge);
      }
    } catch {
      break; // the kill landed while this request was in flight: not acknowledged
    }
    const next = began + (mine - opts.firstSeq + 1) * opts.intervalMs;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  await killer;
  clearTimeout(ageTimer);
  return { acks, killedAt };
}

/** Acknowledged writes missing after the restart, split by age at the kill. */
export function losses(acks: Ack[], killedAt: number, survivors: Set<number>, windowMs = 1_500) {
  const lost = acks.filter((a) => !survivors.has(a.seq));
  return {
    lost: lost.length,
    lostOlder: lost.filter((a) => killedAt - a.at > windowMs).length,
    oldestLostAgeMs: lost.length === 0 ? 0 : Math.round(killedAt - Math.min(...lost.map((a) => a.at))),
  };
}

/**
 * Resolves when a snapshot of `file` is being written in `dir`: ours creates `<file>.tmp-<pid>`,
 * the stock server truncates and rewrites `<file>` in place. Uses inotify (fs.watch), so the
 * caller's kill follows the event within a millisecond or so.
 */
export function whenSnapshotStarts(dir: string, file: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(dir, (_event, name) => {
      if (name === file || name?.startsWith(`${file}.tmp-`)) {
        watcher.close();
        resolve();
      }
    });
    signal.addEventListener("abort", () => {
      watcher.close();
      reject(new Error("aborted"));
    });
  });
}

/** Snapshot temp files left in `dir` (a kill landed during a write). */
export async function leftoverTemps(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((f) => f.includes(".tmp-"));
}

export const OPS_FILE = ".langgraphjs_ops.json";
export const apiDir = (cwd: string) => join(cwd, ".langgraph_api");
