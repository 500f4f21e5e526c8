/**
 * A fresh PGlite cluster costs an initdb (3 to 6 s on a small machine); restoring a dump of an
 * already initialised one takes about 1 s. This keeps a gzip dump of a cluster with our schema,
 * in memory for the process and on disk (per user, 0600 in a 0700 cache directory) for the
 * next processes. A damaged cache file is ignored and replaced.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { SCHEMA_SQL, SCHEMA_VERSION } from "./schema.js";

let memo: Promise<Blob | undefined> | undefined;

/**
 * The installed PGlite's version, so a dump made by another version is never restored. Its
 * package.json is not in the package's exports, so it is found by walking up from the entry.
 */
function pgliteVersion(): string {
  try {
    let dir = dirname(fileURLToPath(import.meta.resolve("@electric-sql/pglite")));
    for (let i = 0; i < 4; i++) {
      const file = join(dir, "package.json");
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (pkg.name === "@electric-sql/pglite" && pkg.version) return pkg.version;
      }
      dir = dirname(dir);
    }
  } catch {
    // fall through
  }
  return "unknown";
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LGAUTH_CACHE_DIR) return env.LGAUTH_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg?.startsWith("/") ? xdg : join(homedir(), ".cache");
  return join(base, "lgauth");
}

function cacheFile(): string {
  return join(cacheDir(), `pglite-${pgliteVersion()}-schema${SCHEMA_VERSION}.tar.gz`);
}

/**
 * Options for every PGlite this server opens: quiet, and 8 MB of shared buffers instead of
 * Postgres' 128 MB. PGlite's single-user Postgres initialises all of its buffer pool at start
 * (about 3.5 ms per MB on a small machine: 128 MB made opening a data directory cost 1 s, 8 MB
 * costs 0.6 s, and the server's memory drops by about 190 MB); pages beyond that are read from
 * the data directory as in any Postgres, and a development server's auth tables are small.
 */
export const quietPglite = {
  onStdout: () => true,
  onStderr: () => true,
  startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=8MB"],
};

async function buildTemplate(): Promise<Blob> {
  const db = await PGlite.create({ ...quietPglite });
  try {
    await db.exec(SCHEMA_SQL);
    await db.query("insert into lgauth_meta (key, value) values ('schema_version', $1)", [String(SCHEMA_VERSION)]);
    return await db.dumpDataDir("gzip");
  } finally {
    await db.close();
  }
}

async function readCached(file: string): Promise<Blob | undefined> {
  try {
    const info = await stat(file);
    if (!info.isFile() || info.size < 1024) return undefined;
    return new Blob([await readFile(file)]);
  } catch {
    return undefined;
  }
}

async function writeCached(file: string, blob: Blob): Promise<void> {
  const dir = cacheDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700).catch(() => {});
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, Buffer.from(await blob.arrayBuffer()), { mode: 0o600, flag: "wx" });
    await rename(tmp, file);
  } catch {
    await rm(tmp, { force: true }).catch(() => {});
  }
}

/** The template dump, or undefined when none can be made (callers then run initdb themselves). */
export function templateDump(): Promise<Blob | undefined> {
  memo ??= (async () => {
    const file = cacheFile();
    const cached = await readCached(file);
    if (cached) return cached;
    try {
      const blob = await buildTemplate();
      await writeCached(file, blob);
      return blob;
    } catch {
      return undefined;
    }
  })();
  return memo;
}

/** Forgets a template that failed to load so the next call rebuilds it. */
export async function discardTemplate(): Promise<void> {
  memo = undefined;
  await rm(cacheFile(), { force: true }).catch(() => {});
}
