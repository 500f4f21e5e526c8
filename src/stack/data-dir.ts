/**
 * The stack's data directory holds its signing keys, accounts, the state file with the service
 * key and the lock socket, so it must be this user's alone: another local user who owns it, or
 * can write in it, could plant a state file (profiles that follow the stack would send
 * passwords to their servers), a lock socket (`lgauth dev stop` would signal the pid it names)
 * or a symlink where the database goes. Such a directory is refused, not quietly chmodded (what
 * was planted before a chmod stays); one that others can only read is made 0700. Kept free of
 * heavy imports: the state file's reader runs on every command.
 */
import { chmodSync, lstatSync, mkdirSync, type Stats, statSync } from "node:fs";
import { LgauthError } from "../util/errors.js";

export class DataDirUnsafeError extends LgauthError {
  constructor(dir: string, reason: string, what = "data directory") {
    super("data_dir_unsafe", `${what} ${dir} ${reason}`, { details: { dataDir: dir } });
    this.name = "DataDirUnsafeError";
  }
}

function statOrUndefined(stat: (p: string) => Stats, dir: string): Stats | undefined {
  try {
    return stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Why `dir` may not hold a stack's secrets, or undefined when it is this user's and only this
 * user can write in it (or it does not exist yet; or the platform has no uids).
 */
export function unsafeReason(dir: string): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const link = statOrUndefined(lstatSync, dir);
  if (!link) return undefined;
  // a symlink of ours or root's (a home on another disk) is fine; another user's can be repointed
  if (link.isSymbolicLink() && link.uid !== uid && link.uid !== 0) {
    return `is a symlink owned by another user (uid ${link.uid})`;
  }
  const info = link.isSymbolicLink() ? statOrUndefined(statSync, dir) : link;
  if (!info) return "is a dangling symlink";
  if (!info.isDirectory()) return "is not a directory";
  if (info.uid !== uid) return `is owned by another user (uid ${info.uid})`;
  if ((info.mode & 0o022) !== 0) return `is writable by other users (mode ${(info.mode & 0o777).toString(8)})`;
  return undefined;
}

/** Throws DataDirUnsafeError when `dir` exists and is not this user's alone. */
export function assertOwnDir(dir: string, what?: string): void {
  const reason = unsafeReason(dir);
  if (reason) throw new DataDirUnsafeError(dir, reason, what);
}

/** Creates `dir` (0700) or checks the one there; makes a merely readable one 0700. */
export function ensureOwnDir(dir: string, what?: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  assertOwnDir(dir, what);
  const info = statSync(dir);
  if ((info.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
