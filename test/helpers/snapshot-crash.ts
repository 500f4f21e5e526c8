/**
 * The kill loops of the storage crash tests (test/e2e/stack-snapshots.test.ts runs a small
 * sample, test/stress/snapshots.test.ts the big one). Each prints one line of counts.
 */
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import {
  type Ack,
  apiDir,
  createThread,
  leftoverTemps,
  losses,
  OPS_FILE,
  type StorageServer,
  startStorageServer,
  steadyWritesThenKill,
  threadSeqs,
  whenSnapshotStarts,
} from "./langgraph-storage.js";
import { seeded } from "./seeded.js";

const WINDOW_MS = 1_500;

/**
 * Steady writes, killed at random moments. Stock: `stockTrials` kills, each must lose writes
 * older than 1.5 s (the loss shown). Ours: `trials` kills in a row on one data directory, each
 * losing nothing acknowledged more than 1.5 s before it (and nothing of earlier trials).
 */
/** The stock server's snapshot debounce (langgraph-api's FileSystemPersistence: 3 s after the last write). */
const STOCK_QUIET_MS = 3_000;

export async function steadyKills(opts: { dir: string; seed: number; trials: number; stockTrials: number }) {
  const random = seeded(opts.seed);
  const counts = {
    stockKills: 0,
    stockLostOlder: 0,
    stockAcked: 0,
    kills: 0,
    acked: 0,
    lost: 0,
    lostOlder: 0,
    worstMs: 0,
    snapshots: 0,
    slowestSnapshotMs: 0,
  };
  // stock
  for (let i = 0, attempt = 0; i < opts.stockTrials; attempt++) {
    const cwd = join(opts.dir, `stock-${attempt}`);
    const server = await startStorageServer(cwd, { stock: true });
    const { acks, killedAt } = await steadyWritesThenKill(server, {
      firstSeq: 0,
      intervalMs: 100,
      // from the first ack, not from the start: under load the server's first answers can take
      // over a second, and a kill 2 s after the start then found no write older than 1.5 s
      killAfterMs: 30_000,
      killWhenFirstAckIsMs: 2_000 + Math.floor(random() * 1_000),
    });
    // the stock server saves after 3 s without a write: a machine that stalled the writer that
    // long (heavy load) gave it the quiet it needs, and the trial shows nothing; run another
    const quiet = Math.max(0, ...acks.slice(1).map((a, k) => a.at - (acks[k]?.at ?? a.at)));
    if (quiet >= STOCK_QUIET_MS - 500 && attempt < 4) {
      await server.stop().catch(() => {});
      continue;
    }
    const restarted = await startStorageServer(cwd, { stock: true });
    const l = losses(acks, killedAt, await threadSeqs(restarted.url), WINDOW_MS);
    await restarted.stop();
    counts.stockKills += 1;
    counts.stockAcked += acks.length;
    counts.stockLostOlder += l.lostOlder;
    assert.ok(acks.length > 15, "the writes were acknowledged");
    assert.ok(
      l.lostOlder > 0,
      `stock kept every write older than ${WINDOW_MS} ms (seed ${opts.seed}; longest pause between writes ${Math.round(quiet)} ms)`,
    );
    i++;
  }
  // ours: one data directory, the restarted server is the next trial's
  const cwd = join(opts.dir, "ours");
  let server: StorageServer = await startStorageServer(cwd, { stock: false });
  const all: Ack[] = [];
  let seq = 0;
  for (let i = 0; i < opts.trials; i++) {
    const { acks, killedAt } = await steadyWritesThenKill(server, {
      firstSeq: seq,
      intervalMs: 100,
      killAfterMs: 1_000 + Math.floor(random() * 2_000),
    });
    seq += acks.length + 2;
    const slowest = Math.max(0, ...server.writes.map((w) => w.sinceChangeMs));
    counts.slowestSnapshotMs = Math.max(counts.slowestSnapshotMs, slowest);
    counts.snapshots += server.writes.length;
    server = await startStorageServer(cwd, { stock: false });
    const survivors = await threadSeqs(server.url);
    const l = losses(acks, killedAt, survivors, WINDOW_MS);
    const earlierLost = all.filter((a) => !survivors.has(a.seq)).length;
    all.push(...acks.filter((a) => survivors.has(a.seq)));
    counts.kills += 1;
    counts.acked += acks.length;
    counts.lost += l.lost;
    counts.lostOlder += l.lostOlder + earlierLost;
    counts.worstMs = Math.max(counts.worstMs, l.oldestLostAgeMs);
    assert.equal(earlierLost, 0, `kill ${i} lost writes of earlier trials (seed ${opts.seed})`);
    assert.equal(
      l.lostOlder,
      0,
      `kill ${i} lost ${l.lostOlder} writes acknowledged more than ${WINDOW_MS} ms before it (oldest ${l.oldestLostAgeMs} ms; slowest snapshot before it: ${slowest} ms from first change to on disk; load ${loadavg()[0]?.toFixed(1)}; seed ${opts.seed})`,
    );
  }
  await server.stop();
  console.log(
    `snapshots steady: seed=${opts.seed} stock kills=${counts.stockKills} acked=${counts.stockAcked} lost-older-than-1.5s=${counts.stockLostOlder}; ` +
      `ours kills=${counts.kills} acked=${counts.acked} lost=${counts.lost} lost-older-than-1.5s=${counts.lostOlder} oldest-lost=${counts.worstMs}ms ` +
      `snapshots=${counts.snapshots} slowest-change-to-disk=${counts.slowestSnapshotMs}ms`,
  );
  return counts;
}

