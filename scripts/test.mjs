// Runs node:test over TypeScript test files through tsx. Node 20's runner takes no globs,
// so the files are listed here. Usage: node scripts/test.mjs [dir-or-file ...]
//
// Longest files first: the runner starts files in the order given, so a long file started last
// would run alone at the end while the other slot idles. Each run records how long each file's
// tests took (scripts/test-times.mjs, in node_modules/.cache/lgauth/test-times.json) and the
// next run orders by that; files never timed go first, then the rest by directory (end-to-end
// before command before unit tests). LGAUTH_TEST_CONCURRENCY overrides the files run at once.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { testEnvironment } from "./test-env.mjs";
import { readTimes } from "./test-times.mjs";

const roots = process.argv.slice(2);
const targets = roots.length > 0 ? roots : ["test/unit", "test/commands", "test/e2e"];

function collect(path, out) {
  const info = statSync(path);
  if (info.isDirectory()) {
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  } else if (/\.test\.ts$/.test(path)) {
    out.push(path);
  }
  return out;
}

const files = targets.flatMap((t) => collect(t, []));
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}

const times = readTimes();
const DIR_RANK = [/(^|\/)test\/e2e\//, /(^|\/)test\/stress\//, /(^|\/)test\/commands\//];
const dirRank = (f) => {
  const i = DIR_RANK.findIndex((re) => re.test(f));
  return i < 0 ? DIR_RANK.length : i;
};
const ordered = files
  .map((f, i) => ({ f, i, ms: times[resolve(f)] }))
  .sort(
    (a, b) =>
      (a.ms === undefined ? -1 : 0) - (b.ms === undefined ? -1 : 0) ||
      (b.ms ?? 0) - (a.ms ?? 0) ||
      dirRank(a.f) - dirRank(b.f) ||
      a.i - b.i,
  )
  .map((x) => x.f);

// Two files at once on two cores: most files keep one core busy, and a third file in the
// queue would only lengthen each file's wall time (and its timeouts) on a loaded machine.
const concurrency = Number(process.env.LGAUTH_TEST_CONCURRENCY) || 2;

const { env, removed } = testEnvironment(process.env);
if (removed.length > 0) console.error(`test: left out of the tests' environment: ${removed.join(", ")}`);

const child = spawn(
  process.execPath,
  // record-all: the secret recorder of every test file (test/helpers/record-all.ts)
  [
    "--import",
    "tsx",
    "--import",
    "./test/helpers/record-all.ts",
    "--test",
    `--test-concurrency=${concurrency}`,
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=./scripts/test-times.mjs",
    "--test-reporter-destination=stderr",
    ...ordered,
  ],
  { stdio: "inherit", env },
);
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
