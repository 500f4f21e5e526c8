// A node:test reporter (scripts/test.mjs adds it beside spec): adds up how long each test file's
// top-level tests and suites took, keeps that in node_modules/.cache/lgauth/test-times.json
// (merged with earlier runs, so a run of one file updates one entry) for scripts/test.mjs to
// start the longest files first, and prints the slowest files of the run.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CACHE = join(ROOT, "node_modules", ".cache", "lgauth", "test-times.json");

/** Milliseconds per absolute test file path, from earlier runs ({} when there are none). */
export function readTimes() {
  try {
    const parsed = JSON.parse(readFileSync(CACHE, "utf8"));
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch {
    return {};
  }
}

function writeTimes(times) {
  try {
    mkdirSync(dirname(CACHE), { recursive: true });
    const tmp = `${CACHE}.${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(times, null, 1)}\n`);
    renameSync(tmp, CACHE);
  } catch {
    // only an ordering hint: a read-only checkout still runs its tests
  }
}

export default async function* testTimes(source) {
  const perFile = new Map();
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { file, nesting, details } = event.data;
    if (!file || nesting !== 0 || typeof details?.duration_ms !== "number") continue;
    perFile.set(file, (perFile.get(file) ?? 0) + details.duration_ms);
  }
  if (perFile.size === 0) return;
  const times = readTimes();
  for (const [file, ms] of perFile) times[file] = Math.round(ms);
  writeTimes(times);
  const slowest = [...perFile]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([file, ms]) => `${relative(ROOT, file)} ${(ms / 1000).toFixed(1)} s`);
  yield `slowest test files: ${slowest.join(", ")}\n`;
}
