/**
 * The LangGraph child's crash-safe snapshots (src/stack/snapshots.ts) against the real
 * @langchain/langgraph-api persistence module, in this process:
 *  - the pin: every fact about langgraph-api that our change relies on; an upgrade that changes
 *    one fails here first, naming what to review;
 *  - snapshots under continuous writes (the stock class writes none until writes stop);
 *  - the write: temp file, rename, the previous one kept as .prev, 0600, nothing left behind;
 *  - start-up: an unreadable snapshot is moved aside and the previous one loaded (with a notice),
 *    nothing readable refuses to start, --reset-data starts empty on purpose.
 * The crash tests with real processes are test/e2e/stack-snapshots.test.ts.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { importPersistModule, persistModuleUrl } from "../../src/stack/persist-module.js";
import {
  installSnapshots,
  loadSnapshot,
  type PersistModule,
  SnapshotUnreadableError,
  writeSnapshotFile,
} from "../../src/stack/snapshots.js";

/** sha256 of dist/storage/persist.mjs in @langchain/langgraph-api 1.5.1, the code snapshots.ts was written against. */
const PERSIST_SHA256 = "127d8a480f67026a95197e424ba9c6669da0856ac19bd4c2a29746851251e21a";
const REVIEW =
  "@langchain/langgraph-api changed its storage: review src/stack/snapshots.ts (and docs/production.md) against it, then update this pin";

const dist = fileURLToPath(new URL(".", import.meta.resolve("@langchain/langgraph-api/server")));
const source = (file: string) => readFileSync(join(dist, file), "utf8");

let dir: string;
let mod: PersistModule;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lgauth-snapshots-"));
  mod = await importPersistModule();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("pin: what src/stack/snapshots.ts relies on in @langchain/langgraph-api", () => {
  test("persist.mjs is the code our replacement was written against", () => {
    const require = createRequire(import.meta.url);
    const version = (require("@langchain/langgraph-api/package.json") as { version: string }).version;
    const hash = createHash("sha256").update(source("storage/persist.mjs")).digest("hex");
    assert.equal(hash, PERSIST_SHA256, `${REVIEW} (installed: ${version})`);
  });

  test("the three stores are FileSystemPersistence instances from that module, initialized and flushed by the server", () => {
    const server = source("server.mjs");
    assert.match(server, /import \{ FileSystemPersistence \} from "\.\/storage\/persist\.mjs";/, REVIEW);
    assert.match(server, /new FileSystemPersistence\("\.langgraphjs_ops\.json"/, REVIEW);
    assert.match(server, /checkpointer\.initialize\(options\.cwd\)/, REVIEW);
    assert.match(server, /graphStore\.initialize\(options\.cwd\)/, REVIEW);
    assert.match(server, /opsConn\.initialize\(options\.cwd\)/, REVIEW);
    assert.match(server, /callbacks\.map\(\(c\) => c\.flush\(\)\)/, REVIEW);
    for (const [file, name] of [
      ["storage/checkpoint.mjs", ".langgraphjs_api.checkpointer.json"],
      ["storage/store.mjs", ".langgraphjs_api.store.json"],
    ] as const) {
      const text = source(file);
      assert.match(text, /import \{ FileSystemPersistence \} from "\.\/persist\.mjs";/, `${file}: ${REVIEW}`);
      assert.ok(text.includes(`new FileSystemPersistence("${name}"`), `${file}: ${REVIEW}`);
    }
    // nothing else in the package constructs or subclasses it
    const users: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith(".mjs") && readFileSync(join(d, e.name), "utf8").includes("FileSystemPersistence"))
          users.push(join(d, e.name).slice(dist.length));
      }
    };
    walk(dist);
    assert.deepEqual(users.sort(), [
      "server.mjs",
      "storage/checkpoint.mjs",
      "storage/persist.mjs",
      "storage/store.mjs",
    ]);
  });

  test("importing persist.mjs by URL gives the server modules' class: the checkpointer loads through our initialize", async () => {
    assert.equal(
      persistModuleUrl(),
      new URL("./storage/persist.mjs", import.meta.resolve("@langchain/langgraph-api/server")).href,
    );
    const cwd = join(dir, "pin-cwd");
    const api = join(cwd, ".langgraph_api");
    const restore = installSnapshots(mod, { notice: () => {} });
    try {
      await mkdir(api, { recursive: true });
      await writeFile(join(api, ".langgraphjs_api.checkpointer.json"), '{"json":{"stor');
      const checkpoint = (await import(new URL("./checkpoint.mjs", persistModuleUrl()).href)) as {
        checkpointer: { initialize(cwd: string): Promise<unknown> };
      };
      // stock: starts empty, silently; ours: no previous snapshot, so it refuses
      await assert.rejects(checkpoint.checkpointer.initialize(cwd), SnapshotUnreadableError);
      assert.ok((await readdir(api)).some((f) => f.startsWith(".langgraphjs_api.checkpointer.json.corrupt-")));
    } finally {
      restore();
    }
  });
});

interface Conn {
  initialize(cwd: string): Promise<unknown>;
  with<T>(fn: (data: { items: Record<string, number> }) => T): Promise<T>;
  flush(): Promise<void>;
}
const newConn = (name: string): Conn => {
  const Cls = mod.FileSystemPersistence as unknown as new (n: string, schema: () => unknown) => Conn;
  return new Cls(name, () => ({ items: {} }));
};

