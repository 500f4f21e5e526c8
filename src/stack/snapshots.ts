/**
 * Crash-safe, bounded snapshots for the LangGraph child (issue #20).
 *
 * The LangGraph.js API server (@langchain/langgraph-api 1.5.1) keeps threads, runs, assistants,
 * checkpoints and the store in memory and saves each of its three stores as one JSON file under
 * `<cwd>/.langgraph_api/` through one class, `FileSystemPersistence` (dist/storage/persist.mjs).
 * As shipped, that class:
 *  - re-arms a 3 s timer at every access (reads included), so while anything keeps using the
 *    server nothing is saved at all;
 *  - writes the file in place (fs.writeFile), so a crash during a write leaves a torn file;
 *  - reads a file it cannot parse as an empty store, silently, and the next save overwrites it.
 *
 * Our child owns its start-up, so before it calls startServer it replaces four methods of that
 * class's prototype (every instance, including the two created when the server's modules load,
 * finds them there). The class is not exported by the package (`exports` has no ./storage/persist),
 * so the module is imported by its file URL next to the exported ./server, which is the URL the
 * server's own `import "./storage/persist.mjs"` resolves to: one module instance, one class.
 * test/unit/snapshots.test.ts pins every fact this relies on.
 *
 * What ours does instead:
 *  - a snapshot is due `quietMs` after the last access, and at most `maxWaitMs` after the first
 *    unsaved one (a maximum wait, not only a quiet period), so an acknowledged write is on disk
 *    within about a second even under continuous writes;
 *  - a snapshot is serialized in one synchronous step (a consistent picture of the store), and
 *    skipped when it equals the last one written (reads then cost no disk write);
 *  - it is written to a temporary file in the same directory, fsynced, and renamed over the old
 *    one (whose inode is first kept as `<name>.prev`, the previous good snapshot), then the
 *    directory is fsynced: a crash at any moment leaves the old or the new snapshot, never a torn
 *    one;
 *  - at start, a snapshot that cannot be read is moved aside as `<name>.corrupt-<time>` and the
 *    previous good one is loaded, with a notice; with nothing readable the child refuses to start
 *    (SnapshotUnreadableError) instead of starting empty; `resetData` moves the snapshots aside
 *    as `<name>.reset-<time>` and starts empty, on purpose.
 */
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";

/** The part of langgraph-api's FileSystemPersistence instances we use (pinned by a test). */
export interface PersistenceInstance {
  name: string;
  filepath: string | null;
  data: unknown;
  defaultSchema: () => unknown;
  flushTimeout?: ReturnType<typeof setTimeout>;
}

/** The methods we replace on FileSystemPersistence.prototype. */
export interface PersistencePrototype {
  initialize(this: PersistenceInstance, cwd: string): Promise<unknown>;
  persist(this: PersistenceInstance): Promise<void>;
  schedulePersist(this: PersistenceInstance): void;
  flush(this: PersistenceInstance): Promise<void>;
}

/** dist/storage/persist.mjs of @langchain/langgraph-api, as far as we use it. */
export interface PersistModule {
  FileSystemPersistence: { prototype: PersistencePrototype };
  serialize(data: unknown): string;
  deserialize(text: string): Promise<unknown>;
}

export interface SnapshotOptions {
  /** A snapshot is due this long after the last access (default 100 ms)… */
  quietMs?: number;
  /** …and at most this long after the first unsaved access (default 500 ms). */
  maxWaitMs?: number;
  /** Start with empty stores, moving existing snapshots aside (`lgauth dev --reset-data`). */
  resetData?: boolean;
  /** One line for the person running the stack (recovery, a failed write). */
  notice?: (line: string) => void;
  /** Called after each snapshot written (see SnapshotWrite). */
  onWrite?: (write: SnapshotWrite) => void;
}

export interface SnapshotWrite {
  name: string;
  bytes: number;
  /** Serializing (blocks the server's event loop). */
  serializeMs: number;
  /** Serialize + write + fsync + rename. */
  totalMs: number;
  /** From the first access it holds (the oldest write it saves) until it was on disk. */
  sinceChangeMs: number;
}

export const SNAPSHOT_DEFAULTS = { quietMs: 100, maxWaitMs: 500 } as const;

/** Prefix of the LangGraph child's trace lines (LGAUTH_SNAPSHOT_TRACE=1): JSON of a SnapshotWrite. */
export const SNAPSHOT_TRACE_PREFIX = "lgauth-snapshot: ";

