/**
 * `npm run bench`: runs every benchmark, prints one table and writes bench/RESULTS.md with the
 * machine, the date, medians, spreads and ratios.
 */
import { writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { cliSession } from "./cli-session.js";
import { cliStartup } from "./cli-startup.js";
import { demoTime } from "./demo-time.js";
import { spawnSync } from "node:child_process";
import { type Row, markdownTable } from "./lib.js";

const suites: [string, () => Promise<Row[]>][] = [
  ["CLI start-up", cliStartup],
  ["CLI with a session", cliSession],
  ["demo", demoTime],
];

const rows: Row[] = [];
for (const [name, run] of suites) {
  process.stderr.write(`bench: ${name}…\n`);
  try {
    rows.push(...(await run()));
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

// The server figures (boot, `lgauth dev` to ready, /threads/search throughput by auth mode)
// come from their own script, which prints its table.
process.stderr.write("bench: server…\n");
const server = spawnSync(process.execPath, ["--import", "tsx", "bench/server.bench.ts"], {
  cwd: new URL("..", import.meta.url),
  encoding: "utf8",
  env: { ...process.env, BENCH_ROUNDS: process.env.BENCH_ROUNDS ?? "3" },
});
const serverTable =
  server.status === 0 ? server.stdout.trim() : `server benchmark failed: ${server.stderr.slice(-400)}`;

const table = markdownTable(rows);
const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const doc = `# Benchmark results\n\nMachine: ${machine}\nDate: ${new Date().toISOString()}\nCommand: \`npm run bench\`\n\nRatios are median(A) / median(B), A and B alternating in the same run after a warm-up.\n\n${table}\n\n## Server\n\n\`npx tsx bench/server.bench.ts\` (targets: jwks >= 0.8x no auth, jwks >= 3x remote; dev ready <= 3 s warm)\n\n${serverTable}\n`;
await writeFile(new URL("./RESULTS.md", import.meta.url), doc);
process.stdout.write(`${table}\n\n${serverTable}\n`);
process.exitCode = rows.some((r) => r.ok === false) ? 1 : 0;
