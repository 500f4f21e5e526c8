/**
 * The running stack's state file, `<data dir>/state.json` (0600 in the 0700 data directory):
 * who runs the stack (pid), its URLs and keys. Written by the `lgauth dev` that holds the data
 * directory once both servers answer, removed when it stops. Read by `lgauth dev status`,
 * `lgauth dev mail` (the service key, never from argv) and profiles that follow the local stack
 * (their URLs change when the stack restarts on other ports). Kept free of heavy imports: the
 * CLI reads it on every command that resolves a profile.
 *
 * It is believed only in a data directory that is this user's alone (data-dir.ts), as a
 * regular file of this user's that others cannot write, opened without following a symlink:
 * a planted state file would send a profile's password and tokens to someone else's servers.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { isHttpUrl } from "../util/http-url.js";
import { writeFileAtomic } from "../util/private-files.js";
import { unsafeReason } from "./data-dir.js";

export const STATE_FILE = "state.json";

export interface StackState {
  version: 1;
  /** The `lgauth dev` process that runs the stack. */
  pid: number;
  /** ISO time the stack became ready. */
  startedAt: string;
  dataDir: string;
  supabaseUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  /** null with `--only auth`. */
  langgraphUrl: string | null;
  oidcIssuer: string | null;
  pids: { auth: number; langgraph: number | null };
  /** Started with `--detach`: its output goes to `logFile`. */
  detached: boolean;
  logFile: string | null;
}

export function stateFile(dataDir: string): string {
  return join(dataDir, STATE_FILE);
}

const isPid = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;
const isText = (v: unknown): v is string => typeof v === "string" && v !== "";

/** The state file's content when it is there and well-formed; undefined otherwise (no stack, or torn by hand). */
export function readStackState(dataDir: string): StackState | undefined {
  let raw: unknown;
  try {
    if (unsafeReason(dataDir) !== undefined) return undefined;
    raw = JSON.parse(readOwnFile(stateFile(dataDir)));
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const s = raw as Record<string, unknown>;
  const pids = s.pids as Record<string, unknown> | null | undefined;
  if (
    s.version !== 1 ||
    !isPid(s.pid) ||
    !isText(s.startedAt) ||
    typeof s.dataDir !== "string" ||
    !isAbsolute(s.dataDir) ||
    !isHttpUrl(s.supabaseUrl) ||
    !isText(s.anonKey) ||
    !isText(s.serviceRoleKey) ||
    !(s.langgraphUrl === null || isHttpUrl(s.langgraphUrl)) ||
    !(s.oidcIssuer === null || isHttpUrl(s.oidcIssuer)) ||
    typeof pids !== "object" ||
    pids === null ||
    !isPid(pids.auth) ||
    !(pids.langgraph === null || isPid(pids.langgraph)) ||
    typeof s.detached !== "boolean" ||
    !(s.logFile === null || isText(s.logFile))
  ) {
    return undefined;
  }
  return raw as StackState;
}

/** The file's text if it is a regular file of this user's that others cannot write; throws otherwise. */
function readOwnFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const info = fstatSync(fd);
    const uid = process.getuid?.();
    if (!info.isFile() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0) {
      throw new Error(`${path} is not a private file of this user's`);
    }
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

export async function writeStackState(state: StackState): Promise<void> {
  await writeFileAtomic(stateFile(state.dataDir), `${JSON.stringify(state, null, 2)}\n`);
}

/** Removes the state file when it is still the one `pid` wrote (a newer stack's file stays). */
export async function removeStackState(dataDir: string, pid: number): Promise<void> {
  const current = readStackState(dataDir);
  if (current && current.pid !== pid) return;
  await rm(stateFile(dataDir), { force: true });
}
