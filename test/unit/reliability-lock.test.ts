/**
 * The profile lock after a `kill -9`: a holder killed between creating the lock file and
 * writing its pid leaves an empty file. Found by the kill-during-refresh stress run (the next
 * command waited 10 s and failed with "timed out waiting for lock"); now an empty lock older
 * than 2 s is broken, while a fresh one (a live holder about to write its pid) is respected.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { LockTimeoutError, withFileLock } from "../../src/session/lock.js";

describe("reliability: locks left behind by a killed process", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lgauth-lock-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("breaks an empty lock file older than 2 s", async () => {
    const path = join(dir, "empty-old.lock");
    await writeFile(path, "");
    const past = new Date(Date.now() - 3_000);
    await utimes(path, past, past);
    const started = Date.now();
    assert.equal(await withFileLock(path, async () => "ran", 1_000), "ran");
    assert.ok(Date.now() - started < 1_000);
  });

  it("respects a fresh empty lock file (its holder is about to write its pid)", async () => {
    const path = join(dir, "empty-new.lock");
    await writeFile(path, "");
    await assert.rejects(
      withFileLock(path, async () => "ran", 300),
      (e: unknown) => e instanceof LockTimeoutError,
    );
  });

  it("breaks a lock whose pid is dead, respects one whose pid lives", async () => {
    const dead = join(dir, "dead.lock");
    await writeFile(dead, "2147483646");
    assert.equal(await withFileLock(dead, async () => "ran", 1_000), "ran");
    const live = join(dir, "live.lock");
    await writeFile(live, String(process.pid));
    await assert.rejects(
      withFileLock(live, async () => "ran", 300),
      LockTimeoutError,
    );
  });
});
