/**
 * The LangGraph child's storage under kill -9 (issue #20), each loss shown on the stock
 * server's persistence first, then held by ours (src/stack/snapshots.ts), with real processes:
 *  - steady writes (a thread every 100 ms) killed at a random moment: stock loses every write
 *    (its 3 s quiet period never passes); ours loses at most the last 1.5 s;
 *  - a kill in the middle of a large snapshot: stock leaves a torn file and starts empty; ours
 *    keeps the previous snapshot and loses nothing older than 1.5 s.
 * npm test runs a small sample; test:stress runs the big loops (test/stress/snapshots.test.ts,
 * LGAUTH_SNAPSHOT_TRIALS, LGAUTH_SNAPSHOT_KILLS, LGAUTH_SNAPSHOT_MB). Kill moments come from a
 * seeded generator (LGAUTH_KILL_SEED replays a run).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { killAllStorageServers } from "../helpers/langgraph-storage.js";
import { bigSnapshotKills, steadyKills } from "../helpers/snapshot-crash.js";

const seed = Number(process.env.LGAUTH_KILL_SEED ?? Date.now() % 1_000_000);
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lgauth-snapshots-e2e-"));
});
after(async () => {
  await killAllStorageServers();
  await rm(dir, { recursive: true, force: true });
});

describe("LangGraph storage under kill -9 (small sample; test:stress runs the big loops)", () => {
  test("steady writes killed at a random moment: stock loses them all, ours at most the last 1.5 s", async () => {
    await steadyKills({ dir: join(dir, "steady"), seed, trials: 1, stockTrials: 1 });
  });

  test("a kill in the middle of a large snapshot: stock starts empty, ours loses nothing older than 1.5 s", async () => {
    await bigSnapshotKills({ dir: join(dir, "big"), seed, kills: 1, megabytes: 1 });
  });
});
