/**
 * The big kill loops of the LangGraph storage (issue #20; the small sample is
 * test/e2e/stack-snapshots.test.ts): steady writes killed at LGAUTH_SNAPSHOT_TRIALS (20) random
 * moments, and LGAUTH_SNAPSHOT_KILLS (50) kills in the middle of a snapshot of an
 * LGAUTH_SNAPSHOT_MB (10) MB store; each on the stock persistence first, then on ours.
 * LGAUTH_KILL_SEED replays a run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { killAllStorageServers } from "../helpers/langgraph-storage.js";
import { bigSnapshotKills, steadyKills } from "../helpers/snapshot-crash.js";

const seed = Number(process.env.LGAUTH_KILL_SEED ?? Date.now() % 1_000_000);
const trials = Number(process.env.LGAUTH_SNAPSHOT_TRIALS ?? 20);
const kills = Number(process.env.LGAUTH_SNAPSHOT_KILLS ?? 50);
const megabytes = Number(process.env.LGAUTH_SNAPSHOT_MB ?? 10);
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lgauth-snapshots-stress-"));
});
after(async () => {
  await killAllStorageServers();
  await rm(dir, { recursive: true, force: true });
});

describe("LangGraph storage under kill -9 (stress)", { timeout: 60 * 60_000 }, () => {
  test(`steady writes killed at ${trials} random moments: ours loses nothing older than 1.5 s`, async () => {
    await steadyKills({ dir: join(dir, "steady"), seed, trials, stockTrials: 3 });
  });

  test(`${kills} kills in the middle of a snapshot of a ${megabytes} MB store lose nothing older than 1.5 s`, async () => {
    await bigSnapshotKills({ dir: join(dir, "big"), seed, kills, megabytes, stockAttempts: 20 });
  });
});
