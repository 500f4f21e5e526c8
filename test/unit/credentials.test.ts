/**
 * Credential stores against the real keychain (gnome-keyring in a private D-Bus session, both
 * keytar providers) and the real file system. Under CI=true a missing keyring fails the suite.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CHUNK_SIZE, ChunkedEntries, type EntryBackend, chunkAccount } from "../../src/session/credentials/chunking.js";
import { FileStore } from "../../src/session/credentials/file.js";
import {
  KeychainStore,
  type KeychainProvider,
  SERVICE,
  loadProviderNamed,
} from "../../src/session/credentials/keychain.js";
import { KeychainTimeoutError } from "../../src/session/credentials/types.js";
import { type KeyringSession, keyringSkip, startKeyringSession } from "../helpers/keyring.js";

const noKeyring = keyringSkip();

let keyring: KeyringSession | undefined;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lgauth-cred-"));
  if (noKeyring) return;
  keyring = await startKeyringSession();
  // libsecret and @napi-rs/keyring read the session bus address when they first connect.
  for (const k of ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "HOME", "XDG_DATA_HOME"]) {
    process.env[k] = keyring.env[k];
  }
});
after(async () => {
  await keyring?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Records every primitive call; `failAt` makes the n-th set throw (a crash at that point). */
class RecordingBackend implements EntryBackend {
  entries = new Map<string, string>();
  sets = 0;
  failAt = -1;
  async get(a: string) {
    return this.entries.get(a) ?? null;
  }
  async set(a: string, v: string) {
    if (this.sets++ === this.failAt) throw new Error("crash");
    this.entries.set(a, v);
  }
  async delete(a: string) {
    this.entries.delete(a);
  }
}

describe("chunking (values over 1,200 characters)", () => {
  const long = "x".repeat(CHUNK_SIZE * 3 + 17);
  test("a long value is split into entries of at most 1,200 characters and read back whole", async () => {
    const b = new RecordingBackend();
    const c = new ChunkedEntries(b);
    await c.set("acct", long);
    assert.equal(await c.get("acct"), long);
    assert.equal(b.entries.size, 5, "header plus four chunks");
    for (const v of b.entries.values()) assert.ok(v.length <= CHUNK_SIZE);
  });
  test("short values stay in one entry; replacing long by short removes the chunks", async () => {
    const b = new RecordingBackend();
    const c = new ChunkedEntries(b);
    await c.set("acct", long);
    await c.set("acct", "short");
    assert.deepEqual([...b.entries.entries()], [["acct", "short"]]);
    await c.delete("acct");
    assert.equal(b.entries.size, 0);
    assert.equal(await c.get("acct"), null);
  });
  test("a crash while writing new chunks leaves the old value readable", async () => {
    for (let failAt = 0; failAt < 5; failAt++) {
      const b = new RecordingBackend();
      const c = new ChunkedEntries(b);
      await c.set("acct", long);
      b.sets = 0;
      b.failAt = failAt;
      const next = "y".repeat(CHUNK_SIZE * 3 + 5);
      await assert.rejects(c.set("acct", next));
      assert.equal(await c.get("acct"), long, `crash at write ${failAt}`);
    }
  });
  test("a value that looks like our header is itself chunked, never misread", async () => {
    const b = new RecordingBackend();
    const c = new ChunkedEntries(b);
    const tricky = "lgauth-chunked:1:abcdef012345:2";
    await c.set("acct", tricky);
    assert.equal(await c.get("acct"), tricky);
    assert.ok(b.entries.has(chunkAccount("acct", (b.entries.get("acct") ?? "").split(":")[2] ?? "", 0)));
  });
});

describe("file store (consent-only fallback)", () => {
  test("0600 file in a 0700 directory, atomic replace, nothing left behind", async () => {
    const d = join(dir, "cfg-a");
    const store = new FileStore(join(d, "credentials.json"));
    await store.set("p@h", "refresh-1");
    await store.set("p@h#access", "access-1");
    assert.equal((await stat(store.path)).mode & 0o777, 0o600);
    assert.equal((await stat(d)).mode & 0o777, 0o700);
    assert.equal(await store.get("p@h"), "refresh-1");
    await store.delete("p@h");
    assert.equal(await store.get("p@h"), null);
    assert.equal(await store.get("p@h#access"), "access-1");
    const left = (await readdir(d)).filter((n) => n !== "credentials.json");
    assert.deepEqual(left, [], "no temp or lock files remain");
  });
  test("a corrupt file is reported and never overwritten", async () => {
    const d = join(dir, "cfg-b");
    const store = new FileStore(join(d, "credentials.json"));
    await store.set("a", "1");
    await writeFile(store.path, "{not json", { mode: 0o600 });
    await assert.rejects(store.get("a"), /credentials file .* is not valid/);
    await assert.rejects(store.set("b", "2"), /is not valid/);
    assert.equal(await readFile(store.path, "utf8"), "{not json");
  });
  test("a loosened mode is tightened back to 0600 on read", async () => {
    const d = join(dir, "cfg-c");
    const store = new FileStore(join(d, "credentials.json"));
    await store.set("a", "1");
    const { chmod } = await import("node:fs/promises");
    await chmod(store.path, 0o644);
    assert.equal(await store.get("a"), "1");
    assert.equal((await stat(store.path)).mode & 0o777, 0o600);
  });
  test("eight processes writing at once lose no entry (lock + atomic rename)", async () => {
    const path = join(dir, "cfg-d", "credentials.json");
    const script = `
      const { FileStore } = await import(${JSON.stringify(new URL("../../src/session/credentials/file.ts", import.meta.url).href)});
      const s = new FileStore(process.argv[1]);
      for (let i = 0; i < 5; i++) await s.set("acct-" + process.argv[2] + "-" + i, "v" + i);
    `;
    const runs = Array.from(
      { length: 8 },
      (_, n) =>
        new Promise<number | null>((resolve) => {
          const p = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, path, String(n)], {
            stdio: ["ignore", "ignore", "inherit"],
          });
          p.on("exit", resolve);
        }),
    );
    assert.deepEqual(await Promise.all(runs), Array(8).fill(0));
    const data = JSON.parse(await readFile(path, "utf8")) as { entries: Record<string, string> };
    assert.equal(Object.keys(data.entries).length, 40);
  });
});

