/**
 * One stack per data directory: the `lgauth dev` that runs a stack listens on a Unix socket
 * file in its data directory. Connecting to it answers one JSON line with the holder's pid:
 * "in use by another lgauth dev (pid N)". The data directory is this user's alone (data-dir.ts),
 * so no one else can bind that socket or answer on it: the lock is not a Linux abstract socket,
 * which any local user could bind first to block the stack or to name a pid for
 * `lgauth dev stop` to signal. When the path is too long for a socket, the socket goes in a
 * private per-user directory in the temp directory (`lgauth-<uid>`, checked the same way).
 *
 * The kernel closes the socket when its process ends, however it ends (kill -9, and before it
 * becomes a zombie: a zombie holds no files); the file stays, a connection to it is refused,
 * and the next `lgauth dev` replaces it, one process at a time (a short lock file), so two
 * starts at once cannot both take the directory.
 */
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { rm } from "node:fs/promises";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { withFileLock } from "../session/lock.js";
import { assertOwnDir, ensureOwnDir } from "./data-dir.js";

export class DataDirInUseError extends Error {
  readonly dataDir: string;
  readonly pid: number | undefined;
  constructor(dataDir: string, pid: number | undefined) {
    super(`data directory ${dataDir} is in use by another lgauth dev${pid ? ` (pid ${pid})` : ""}`);
    this.name = "DataDirInUseError";
    this.dataDir = dataDir;
    this.pid = pid;
  }
}

export interface LockHolder {
  pid: number;
}

export interface DataDirLock {
  release(): Promise<void>;
}

/** Unix socket paths are limited to 104 (macOS) or 108 (Linux) bytes. */
const MAX_SOCKET_PATH = 100;

export function lockAddress(dataDir: string): string {
  let real = dataDir;
  try {
    real = realpathSync(dataDir);
  } catch {
    // not created yet: the path as given
  }
  const inDir = join(real, ".lgauth-dev.sock");
  if (Buffer.byteLength(inDir) <= MAX_SOCKET_PATH) return inDir;
  const hash = createHash("sha256").update(real).digest("hex").slice(0, 32);
  return join(tmpdir(), `lgauth-${process.getuid?.() ?? "user"}`, `dev-${hash}.sock`);
}

/** What holds the socket, for errors: the data directory itself, or the per-user one in the temp directory. */
const socketDirLabel = (address: string, dataDir: string) =>
  dirname(address) === dataDir ? undefined : "lgauth's private temp directory";

/** Who holds the data directory: its pid; undefined when nobody does. `{pid: 0}`: someone answers but not in our words. */
export function lockHolder(dataDir: string, timeoutMs = 2_000): Promise<LockHolder | undefined> {
  const address = lockAddress(dataDir);
  // a socket in a directory others can write may be theirs, saying any pid (DataDirUnsafeError)
  try {
    assertOwnDir(dirname(address), socketDirLabel(address, dataDir));
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise((resolve) => {
    let text = "";
    let settled = false;
    const done = (value: LockHolder | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const socket = connect({ path: address });
    const timer = setTimeout(() => done({ pid: 0 }), timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      if (text.includes("\n")) done(parseHolder(text));
    });
    socket.on("end", () => done(parseHolder(text)));
    socket.on("error", () => done(undefined));
  });
}

function parseHolder(text: string): LockHolder {
  try {
    const value = JSON.parse(text.split("\n")[0] ?? "") as { pid?: unknown };
    if (typeof value.pid === "number" && Number.isInteger(value.pid) && value.pid > 0) return { pid: value.pid };
  } catch {
    // fall through
  }
  return { pid: 0 };
}

function listen(server: Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ path: address, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Takes the data directory for this process; throws DataDirInUseError when another holds it. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const address = lockAddress(dataDir);
  ensureOwnDir(dirname(address), socketDirLabel(address, dataDir));
  const answer = `${JSON.stringify({ pid: process.pid })}\n`;
  const newServer = () =>
    createServer((socket) => {
      socket.on("error", () => {});
      socket.end(answer);
    });
  const held = (server: Server): DataDirLock => {
    server.unref(); // the lock never keeps the process alive on its own
    let released: Promise<void> | undefined;
    return {
      release() {
        released ??= new Promise<void>((resolve) => server.close(() => resolve()));
        return released;
      },
    };
  };
  const inUse = async () => {
    const holder = await lockHolder(dataDir);
    return holder ? new DataDirInUseError(dataDir, holder.pid || undefined) : undefined;
  };
  const first = newServer();
  try {
    await listen(first, address);
    return held(first);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
  }
  const busy = await inUse();
  if (busy) throw busy;
  // a socket file whose process is gone: replace it, one starting process at a time, asking
  // again inside (another may have replaced it meanwhile)
  return withFileLock(
    `${address}.lock`,
    async () => {
      const taken = await inUse();
      if (taken) throw taken;
      await rm(address, { force: true });
      const server = newServer();
      try {
        await listen(server, address);
      } catch (err) {
        // one that did not need to replace anything bound it first
        if ((err as NodeJS.ErrnoException).code === "EADDRINUSE")
          throw (await inUse()) ?? new DataDirInUseError(dataDir, undefined);
        throw err;
      }
      return held(server);
    },
    10_000,
  );
}
