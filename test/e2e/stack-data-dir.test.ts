/**
 * The local stack's data directory against another local user: the lock that says which
 * `lgauth dev` runs a data directory, and its state file (pid, URLs, the service key), must be
 * out of their reach. A socket any user can bind (a Linux abstract socket) must neither hold
 * the directory nor make `lgauth dev stop` signal the pid it names; a data directory another
 * user owns or can write is refused with one line, and a state file planted in one (or a
 * symlink in place of ours) is not believed by profiles that follow the stack.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { localStackServers } from "../../src/session/settings.js";
import { type Stack, startStack } from "../../src/stack/index.js";
import { lockDataDir, lockHolder } from "../../src/stack/lock.js";
import { readStackState } from "../../src/stack/state.js";
import { processRunning } from "../../src/util/process.js";
import { startChild, stopAllChildren } from "../helpers/children.js";
import { lgauthInProcess } from "../helpers/lgauth-in-process.js";

let root: string;
let env: NodeJS.ProcessEnv;
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), "lgauth-data-dir-"));
  env = { ...process.env, LGAUTH_CONFIG_DIR: join(root, "config"), NO_COLOR: "1" };
});
after(async () => {
  await stopAllChildren();
  await rm(root, { recursive: true, force: true });
});

/** What a planted state file says: servers of the attacker's, "run" by a live process. */
function plantedState(dataDir: string) {
  return {
    version: 1,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    dataDir,
    supabaseUrl: "http://127.0.0.1:9/attacker",
    anonKey: "attacker-anon",
    serviceRoleKey: "attacker-service",
    langgraphUrl: null,
    oidcIssuer: null,
    pids: { auth: process.pid, langgraph: null },
    detached: false,
    logFile: null,
  };
}

/** startStack must refuse; should it start anyway, it is stopped before the test fails. */
async function refusedStart(dataDir: string): Promise<{ code?: string; message: string }> {
  const outcome = await startStack({ dataDir, only: "auth", authPort: 0, authInMemory: true, oidc: false }).then(
    (stack: Stack) => stack,
    (err: { code?: string; message: string }) => err,
  );
  if ("stop" in outcome) {
    await outcome.stop();
    assert.fail(`the stack started on ${dataDir}`);
  }
  return outcome;
}

