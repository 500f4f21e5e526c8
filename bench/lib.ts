/**
 * Benchmark helpers: every figure is a ratio against a baseline measured in the same run,
 * A and B alternating after a warm-up, medians quoted with their spread.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export interface Sample {
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(values: number[]): Sample {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] ?? Number.NaN;
  return {
    median: at(0.5),
    p25: at(0.25),
    p75: at(0.75),
    min: s[0] ?? Number.NaN,
    max: s[s.length - 1] ?? Number.NaN,
    n: s.length,
  };
}

export interface Command {
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  input?: string;
}

function run(c: Command, argv: [string, string[]]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv[1], { env: c.env ?? process.env });
    let stderr = "";
    child.stdout.resume();
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
    child.stdin.end(c.input ?? "");
  });
}

/**
 * Wall time of one run in milliseconds; throws if the command fails. Asynchronous, so servers
 * living in the benchmark's own process keep answering while it runs.
 */
export async function timeCommand(c: Command): Promise<number> {
  const start = process.hrtime.bigint();
  const r = await run(c, [c.cmd, c.args]);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.code !== 0) throw new Error(`${c.cmd} ${c.args.join(" ")} failed (${r.code}): ${r.stderr.slice(0, 500)}`);
  return ms;
}

/** CPU time (user + system) of this process's finished children so far, ms (Linux: /proc/self/stat). */
function childrenCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields after the command name start at field 3 (state); cutime and cstime are fields 16 and 17
  const ticks = Number(fields[13]) + Number(fields[14]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/**
 * CPU time (user + system) per run in milliseconds, over `batch` runs in a row (the kernel counts
 * children's time in 10 ms ticks, so one run alone is too coarse). Unlike wall time, it barely
 * moves when other work shares the machine: it is what the command itself costs.
 */
export async function cpuPerRun(c: Command, batch = 8): Promise<number> {
  const before = childrenCpuMs();
  for (let i = 0; i < batch; i++) {
    const r = await run(c, [c.cmd, c.args]);
    if (r.code !== 0) throw new Error(`${c.cmd} ${c.args.join(" ")} failed (${r.code}): ${r.stderr.slice(0, 500)}`);
  }
  return (childrenCpuMs() - before) / batch;
}

/** Peak resident memory (KiB) of one run, read by GNU time. */
export async function peakRssKiB(c: Command): Promise<number> {
  const r = await run(c, ["/usr/bin/time", ["-f", "%M", c.cmd, ...c.args]]);
  if (r.code !== 0) throw new Error(`${c.cmd} failed under /usr/bin/time: ${r.stderr.slice(-500)}`);
  const lines = r.stderr.trim().split("\n");
  return Number(lines[lines.length - 1]);
}

export interface Comparison {
  a: Sample;
  b: Sample;
  /** median(a) / median(b) */
  ratio: number;
}

/** Runs a and b alternately (`runs` each, after `warmup` of each) and compares medians. */
export async function compare(
  measureA: () => Promise<number>,
  measureB: () => Promise<number>,
  runs = 15,
  warmup = 3,
): Promise<Comparison> {
  for (let i = 0; i < warmup; i++) {
    await measureA();
    await measureB();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      a.push(await measureA());
      b.push(await measureB());
    } else {
      b.push(await measureB());
      a.push(await measureA());
    }
  }
  const sa = summarize(a);
  const sb = summarize(b);
  return { a: sa, b: sb, ratio: sa.median / sb.median };
}

export interface Row {
  figure: string;
  baseline: string;
  value: string;
  spread: string;
  target: string;
  ok: boolean | null;
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "n/a";
}

export function ratioRow(
  figure: string,
  baseline: string,
  c: Comparison,
  unit: string,
  target: string,
  pass: (r: number) => boolean,
  /** What one sample is, when not one run ("batches of 8"). */
  sample?: string,
): Row {
  return {
    figure,
    baseline,
    value: `${fmt(c.ratio, 2)}x (${fmt(c.a.median)} vs ${fmt(c.b.median)} ${unit})`,
    spread: `A ${fmt(c.a.p25)}–${fmt(c.a.p75)}, B ${fmt(c.b.p25)}–${fmt(c.b.p75)} ${unit} (IQR, n=${c.a.n}${sample ? `, ${sample}` : ""})`,
    target,
    ok: pass(c.ratio),
  };
}

export function markdownTable(rows: Row[]): string {
  const head = "| figure | baseline | measured | spread | target | ok |\n|---|---|---|---|---|---|";
  const body = rows.map(
    (r) =>
      `| ${r.figure} | ${r.baseline} | ${r.value} | ${r.spread} | ${r.target} | ${r.ok === null ? "report" : r.ok ? "yes" : "NO"} |`,
  );
  return [head, ...body].join("\n");
}
