import { open, readFile, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { ensurePrivateDir } from "../util/private-files.js";
import { processAlive } from "../util/process.js";

export class LockTimeoutError extends Error {
  readonly isAcquireTimeout = true;
  constructor(path: string) {
    super(`timed out waiting for lock ${path}`);
    this.name = "LockTimeoutError";
  }
}

const STALE_MS = 30_000;
/**
 * The lock file is created first and gets its pid a moment later, so a holder killed in
 * between (kill -9) leaves an empty file that names no process. A live holder writes its pid
 * within milliseconds; an empty or unreadable lock older than this is a dead one.
 */
const NO_PID_STALE_MS = 2_000;

/** A lock held by a dead process, naming no process for NO_PID_STALE_MS, or older than STALE_MS, may be broken. */
async function isStale(path: string): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    const pid = Number.parseInt(text, 10);
    const age = Date.now() - info.mtimeMs;
    if (!Number.isInteger(pid) || pid <= 0) return age > NO_PID_STALE_MS;
    if (!processAlive(pid)) return true;
    return age > STALE_MS;
  } catch {
    return false;
  }
}

/**
 * Cross-process mutual exclusion with an exclusive-create lock file holding our pid.
 * `timeoutMs` < 0 waits forever; 0 fails at once when held.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  await ensurePrivateDir(dirname(path));
  const started = Date.now();
  let delay = 10;
  for (;;) {
    try {
      const handle = await open(path, "wx", 0o600);
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (await isStale(path)) {
        await rm(path, { force: true });
        continue;
      }
      if (timeoutMs >= 0 && Date.now() - started >= timeoutMs) throw new LockTimeoutError(path);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 100);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