describe("the data directory's lock", { skip: process.platform !== "linux" && "abstract sockets are Linux's" }, () => {
  let squatter: Server;
  after(() => new Promise<void>((resolve) => (squatter ? squatter.close(() => resolve()) : resolve())));

  it("a socket any user can bind neither holds the data directory nor gets lgauth dev stop to signal its pid", async () => {
    const dataDir = await mkdtemp(join(root, "squatted-"));
    // a process of the victim's that the attacker would like ended
    const victim = startChild(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    // the abstract socket name the lock used to have: anyone can compute it and bind it first
    const hash = createHash("sha256").update(realpathSync(dataDir)).digest("hex").slice(0, 32);
    let asked = 0;
    squatter = createServer((socket) => {
      asked += 1;
      socket.end(`${JSON.stringify({ pid: victim.proc.pid })}\n`);
      if (asked === 1) squatter.close(); // let an `lgauth dev stop` that believed it finish quickly
    });
    await new Promise<void>((resolve) => squatter.listen({ path: `\0lgauth-dev-${hash}` }, resolve));

    const stop = await lgauthInProcess(["dev", "stop", "--data-dir", dataDir], { env });
    assert.ok(processRunning(victim.proc.pid ?? 0), "the pid the squatter named was not signalled");
    assert.equal(stop.code, 0);
    assert.match(stop.stdout, /not running/);

    if (!squatter.listening) {
      await new Promise<void>((resolve) => squatter.listen({ path: `\0lgauth-dev-${hash}` }, resolve));
    }
    const lock = await lockDataDir(dataDir); // the squatter does not hold it
    await lock.release();
  });
});

describe("the lock as a socket file", () => {
  it("a socket file left by a killed holder is replaced by exactly one of two starts; a long path's socket is in a private temp directory", async () => {
    const dataDir = await mkdtemp(join(root, "stale-"));
    await writeFile(join(dataDir, ".lgauth-dev.sock"), ""); // nothing listens on it any more
    const outcomes = await Promise.allSettled([lockDataDir(dataDir), lockDataDir(dataDir)]);
    const won = outcomes.filter((o) => o.status === "fulfilled");
    assert.equal(won.length, 1, "one start takes the directory");
    const lost = outcomes.find((o) => o.status === "rejected");
    assert.match(String(lost?.reason), /in use by another lgauth dev \(pid \d+\)/);
    assert.deepEqual(await lockHolder(dataDir), { pid: process.pid });
    await won[0]?.value.release();
    assert.equal(await lockHolder(dataDir), undefined);

    const long = join(dataDir, "x".repeat(120));
    await mkdir(long, { mode: 0o700 });
    const lock = await lockDataDir(long);
    assert.deepEqual(await lockHolder(long), { pid: process.pid });
    const privateDir = join(tmpdir(), `lgauth-${process.getuid?.() ?? "user"}`);
    assert.equal((await stat(privateDir)).mode & 0o777, 0o700);
    await lock.release();
  });
});

describe("a data directory other users can reach", () => {
  it("one others can write is refused in one line, and a state file planted in it is not believed", async () => {
    const dataDir = await mkdtemp(join(root, "shared-"));
    await chmod(dataDir, 0o777); // as a shared directory is, or as another user left it
    const state = join(dataDir, "state.json");
    await writeFile(state, JSON.stringify(plantedState(dataDir)), { mode: 0o600 });
    if (isRoot) await chown(state, NOBODY, NOBODY);

    assert.equal(localStackServers(dataDir), undefined, "a profile following this stack does not get its URLs");
    const refused = await refusedStart(dataDir);
    assert.equal(refused.code, "data_dir_unsafe");
    assert.match(refused.message, /writable by other users/);
    assert.equal((await stat(dataDir)).mode & 0o777, 0o777, "refused as it is, not quietly chmodded");

    const status = await lgauthInProcess(["dev", "status", "--data-dir", dataDir], { env });
    assert.equal(status.code, 1);
    const lines = status.stderr.trim().split("\n");
    assert.match(lines[0] ?? "", /^lgauth: data directory .* is writable by other users \(mode 777\)/);
    assert.doesNotMatch(status.stderr, /\n\s+at /, "no stack trace");
    for (const sub of ["stop", "logs", "mail"]) {
      const r = await lgauthInProcess(["dev", sub, "--data-dir", dataDir], { env });
      assert.equal(r.code, 1, `dev ${sub}`);
      assert.match(r.stderr, /is writable by other users/, `dev ${sub}`);
    }
  });

  it("one another user owns is refused", {
    skip: !isRoot && "needs root to give a directory to another user",
  }, async () => {
    const dataDir = await mkdtemp(join(root, "theirs-"));
    await chmod(dataDir, 0o755);
    await chown(dataDir, NOBODY, NOBODY);
    const refused = await refusedStart(dataDir);
    assert.equal(refused.code, "data_dir_unsafe");
    assert.match(refused.message, new RegExp(`owned by another user \\(uid ${NOBODY}\\)`));
  });

  it("a state file is believed only as a private regular file of ours, never through a symlink", async () => {
    const dataDir = await mkdtemp(join(root, "linked-"));
    const elsewhere = join(root, "elsewhere.json");
    await writeFile(elsewhere, JSON.stringify(plantedState(dataDir)), { mode: 0o600 });
    await symlink(elsewhere, join(dataDir, "state.json"));
    assert.equal(readStackState(dataDir), undefined, "not through a symlink");
    await rm(join(dataDir, "state.json"));
    await writeFile(join(dataDir, "state.json"), JSON.stringify(plantedState(dataDir)), { mode: 0o666 });
    await chmod(join(dataDir, "state.json"), 0o666);
    assert.equal(readStackState(dataDir), undefined, "not when others can write it");
    await chmod(join(dataDir, "state.json"), 0o600);
    assert.equal(readStackState(dataDir)?.supabaseUrl, "http://127.0.0.1:9/attacker", "ours and private: read");
  });
});
