/** Small process helpers shared by the lock files, the local auth server and the stack. */
import { readFileSync } from "node:fs";

/** True while a process with this pid exists (EPERM: it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Signals a child's whole process group (grandchildren included), else the child alone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Linux: the one-letter state of /proc/<pid>/stat ("R", "S", "Z", …); undefined when gone or elsewhere. */
export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

/**
 * True while the process exists and is not a zombie (one that ended but was not reaped yet, as
 * an orphan in a container without an init can stay for a while).
 */
export function processRunning(pid: number): boolean {
  if (!processAlive(pid)) return false;
  if (process.platform !== "linux") return true;
  const state = procState(pid);
  return state !== undefined && state !== "Z" && state !== "X";
}

/** The command line of a running process (for checking that a pid is still the process we think); "" when unknown. */
export function commandLine(pid: number): string {
  try {
    if (process.platform === "linux") return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
    // loaded here, not at the top: this module is on every command's start-up path (lock files)
    const { execFileSync } = process.getBuiltinModule("node:child_process");
    return execFileSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8", timeout: 2_000 }).trim();
  } catch {
    return "";
  }
}
