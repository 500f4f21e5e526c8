/**
 * The log of a stack started with `lgauth dev --detach`: `<data dir>/dev.log` (0600), both
 * servers' lines with a time stamp, appended across runs; at start, a log over 5 MB is moved to
 * `dev.log.1` (one old log kept).
 */
import { closeSync, openSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";

export const LOG_FILE = "dev.log";
const ROTATE_BYTES = 5 * 1024 * 1024;

export function devLogFile(dataDir: string): string {
  return join(dataDir, LOG_FILE);
}

export interface OpenedLog {
  fd: number;
  path: string;
  /** Where this run's lines start. */
  offset: number;
  close(): void;
}

export function openDevLog(dataDir: string): OpenedLog {
  const path = devLogFile(dataDir);
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size > ROTATE_BYTES) renameSync(path, `${path}.1`);
  const fd = openSync(path, "a", 0o600);
  const offset = statSync(path).size;
  let closed = false;
  return {
    fd,
    path,
    offset,
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}

/** `2025-01-31T12:00:00.000Z [auth] line`. */
export function logLine(source: string, line: string): string {
  return `${new Date().toISOString()} [${source}] ${line}\n`;
}
