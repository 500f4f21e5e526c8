/**
 * Opens the embedded Postgres (PGlite) for the server: in memory, or under `<dataDir>/pgdata`
 * with a pid lock so two servers never share one cluster. New clusters start from the cached
 * template (template-cache.ts); the (idempotent) schema is applied to any cluster that has not
 * recorded this exact schema SQL yet.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { SCHEMA_SQL, SCHEMA_VERSION } from "./schema.js";
import { discardTemplate, quietPglite, templateDump } from "./template-cache.js";
import { deferWasmTierUp } from "./wasm-tiering.js";
import { ensurePrivateDir } from "../util/private-files.js";
import { processAlive } from "../util/process.js";

/** What handlers use: the database or a transaction on it. */
export type Queryable = Pick<Transaction, "query" | "exec">;

export interface Database {
  db: Queryable;
  /** Runs `fn` in one transaction; PGlite serialises everything else behind it. */
  tx<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function acquireLock(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = join(dataDir, "server.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, "wx", 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await rm(lockFile, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number.parseInt(await readFile(lockFile, "utf8").catch(() => ""), 10);
      if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || processAlive(pid))) {
        throw new Error(`data directory ${dataDir} is in use by another local auth server (pid ${pid})`);
      }
      await rm(lockFile, { force: true }); // stale lock from a process that is gone
    }
  }
  throw new Error(`could not lock data directory ${dataDir}`);
}

async function createPglite(pgdata: string | undefined): Promise<PGlite> {
  deferWasmTierUp(); // before PGlite compiles its module: see wasm-tiering.ts
  const fresh = pgdata === undefined || !existsSync(join(pgdata, "PG_VERSION"));
  if (fresh) {
    const dump = await templateDump();
    if (dump) {
      try {
        return await PGlite.create({ ...quietPglite, dataDir: pgdata, loadDataDir: dump });
      } catch {
        await discardTemplate();
        if (pgdata) await rm(pgdata, { recursive: true, force: true });
      }
    }
  }
  return PGlite.create({ ...quietPglite, dataDir: pgdata });
}

const SCHEMA_HASH = createHash("sha256").update(SCHEMA_SQL).digest("hex");

/**
 * Applies the (idempotent) schema unless the cluster recorded that it already has exactly this
 * SQL: on a just-opened cluster the first statements are slow (the schema took 60 to 190 ms, a
 * lookup under 10 ms), and every `lgauth dev` on a warm data directory paid that.
 */
async function ensureSchema(pg: PGlite): Promise<void> {
  const recorded = await pg
    .query<{ value: string }>("select value from lgauth_meta where key = 'schema_sha256'")
    .then((r) => r.rows[0]?.value)
    .catch(() => undefined); // no lgauth_meta yet
  if (recorded === SCHEMA_HASH) return;
  await pg.exec(SCHEMA_SQL);
  const upsert =
    "insert into lgauth_meta (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value";
  await pg.query(upsert, ["schema_version", String(SCHEMA_VERSION)]);
  await pg.query(upsert, ["schema_sha256", SCHEMA_HASH]);
}

export async function openDatabase(dataDir: string | undefined): Promise<Database> {
  let release = async () => {};
  let pgdata: string | undefined;
  if (dataDir !== undefined) {
    await ensurePrivateDir(dataDir);
    release = await acquireLock(dataDir);
    pgdata = join(dataDir, "pgdata");
  }
  let pg: PGlite;
  try {
    pg = await createPglite(pgdata);
    await ensureSchema(pg);
  } catch (err) {
    await release();
    throw err;
  }
  return {
    db: pg,
    tx: (fn) => pg.transaction((t) => fn(t)),
    async close() {
      try {
        await pg.close();
      } finally {
        await release();
      }
    },
  };
}
