/**
 * `npm run bench`: runs every benchmark, prints one table and writes bench/RESULTS.md with the
 * machine, the date, medians, spreads and ratios.
 */
import { writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { cliSession } from "./cli-session.js";
import { cliStartup } from "./cli-startup.js";
import { demoTime } from "./demo-time.js";
import { firstSignup } from "./first-signup.bench.js";
import { type Row, markdownTable } from "./lib.js";
import { loginTiming } from "./login-timing.bench.js";
import { serverFigures } from "./server.bench.js";
import { snapshotFigures } from "./snapshots.bench.js";
import { signalFigures } from "./stack-signals.bench.js";

const suites: [string, () => Promise<Row[]>][] = [
  ["CLI start-up", cliStartup],
  ["CLI with a session", cliSession],
  ["servers (LangGraph boot, lgauth dev to ready, throughput by auth mode)", serverFigures],
  ["demo", demoTime],
  ["local auth server (login time by account)", loginTiming],
  ["local auth server (first sign-up on a new server)", firstSignup],
  ["LangGraph storage (crash-safe snapshots vs stock)", snapshotFigures],
  ["lgauth dev signals (SIGHUP, killed)", signalFigures],
];
const began = performance.now();
const loadBefore = loadavg()[0] ?? 0;

const rows: Row[] = [];
for (const [name, run] of suites) {
  process.stderr.write(`bench: ${name}…\n`);
  const suiteBegan = performance.now();
  try {
    rows.push(...(await run()));
    process.stderr.write(`bench: ${name} took ${((performance.now() - suiteBegan) / 1000).toFixed(0)} s\n`);
  } catch (err) {
    rows.push({
      figure: name,
      baseline: "-",
      value: `failed: ${(err as Error).message.split("\n")[0]}`,
      spread: "-",
      target: "-",
      ok: false,
    });
  }
}

const table = markdownTable(rows);
const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const minutes = ((performance.now() - began) / 60_000).toFixed(1);
// other work on the machine shows in every absolute figure (ratios are less affected)
const load = `load average ${loadBefore.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end`;
const doc = `# Benchmark results

Machine: ${machine}; ${load}
Date: ${new Date().toISOString()}
Command: \`npm run bench\` (${minutes} min)

Ratios are median(A) / median(B), A and B alternating in the same run after a warm-up; spreads
are interquartile ranges unless marked min–max. \`lgauth dev\` is ready when both servers answer
(auth /health, LangGraph /info) and it prints its JSON line. ok: yes/NO against the target,
report = no pass/fail target.

${table}
`;
await writeFile(new URL("./RESULTS.md", import.meta.url), doc);
process.stdout.write(`${table}\n`);
process.exitCode = rows.some((r) => r.ok === false) ? 1 : 0;
