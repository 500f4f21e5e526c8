// Runs node:test over TypeScript test files through tsx. Node 20's runner takes no globs,
// so the files are listed here. Usage: node scripts/test.mjs [dir-or-file ...]
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

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
const child = spawn(
  process.execPath,
  // record-all: the secret recorder of every test file (test/helpers/record-all.ts)
  [
    "--import",
    "tsx",
    "--import",
    "./test/helpers/record-all.ts",
    "--test",
    "--test-concurrency=2",
    "--test-reporter=spec",
    ...files,
  ],
  { stdio: "inherit", env: { ...process.env, LGAUTH_TEST: "1" } },
);
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
