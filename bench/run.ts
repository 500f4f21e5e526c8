/**
 * `npm run bench`: runs every benchmark, prints one table and writes bench/RESULTS.md with the
 * machine, the date, medians, spreads and ratios.
 */
import { writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { cliSession } from "./cli-session.js";
import { cliStartup } from "./cli-startup.js";
import { type Row, markdownTable } from "./lib.js";

const suites: [string, () => Promise<Row[]>][] = [
  ["CLI start-up", cliStartup],
  ["CLI with a session", cliSession],
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

const table = markdownTable(rows);
const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const doc = `# Benchmark results\n\nMachine: ${machine}\nDate: ${new Date().toISOString()}\nCommand: \`npm run bench\`\n\nRatios are median(A) / median(B), A and B alternating in the same run after a warm-up.\n\n${table}\n`;
await writeFile(new URL("./RESULTS.md", import.meta.url), doc);
process.stdout.write(`${table}\n`);
process.exitCode = rows.some((r) => r.ok === false) ? 1 : 0;
