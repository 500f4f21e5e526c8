/**
 * One stack per data directory: the `lgauth dev` that runs a stack listens on a Unix socket
 * named after its data directory. The kernel frees the socket when that process ends, however
 * it ends (kill -9, and before it becomes a zombie: a zombie holds no files), so a lock can never
 * outlive its process and never blocks a restart. Connecting to the socket answers one JSON line
 * with the holder's pid: "in use by another lgauth dev (pid N)".
 *
 * Linux: an abstract socket (no file, no path-length limit). Elsewhere: a socket file in the
 * data directory (or, when that path is too long for a socket, in the temp directory), removed
 * when a connection to it is refused (its process is gone).
 */
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { rm } from "node:fs/promises";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
  const hash = createHash("sha256").update(real).digest("hex").slice(0, 32);
  if (process.platform === "linux") return `\0lgauth-dev-${hash}`;
  const inDir = join(real, ".lgauth-dev.sock");
  return Buffer.byteLength(inDir) <= MAX_SOCKET_PATH ? inDir : join(tmpdir(), `lgauth-dev-${hash}.sock`);
}

/** Who holds the data directory: its pid; undefined when nobody does. `{pid: 0}`: someone answers but not in our words. */
export function lockHolder(dataDir: string, timeoutMs = 2_000): Promise<LockHolder | undefined> {
  const address = lockAddress(dataDir);
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
  const answer = `${JSON.stringify({ pid: process.pid })}\n`;
  for (let attempt = 0; ; attempt++) {
    const server = createServer((socket) => {
      socket.on("error", () => {});
      socket.end(answer);
    });
    try {
      await listen(server, address);
      server.unref(); // the lock never keeps the process alive on its own
      let released: Promise<void> | undefined;
      return {
        release() {
          released ??= new Promise<void>((resolve) => server.close(() => resolve()));
          return released;
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
      const holder = await lockHolder(dataDir);
      if (holder) throw new DataDirInUseError(dataDir, holder.pid || undefined);
      // the holder ended meanwhile, or a socket file whose process is gone (abstract sockets leave no file)
      if (attempt > 0) throw new DataDirInUseError(dataDir, undefined);
      if (!address.startsWith("\0")) await rm(address, { force: true });
    }
  }
}
