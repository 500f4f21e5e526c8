/**
 * Loaded into every test process by scripts/test.mjs (`--import`): installs the secret
 * recorder's hooks (test/helpers/record-hooks.ts) before the test file runs, and once the file
 * is done (its own `after` hooks included: this runs when the event loop drains) scans what
 * was recorded. A hit fails the file: the places are printed on stderr and the exit code set,
 * which node:test reports as the file's failure. One line of counts is printed per file that
 * recorded anything, so the figures can be read off a run.
 */
import { basename } from "node:path";
import { installRecordHooks } from "./record-hooks.js";

// the runner's own process (it has --test) only starts the files' processes
const runner = process.execArgv.includes("--test");
const rec = runner ? undefined : installRecordHooks();
const file = process.argv.find((a) => /\.(test|fixture)\.[cm]?[jt]s$/.test(a));
let scanned = false;

process.on("beforeExit", () => {
  if (!rec) return;
  if (scanned) return;
  scanned = true;
  const hits = rec.scan();
  const name = file ? basename(file) : "(no test file)";
  if (rec.bytes > 0 || rec.secretCount > 0 || hits.length > 0) {
    process.stdout.write(
      `secret-recorder ${name}: bytes=${rec.bytes} places=${rec.placeCount} lgauth-runs=${rec.cliRuns} ` +
        `other-children=${rec.children} secrets=${rec.secretCount} hits=${hits.length}\n`,
    );
  }
  if (hits.length > 0) {
    process.stderr.write(`secret-recorder ${name}: a secret appeared where it must not:\n`);
    for (const hit of hits.slice(0, 50)) process.stderr.write(`  ${hit}\n`);
    if (hits.length > 50) process.stderr.write(`  … and ${hits.length - 50} more\n`);
    process.exitCode = 1;
  }
});