/** Fills a server with about `megabytes` MB of threads (20 KB of metadata each), 8 requests at a time. */
async function fill(server: StorageServer, megabytes: number): Promise<number> {
  const n = Math.ceil((megabytes * 1_000_000) / 20_000);
  const pad = "p".repeat(20_000);
  for (let i = 0; i < n; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, n - i) }, (_, k) => createThread(server.url, { seq: 1_000_000 + i + k, pad })),
    );
  }
  return n;
}

async function sizeOf(file: string): Promise<number> {
  return (await stat(file).catch(() => undefined))?.size ?? 0;
}

/** Until `check` or `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/**
 * A large store, then kills the moment a snapshot starts being written. Stock: until one kill
 * leaves a torn file (at most `stockAttempts`); the restart must come up empty (the loss shown).
 * Ours: `kills` kills, each restart holding every write acknowledged more than 1.5 s before.
 */
export async function bigSnapshotKills(opts: {
  dir: string;
  seed: number;
  kills: number;
  megabytes: number;
  stockAttempts?: number;
}) {
  const counts = {
    stockAttempts: 0,
    stockTorn: 0,
    stockEmptyAfter: 0,
    kills: 0,
    midSnapshot: 0,
    lostOlder: 0,
    bytes: 0,
  };
  // stock: drive it until a torn write happens
  {
    const cwd = join(opts.dir, "stock");
    const file = join(apiDir(cwd), OPS_FILE);
    let server = await startStorageServer(cwd, { stock: true });
    const n = await fill(server, opts.megabytes);
    // the stock server writes 3 s after the last access
    assert.ok(await until(async () => (await sizeOf(file)) > n * 20_000, 30_000), "the stock server saved the store");
    const full = await sizeOf(file);
    for (let attempt = 0; attempt < (opts.stockAttempts ?? 10); attempt++) {
      counts.stockAttempts += 1;
      const abort = new AbortController();
      const started = whenSnapshotStarts(apiDir(cwd), OPS_FILE, abort.signal);
      await createThread(server.url, { seq: attempt });
      await started;
      await server.kill();
      const size = await sizeOf(file);
      if (size >= full) {
        server = await startStorageServer(cwd, { stock: true }); // missed the write: again
        continue;
      }
      counts.stockTorn += 1;
      server = await startStorageServer(cwd, { stock: true });
      const kept = (await threadSeqs(server.url)).size;
      if (kept === 0) counts.stockEmptyAfter += 1;
      assert.equal(
        kept,
        0,
        `after a torn write (${size} of ${full} bytes) the stock server started with ${kept} threads`,
      );
      break;
    }
    await server.stop();
    assert.equal(counts.stockTorn, 1, `no torn write in ${counts.stockAttempts} attempts on the stock server`);
  }
  // ours
  {
    const cwd = join(opts.dir, "ours");
    const file = join(apiDir(cwd), OPS_FILE);
    let server = await startStorageServer(cwd, { stock: false });
    const n = await fill(server, opts.megabytes);
    // the whole store is on disk (a snapshot within a second): from here on no kill may lose it
    assert.ok(await until(async () => (await sizeOf(file)) > n * 20_000, 30_000), "the store was saved");
    const acks: Ack[] = [];
    for (let i = 0; i < n; i += 1) acks.push({ seq: 1_000_000 + i, at: Number.NEGATIVE_INFINITY });
    for (let k = 0; k < opts.kills; k++) {
      const abort = new AbortController();
      const started = whenSnapshotStarts(apiDir(cwd), OPS_FILE, abort.signal);
      await createThread(server.url, { seq: k });
      acks.push({ seq: k, at: performance.now() });
      await started;
      const killedAt = performance.now();
      await server.kill();
      counts.kills += 1;
      if ((await leftoverTemps(apiDir(cwd))).length > 0) counts.midSnapshot += 1;
      counts.bytes = Math.max(counts.bytes, await sizeOf(file));
      server = await startStorageServer(cwd, { stock: false });
      const survivors = await threadSeqs(server.url);
      const l = losses(acks, killedAt, survivors, WINDOW_MS);
      counts.lostOlder += l.lostOlder;
      assert.equal(l.lostOlder, 0, `kill ${k} in a snapshot lost ${l.lostOlder} writes older than ${WINDOW_MS} ms`);
      // a write this kill was allowed to lose (the last 1.5 s) is not counted again at the next
      for (let i = acks.length - 1; i >= 0; i--) if (!survivors.has(acks[i]?.seq ?? -1)) acks.splice(i, 1);
      assert.deepEqual(server.notices, [], "nothing to recover: the snapshot on disk was whole");
    }
    await server.stop();
  }
  console.log(
    `snapshots big: seed=${opts.seed} size=${(counts.bytes / 1e6).toFixed(1)}MB stock attempts=${counts.stockAttempts} torn=${counts.stockTorn} started-empty=${counts.stockEmptyAfter}; ` +
      `ours kills=${counts.kills} mid-snapshot=${counts.midSnapshot} lost-older-than-1.5s=${counts.lostOlder}`,
  );
  return counts;
}
