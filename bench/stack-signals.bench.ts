/**
 * How fast `lgauth dev` lets go when it is told to, or when it is gone (issue #20), for
 * `npm run bench`; also runnable alone: `npx tsx bench/stack-signals.bench.ts`.
 *  1. the terminal closes (script(1)'s pty is killed: lgauth dev gets SIGHUP) until no process
 *     of the stack runs and both ports are free; target 2 s;
 *  2. lgauth dev killed with SIGKILL (zombie or not) until both servers are gone; target 1 s.
 * Each on a warm data directory, n rounds; zombies count as gone (they hold nothing).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { killGroup, processRunning as running } from "../src/util/process.js";
import { portFree } from "../test/helpers/closed-port.js";
import { fmt, markdownTable, type Row, summarize } from "./lib.js";

const ROUNDS = Number(process.env.BENCH_SIGNAL_ROUNDS ?? 3);
const BIN = fileURLToPath(new URL("../bin/lgauth.js", import.meta.url));
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface State {
  pid: number;
  supabaseUrl: string;
  langgraphUrl: string;
  pids: { auth: number; langgraph: number };
}

/** Starts lgauth dev on a pty (script(1)); resolves once its state file names it. */
async function startOnTerminal(dataDir: string, env: NodeJS.ProcessEnv) {
  const command = [process.execPath, BIN, "dev", "--data-dir", dataDir, "--auth-port", "0", "--langgraph-port", "0"]
    .map((a) => `'${a}'`)
    .join(" ");
  const terminal = spawn("script", ["-qfec", command, "/dev/null"], { env, detached: true, stdio: "pipe" });
  let out = "";
  terminal.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  await until(async () => out.includes("Press Ctrl+C to stop"), 120_000);
  const state = JSON.parse(await readFile(join(dataDir, "state.json"), "utf8")) as State;
  return { terminal, state };
}

export async function signalFigures(): Promise<Row[]> {
  if (spawnSync("sh", ["-c", "command -v script"]).status !== 0) return [];
  const work = await mkdtemp(join(tmpdir(), "lgauth-bench-signals-"));
  const env: NodeJS.ProcessEnv = { ...process.env, LGAUTH_CONFIG_DIR: join(work, "config"), TERM: "xterm" };
  for (const k of ["SUPABASE_URL", "SUPABASE_ANON_KEY", "LANGGRAPH_URL"]) delete env[k];
  const hup: number[] = [];
  const orphan: number[] = [];
  try {
    const dataDir = join(work, "data");
    // warm-up (a cold data directory creates the auth database)
    const warm = await startOnTerminal(dataDir, env);
    killGroup(warm.terminal.pid ?? 0, "SIGKILL");
    await until(async () => ![warm.state.pid, warm.state.pids.auth, warm.state.pids.langgraph].some(running));
    for (let i = 0; i < ROUNDS; i++) {
      log(`SIGHUP round ${i + 1}`);
      const { terminal, state } = await startOnTerminal(dataDir, env);
      const pids = [state.pid, state.pids.auth, state.pids.langgraph];
      const ports = [state.supabaseUrl, state.langgraphUrl].map((u) => Number(new URL(u).port));
      const t0 = performance.now();
      process.kill(terminal.pid ?? 0, "SIGKILL"); // script only: its pty hangs up
      await until(async () => !pids.some(running) && (await Promise.all(ports.map(portFree))).every(Boolean));
      hup.push(performance.now() - t0);

      log(`SIGKILL round ${i + 1}`);
      const second = await startOnTerminal(dataDir, env);
      const t1 = performance.now();
      process.kill(second.state.pid, "SIGKILL");
      await until(async () => !running(second.state.pids.auth) && !running(second.state.pids.langgraph));
      orphan.push(performance.now() - t1);
      killGroup(second.terminal.pid ?? 0, "SIGKILL");
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const h = summarize(hup);
  const o = summarize(orphan);
  return [
    {
      figure: "lgauth dev, terminal closed (SIGHUP): to no process and both ports free",
      baseline: "-",
      value: `${fmt(h.median / 1000, 2)} s`,
      spread: `${fmt(h.min / 1000, 2)}–${fmt(h.max / 1000, 2)} s (min–max, n=${h.n})`,
      target: "<= 2 s",
      ok: h.max <= 2_000,
    },
    {
      figure: "lgauth dev killed (SIGKILL): its servers stop",
      baseline: "-",
      value: `${fmt(o.median / 1000, 2)} s`,
      spread: `${fmt(o.min / 1000, 2)}–${fmt(o.max / 1000, 2)} s (min–max, n=${o.n})`,
      target: "<= 1 s",
      ok: o.max <= 1_000,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${markdownTable(await signalFigures())}\n`);
}
