/**
 * `lgauth dev status | stop | mail` with no --data-dir look at the default data directory. A
 * newcomer who started the stack with `--data-dir D` and then types `lgauth dev stop` is told
 * where the stack their profiles follow runs, rather than only "not running" while it runs on.
 * The running stack is stood in for by its real lock (src/stack/lock.ts), held by this process.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type DataDirLock, lockDataDir } from "../../src/stack/lock.js";
import { lgauthInProcess } from "../helpers/lgauth-in-process.js";

describe("dev status, stop and mail without --data-dir", () => {
  let dir: string;
  let followed: string;
  let lock: DataDirLock;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lgauth-cmd-dev-service-"));
    followed = join(dir, "followed");
    const config = join(dir, "config");
    await mkdir(followed, { mode: 0o700 });
    await mkdir(join(dir, "default"), { mode: 0o700 });
    await mkdir(config, { mode: 0o700 });
    await writeFile(
      join(config, "config.json"),
      JSON.stringify({ version: 1, defaults: { localStack: followed }, profiles: {} }),
      { mode: 0o600 },
    );
    lock = await lockDataDir(followed);
    env = {
      PATH: process.env.PATH,
      HOME: dir,
      LGAUTH_CONFIG_DIR: config,
      LGAUTH_DATA_DIR: join(dir, "default"),
      NO_COLOR: "1",
    };
  });
  after(async () => {
    await lock.release();
    await rm(dir, { recursive: true, force: true });
  });

  test("point at the stack the profiles follow when none runs in the default data directory", async () => {
    const status = await lgauthInProcess(["dev", "status"], { env });
    assert.equal(status.code, 1);
    assert.equal(
      status.stdout,
      `lgauth dev: not running (data directory ${join(dir, "default")}); the stack your profiles follow runs in ${followed}: \`lgauth dev status --data-dir ${followed}\`\n`,
    );
    const stop = await lgauthInProcess(["dev", "stop"], { env });
    assert.equal(stop.code, 0);
    assert.equal(
      stop.stdout,
      `lgauth dev: not running (data directory ${join(dir, "default")}); the stack your profiles follow runs in ${followed}: \`lgauth dev stop --data-dir ${followed}\`\n`,
    );
    const mail = await lgauthInProcess(["dev", "mail"], { env });
    assert.equal(mail.code, 1);
    assert.equal(
      mail.stderr,
      `lgauth: the local stack in ${join(dir, "default")} is not running (the stack your profiles follow runs in ${followed}: \`lgauth dev mail --data-dir ${followed}\`)\n`,
    );
    // --data-dir names the directory: nothing is guessed
    const named = await lgauthInProcess(["dev", "stop", "--data-dir", join(dir, "default")], { env });
    assert.equal(named.stdout, `lgauth dev: not running (data directory ${join(dir, "default")})\n`);
  });
});