for (const which of ["keytar", "napi"] as const) {
  describe(`keychain store via ${which} (real gnome-keyring)`, { skip: noKeyring }, () => {
    let provider: KeychainProvider;
    before(async () => {
      provider = await loadProviderNamed(which);
    });

    test("set, get, overwrite, delete; a missing entry reads as null", async () => {
      const store = new KeychainStore(provider);
      const acct = `unit-${which}@127.0.0.1:1`;
      assert.equal(await store.get(acct), null);
      await store.set(acct, "refresh-a");
      assert.equal(await store.get(acct), "refresh-a");
      await store.set(acct, "refresh-b");
      assert.equal(await store.get(acct), "refresh-b");
      await store.delete(acct);
      assert.equal(await store.get(acct), null);
      await store.delete(acct); // deleting a missing entry is fine
    });

    test("values over 1,200 characters are chunked in the keychain and read back", async () => {
      const store = new KeychainStore(provider);
      const acct = `long-${which}@127.0.0.1:1`;
      const value = "eyJ".concat("a".repeat(5000));
      await store.set(acct, value);
      assert.equal(await store.get(acct), value);
      const head = await provider.api.getPassword(SERVICE, acct);
      assert.match(head ?? "", /^lgauth-chunked:1:[0-9a-f]+:5$/);
      await store.delete(acct);
      const generation = (head ?? "").split(":")[2] ?? "";
      assert.equal(await provider.api.getPassword(SERVICE, chunkAccount(acct, generation, 0)), null);
    });

    test("the secret is visible to the Secret Service under service lgauth (secret-tool)", async () => {
      const store = new KeychainStore(provider);
      const acct = `visible-${which}@127.0.0.1:1`;
      await store.set(acct, "needle-value-123");
      const attr = which === "keytar" ? "account" : "username";
      const r = spawnSync("secret-tool", ["lookup", "service", SERVICE, attr, acct], {
        env: keyring?.env,
        encoding: "utf8",
      });
      assert.equal(r.stdout, "needle-value-123");
      await store.delete(acct);
    });

    test("a hung Secret Service makes reads fail after the timeout with a clear error", async () => {
      const pid = keyringDaemonPid(keyring?.home ?? "");
      const store = new KeychainStore(provider, { readMs: 400, writeMs: 400 });
      process.kill(pid, "SIGSTOP"); // a real fault: the daemon owns its bus name but answers nothing
      try {
        const started = Date.now();
        await assert.rejects(store.get(`hang-${which}@h`), (err: unknown) => {
          assert.ok(err instanceof KeychainTimeoutError, String(err));
          assert.match((err as Error).message, /did not answer a read within 0.4 s/);
          return true;
        });
        // keytar honours our 0.4 s; @napi-rs/keyring blocks until D-Bus gives up (about 2 s).
        assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
      } finally {
        process.kill(pid, "SIGCONT");
      }
    });
  });
}

/** The gnome-keyring-daemon started for this test's private HOME (found by its environment). */
function keyringDaemonPid(home: string): number {
  const r = spawnSync("sh", ["-c", "ls /proc | grep -E '^[0-9]+$'"], { encoding: "utf8" });
  for (const pid of r.stdout.split("\n").filter(Boolean)) {
    try {
      const cmd = require_("fs").readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmd.includes("gnome-keyring-daemon")) continue;
      const environ = require_("fs").readFileSync(`/proc/${pid}/environ`, "utf8");
      if (environ.split("\0").includes(`HOME=${home}`)) return Number(pid);
    } catch {
      // process gone or not ours
    }
  }
  throw new Error("gnome-keyring-daemon of the test session not found");
}

import { createRequire } from "node:module";
const require_ = createRequire(import.meta.url) as (m: "fs") => typeof import("node:fs");