/** No snapshot of a store can be read and there is none to fall back on: the child must not start empty. */
export class SnapshotUnreadableError extends Error {
  readonly code = "snapshot_unreadable";
  constructor(message: string) {
    super(message);
    this.name = "SnapshotUnreadableError";
  }
}

/** `2025-01-31T12-00-00-000Z`: a time that sorts and is safe in a file name. */
function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, "-");
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === "ENOENT";

function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0]?.slice(0, 200) ?? "unreadable";
}

async function fsyncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // not every platform lets a directory be opened or synced; the rename is still atomic
  } finally {
    await handle?.close();
  }
}

/**
 * Reads and checks one snapshot: the text parses (superjson + @langchain/core's reviver) to an
 * object with every top-level key of the empty store.
 */
async function readSnapshot(file: string, mod: PersistModule, empty: unknown): Promise<unknown> {
  const text = await readFile(file, "utf8");
  const data = await mod.deserialize(text);
  if (typeof data !== "object" || data === null) throw new Error("not a store snapshot");
  for (const key of Object.keys(empty as object)) {
    if (!(key in data)) throw new Error(`not a store snapshot (no "${key}")`);
  }
  return data;
}

/** Temp files of a snapshot a crash interrupted (the stack's data-directory lock says no one is writing). */
async function removeStaleTemps(file: string): Promise<void> {
  const name = basename(file);
  const entries = await readdir(dirname(file)).catch(() => [] as string[]);
  for (const entry of entries) {
    if (entry.startsWith(`${name}.tmp-`) || entry === `${name}.prev.tmp`) {
      await rm(resolve(dirname(file), entry), { force: true });
    }
  }
}