describe("snapshots under continuous writes", () => {
  test("stock: nothing is written while writes keep coming; ours: snapshots are taken meanwhile", async () => {
    const written = { stock: 0, ours: 0 };
    for (const mode of ["stock", "ours"] as const) {
      const cwd = join(dir, `steady-${mode}`);
      const restore =
        mode === "ours"
          ? installSnapshots(mod, {
              quietMs: 20,
              maxWaitMs: 100,
              onWrite: () => {
                written.ours += 1;
              },
            })
          : () => {};
      try {
        const conn = newConn(".steady.json");
        await conn.initialize(cwd);
        const file = join(cwd, ".langgraph_api", ".steady.json");
        // a write every 10 ms for 800 ms: more than the stock 3 s quiet period never passes
        for (let i = 0; i < 80; i++) {
          await conn.with((d) => {
            d.items[`k${i}`] = i;
          });
          if (mode === "stock" && (await stat(file).catch(() => undefined))) written.stock += 1;
          await new Promise((r) => setTimeout(r, 10));
        }
        if (mode === "ours") {
          const onDisk = (await mod.deserialize(await readFile(file, "utf8"))) as { items: Record<string, number> };
          assert.ok(Object.keys(onDisk.items).length > 0, "a snapshot holds writes made while writes kept coming");
        }
        await conn.flush();
      } finally {
        restore();
      }
    }
    assert.equal(written.stock, 0, "the stock class wrote nothing during 800 ms of steady writes");
    assert.ok(written.ours >= 2, `ours wrote ${written.ours} snapshots during them`);
  });

  test("a snapshot equal to the last one written is not written again (reads cost no disk write)", async () => {
    let writes = 0;
    const restore = installSnapshots(mod, {
      quietMs: 5,
      maxWaitMs: 20,
      onWrite: () => {
        writes += 1;
      },
    });
    try {
      const conn = newConn(".reads.json");
      await conn.initialize(join(dir, "reads"));
      await conn.with((d) => {
        d.items.a = 1;
      });
      await conn.flush();
      assert.equal(writes, 1);
      for (let i = 0; i < 5; i++) await conn.with((d) => d.items.a);
      await conn.flush();
      assert.equal(writes, 1);
    } finally {
      restore();
    }
  });
});

describe("the write", () => {
  test("temp file renamed over the old one, which is kept as .prev; 0600; nothing else left", async () => {
    const api = join(dir, "write", ".langgraph_api");
    await mkdir(api, { recursive: true, mode: 0o700 });
    const file = join(api, ".w.json");
    await writeSnapshotFile(file, "one");
    await writeSnapshotFile(file, "two");
    await writeSnapshotFile(file, "three");
    assert.equal(await readFile(file, "utf8"), "three");
    assert.equal(await readFile(`${file}.prev`, "utf8"), "two");
    assert.deepEqual((await readdir(api)).sort(), [".w.json", ".w.json.prev"]);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });
});

describe("start-up never starts empty by accident", () => {
  const empty = () => ({ items: {} });
  const api = () => join(dir, "load", ".langgraph_api");

  test("no snapshot yet: an empty store, silently", async () => {
    const notices: string[] = [];
    const data = await loadSnapshot(join(dir, "fresh", ".langgraph_api", ".f.json"), mod, empty, {
      notice: (l) => notices.push(l),
    });
    assert.deepEqual(data, { items: {} });
    assert.deepEqual(notices, []);
  });

  test("a torn snapshot is moved aside and the previous one loaded, with a notice", async () => {
    const file = join(api(), ".t.json");
    await mkdir(api(), { recursive: true });
    await writeSnapshotFile(file, mod.serialize({ items: { old: 1 } }));
    await writeSnapshotFile(file, mod.serialize({ items: { old: 1, newer: 2 } }));
    const whole = await readFile(file, "utf8");
    await writeFile(file, whole.slice(0, Math.floor(whole.length / 2))); // as a crash mid-write leaves it
    const notices: string[] = [];
    const data = (await loadSnapshot(file, mod, empty, { notice: (l) => notices.push(l) })) as {
      items: Record<string, number>;
    };
    assert.deepEqual(data.items, { old: 1 });
    assert.equal(notices.length, 1);
    assert.match(
      notices[0] ?? "",
      /\.t\.json could not be read .* moved it aside as \.t\.json\.corrupt-\S+ and loaded the previous snapshot/,
    );
    const files = await readdir(api());
    assert.ok(files.some((f) => f.startsWith(".t.json.corrupt-")));
    assert.ok(!files.includes(".t.json"), "the torn file is aside, not in the way of the next snapshot");
  });

  test("a snapshot without the store's keys is not a snapshot", async () => {
    const file = join(api(), ".k.json");
    await writeSnapshotFile(file, mod.serialize({ other: 1 }));
    await assert.rejects(loadSnapshot(file, mod, empty), SnapshotUnreadableError);
  });

  test("nothing readable: refuses, moving both aside; --reset-data then starts empty", async () => {
    const file = join(api(), ".n.json");
    await writeFile(file, "{");
    await writeFile(`${file}.prev`, "");
    await assert.rejects(loadSnapshot(file, mod, empty), (err: Error) => {
      assert.ok(err instanceof SnapshotUnreadableError);
      assert.match(err.message, /neither \.n\.json .* nor its previous snapshot .* could be read; moved them aside/);
      return true;
    });
    const aside = (await readdir(api())).filter((f) => f.startsWith(".n.json"));
    assert.equal(aside.length, 2);
    assert.ok(aside.every((f) => f.includes(".corrupt-")));

    await writeSnapshotFile(file, mod.serialize({ items: { kept: 1 } }));
    const notices: string[] = [];
    assert.deepEqual(await loadSnapshot(file, mod, empty, { resetData: true, notice: (l) => notices.push(l) }), {
      items: {},
    });
    assert.match(notices[0] ?? "", /--reset-data: moved \.n\.json aside as \.n\.json\.reset-/);
    assert.ok((await readdir(api())).some((f) => f.startsWith(".n.json.reset-")));
  });
});
