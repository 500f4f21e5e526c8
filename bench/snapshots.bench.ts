/**
 * What the LangGraph child's crash-safe snapshots (src/stack/snapshots.ts) cost, for
 * `npm run bench`; also runnable alone: `npx tsx bench/snapshots.bench.ts`.
 *  1. a chat turn (create a thread, run the chat graph to the end: POST /threads/{id}/runs/wait)
 *     on our snapshots vs the stock persistence, two servers alternating, small store;
 *  2. the same with a 10 MB store (500 threads of 20 KB metadata) in each server;
 *  3. one snapshot of that 10 MB store: serialize, and write (temp file, fsync, rename), in ms.
 * The stock server never writes while turns keep coming (its 3 s quiet period never passes),
 * so its figure is the cost of no durability at all.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLangGraphService } from "../src/stack/launchers.js";
import { importPersistModule } from "../src/stack/persist-module.js";
import { writeSnapshotFile } from "../src/stack/snapshots.js";
import { compare, fmt, markdownTable, ratioRow, type Row, summarize } from "./lib.js";

const TURNS = Number(process.env.BENCH_SNAPSHOT_TURNS ?? 60);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${(await res.text()).slice(0, 200)}`);
  return res.json();
}

async function chatTurn(url: string): Promise<number> {
  const began = performance.now();
  const thread = (await post(`${url}/threads`, { metadata: { bench: true } })) as { thread_id: string };
  await post(`${url}/threads/${thread.thread_id}/runs/wait`, {
    assistant_id: "agent",
    input: { messages: [{ role: "user", content: "hello there, how are you today?" }] },
  });
  return performance.now() - began;
}

async function fill(url: string, megabytes: number): Promise<void> {
  const n = Math.ceil((megabytes * 1_000_000) / 20_000);
  const pad = "p".repeat(20_000);
  for (let i = 0; i < n; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, n - i) }, (_, k) => post(`${url}/threads`, { metadata: { i: i + k, pad } })),
    );
  }
}

export async function snapshotFigures(): Promise<Row[]> {
  const work = await mkdtemp(join(tmpdir(), "lgauth-bench-snap-"));
  const servers: { stop(): Promise<void> }[] = [];
  const start = async (name: string, stock: boolean) => {
    const cwd = join(work, name);
    await mkdir(cwd);
    const service = await startLangGraphService({
      launcher: "startServer",
      host: "127.0.0.1",
      port: 0,
      cwd,
      // an idle LangGraph worker sleeps 0-1 s at random between looks at the queue
      // (langgraph-api dist/queue.mjs): with 2 workers that pickup wait (a third of a second on
      // average) swamped what a turn costs once streams ended with their runs (run-done.ts);
      // 16 workers bring it to ~60 ms, the same for both servers
      nWorkers: 16,
      withAuth: false,
      env: { ...process.env, LGAUTH_OFFLINE_TOKEN_DELAY_MS: "0" },
      log: undefined,
      readyTimeoutMs: 120_000,
      ...(stock ? { stockStorage: true } : {}),
    });
    servers.push(service);
    return { url: (await service.ready).url, cwd };
  };
  try {
    const ours = await start("ours", false);
    const stock = await start("stock", true);
    log("chat turn, small store: ours vs stock persistence");
    const small = await compare(
      () => chatTurn(ours.url),
      () => chatTurn(stock.url),
      TURNS,
    );
    log("filling both stores to 10 MB");
    await fill(ours.url, 10);
    await fill(stock.url, 10);
    log("chat turn, 10 MB store: ours vs stock persistence");
    const big = await compare(
      () => chatTurn(ours.url),
      () => chatTurn(stock.url),
      TURNS,
    );
    // one snapshot of the 10 MB store, in this process, with the server's own serializer
    await new Promise((r) => setTimeout(r, 1_500)); // ours has written its last snapshot
    const mod = await importPersistModule();
    const file = join(ours.cwd, ".langgraph_api", ".langgraphjs_ops.json");
    const data = await mod.deserialize(await readFile(file, "utf8"));
    const serializeMs: number[] = [];
    const writeMs: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const text = mod.serialize(data);
      const t1 = performance.now();
      await writeSnapshotFile(join(work, "snapshot.json"), text);
      serializeMs.push(t1 - t0);
      writeMs.push(performance.now() - t1);
      bytes = Buffer.byteLength(text);
    }
    const s = summarize(serializeMs);
    const w = summarize(writeMs);
    return [
      ratioRow(
        "chat turn (thread + run to the end), crash-safe snapshots, small store",
        "stock persistence (writes nothing meanwhile)",
        small,
        "ms",
        "report; <= 1.2x",
        (r) => r <= 1.2,
      ),
      ratioRow(
        "chat turn, crash-safe snapshots, 10 MB store",
        "stock persistence, 10 MB store",
        big,
        "ms",
        "report",
        () => true,
      ),
      {
        figure: `one snapshot of a ${(bytes / 1e6).toFixed(1)} MB store: serialize (blocks the server) + write (temp, fsync, rename)`,
        baseline: "-",
        value: `${fmt(s.median)} + ${fmt(w.median)} ms`,
        spread: `serialize ${fmt(s.min)}–${fmt(s.max)}, write ${fmt(w.min)}–${fmt(w.max)} ms (min–max, n=${s.n})`,
        target: "report; on disk <= 1 s after a write",
        ok: s.median + w.median + 600 <= 1_000,
      },
    ];
  } finally {
    for (const s of servers) await s.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await snapshotFigures();
  process.stdout.write(`${markdownTable(rows)}\n`);
}