async function moveAside(file: string, suffix: string): Promise<string | undefined> {
  const target = `${file}.${suffix}`;
  try {
    await rename(file, target);
    return target;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

async function modified(file: string): Promise<string> {
  try {
    return (await stat(file)).mtime.toISOString();
  } catch {
    return "an unknown time";
  }
}

/** Loads a store's snapshot at start-up, recovering from an unreadable one (see the module comment). */
export async function loadSnapshot(
  file: string,
  mod: PersistModule,
  empty: () => unknown,
  opts: Pick<SnapshotOptions, "resetData" | "notice"> = {},
): Promise<unknown> {
  const name = basename(file);
  const prev = `${file}.prev`;
  const notice = opts.notice ?? (() => {});
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await removeStaleTemps(file);
  if (opts.resetData) {
    const when = stamp();
    const moved = [await moveAside(file, `reset-${when}`), await moveAside(prev, `reset-${when}`)].filter(Boolean);
    if (moved.length > 0) notice(`--reset-data: moved ${name} aside as ${basename(moved[0] ?? "")}; starting empty`);
    return empty();
  }
  let problem: string | undefined;
  try {
    return await readSnapshot(file, mod, empty());
  } catch (err) {
    if (!isMissing(err)) problem = describe(err);
  }
  const aside = problem === undefined ? undefined : await moveAside(file, `corrupt-${stamp()}`);
  try {
    const when = await modified(prev);
    const data = await readSnapshot(prev, mod, empty());
    notice(
      problem === undefined
        ? `LangGraph storage: ${name} is missing; loaded the previous snapshot (from ${when})`
        : `LangGraph storage: ${name} could not be read (${problem}); moved it aside as ${basename(aside ?? "")} and loaded the previous snapshot (from ${when}); changes after that are lost`,
    );
    return data;
  } catch (err) {
    if (isMissing(err)) {
      if (problem === undefined) return empty(); // nothing saved yet: a first start
      throw new SnapshotUnreadableError(
        `LangGraph storage: ${name} could not be read (${problem}) and there is no previous snapshot; moved it aside as ${basename(aside ?? "")} and did not start, so nothing more is lost`,
      );
    }
    const prevAside = await moveAside(prev, `corrupt-${stamp()}`);
    throw new SnapshotUnreadableError(
      `LangGraph storage: neither ${name}${problem ? ` (${problem})` : ""} nor its previous snapshot (${describe(err)}) could be read; moved them aside${aside ? ` as ${basename(aside)}` : ""}${prevAside ? ` and ${basename(prevAside)}` : ""} and did not start, so nothing more is lost`,
    );
  }
}

/** Writes `text` as `file`, crash-safely: temp file, fsync, keep the old one as .prev, rename, fsync the directory. */
export async function writeSnapshotFile(file: string, text: string): Promise<void> {
  const dir = dirname(file);
  const tmp = `${file}.tmp-${process.pid}`;
  const handle = await open(tmp, "w", 0o600);
  try {
    await handle.writeFile(text, "utf8");
    await handle.datasync();
  } finally {
    await handle.close();
  }
  // the snapshot being replaced becomes the previous good one (a hard link: no copy, and the
  // current name is never missing); a crash in between leaves both names on the old snapshot
  const prev = `${file}.prev`;
  try {
    await rm(`${prev}.tmp`, { force: true });
    await link(file, `${prev}.tmp`);
    await rename(`${prev}.tmp`, prev);
  } catch (err) {
    if (!isMissing(err)) {
      // no hard links on this file system: copy (the rename below stays atomic)
      await copyFile(file, prev).catch(() => {});
    }
  }
  await rename(tmp, file);
  await fsyncDir(dir);
}

/** Per-store state of our snapshots. */
class Snapshotter {
  private dirty = false;
  private dirtySince: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: Promise<void> | undefined;
  private last: string | undefined;
  private failures = 0;

  constructor(
    private readonly conn: PersistenceInstance,
    private readonly mod: PersistModule,
    private readonly opts: Required<Pick<SnapshotOptions, "quietMs" | "maxWaitMs">> & SnapshotOptions,
  ) {}

  /** The store was accessed (possibly changed): a snapshot is due. */
  mark(): void {
    const now = Date.now();
    this.dirty = true;
    this.dirtySince ??= now;
    if (!this.inflight) this.arm(now);
  }

  private arm(now: number): void {
    const since = this.dirtySince ?? now;
    // after failed writes, wait longer (up to 10 s) instead of retrying at once
    const backoff = this.failures === 0 ? 0 : Math.min(10_000, 500 * 2 ** this.failures);
    const at = Math.max(Math.min(now + this.opts.quietMs, since + this.opts.maxWaitMs), now + backoff);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.save().catch(() => {}), Math.max(0, at - now));
  }

  /** Serializes the store now and writes it unless it equals the last snapshot written. */
  async save(): Promise<void> {
    while (this.inflight) await this.inflight.catch(() => {});
    clearTimeout(this.timer);
    this.timer = undefined;
    const file = this.conn.filepath;
    if (file === null || this.conn.data === null) return;
    const began = performance.now();
    const since = this.dirtySince ?? Date.now();
    const text = this.mod.serialize(this.conn.data);
    const serialized = performance.now();
    this.dirty = false;
    this.dirtySince = undefined;
    if (text === this.last) return;
    const write = writeSnapshotFile(file, text).then(
      () => {
        this.last = text;
        this.failures = 0;
        this.opts.onWrite?.({
          name: basename(file),
          bytes: Buffer.byteLength(text),
          serializeMs: serialized - began,
          totalMs: performance.now() - began,
          sinceChangeMs: Date.now() - since,
        });
      },
      (err: unknown) => {
        this.failures += 1;
        this.dirty = true;
        this.dirtySince ??= Date.now();
        this.opts.notice?.(`LangGraph storage: could not save ${basename(file)} (${describe(err)}); will retry`);
        throw err;
      },
    );
    this.inflight = write.finally(() => {
      this.inflight = undefined;
      if (this.dirty) this.arm(Date.now());
    });
    await this.inflight;
  }
}

/**
 * Replaces FileSystemPersistence's initialize, persist, schedulePersist and flush (see the
 * module comment). Returns a function that restores the originals (tests).
 */
export function installSnapshots(mod: PersistModule, options: SnapshotOptions = {}): () => void {
  const opts = { ...SNAPSHOT_DEFAULTS, ...options };
  const proto = mod.FileSystemPersistence.prototype;
  const original: PersistencePrototype = {
    initialize: proto.initialize,
    persist: proto.persist,
    schedulePersist: proto.schedulePersist,
    flush: proto.flush,
  };
  const states = new WeakMap<PersistenceInstance, Snapshotter>();
  const of = (conn: PersistenceInstance) => {
    let s = states.get(conn);
    if (!s) {
      s = new Snapshotter(conn, mod, opts);
      states.set(conn, s);
    }
    return s;
  };

  proto.initialize = async function initialize(this: PersistenceInstance, cwd: string) {
    const file = resolve(cwd, ".langgraph_api", this.name);
    this.data = await loadSnapshot(file, mod, this.defaultSchema, opts);
    this.filepath = file;
    return this;
  };
  proto.persist = function persist(this: PersistenceInstance) {
    return of(this).save();
  };
  proto.schedulePersist = function schedulePersist(this: PersistenceInstance) {
    of(this).mark();
  };
  proto.flush = function flush(this: PersistenceInstance) {
    return of(this).save();
  };
  return () => {
    Object.assign(proto, original);
  };
}
