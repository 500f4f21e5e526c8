/**
 * Server figures for `npm run bench` (bench/run.ts puts them in its one table); also runnable
 * alone: `npx tsx bench/server.bench.ts` prints just these rows.
 *  1. LangGraph server boot, our launcher (startServer in one process) vs the official
 *     `langgraphjs dev`, alternating, spawn to first 200 on /info;
 *  2. `lgauth dev --json` start to its ready line (both servers answer: the stack waits for
 *     auth /health and LangGraph /info), cold (new data dir) and warm (the same dir again),
 *     alternating;
 *  3. POST /threads/search throughput with AUTH_VERIFY=jwks vs remote vs no auth, rounds
 *     alternating between the three servers, all behind the same local Supabase Auth server.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createClient } from "@supabase/supabase-js";
import { startStack } from "../src/stack/index.js";
import { type LangGraphLauncher, startLangGraphService } from "../src/stack/launchers.js";
import { waitUntilAnswers } from "../src/stack/wait.js";
import { type Comparison, fmt, markdownTable, ratioRow, type Row, summarize } from "./lib.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DEV_ROUNDS = Number(process.env.BENCH_DEV_ROUNDS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

function comparison(a: number[], b: number[]): Comparison {
  const sa = summarize(a);
  const sb = summarize(b);
  return { a: sa, b: sb, ratio: sa.median / sb.median };
}

export async function serverFigures(): Promise<Row[]> {
  const work = await mkdtemp(join(tmpdir(), "lgauth-bench-"));
  const auth = await startStack({ dataDir: work, authInMemory: true, authPort: 0, only: "auth" });
  const wired = {
    SUPABASE_URL: auth.supabaseUrl,
    SUPABASE_ANON_KEY: auth.anonKey,
    SUPABASE_SERVICE_KEY: auth.serviceRoleKey,
    LANGGRAPH_CLI_NO_ANALYTICS: "1",
  };
  const stops: (() => Promise<void>)[] = [() => auth.stop()];

  try {
    // 1. boot: startServer vs official dev server
    let bootN = 0;
    async function boot(launcher: LangGraphLauncher): Promise<number> {
      const cwd = join(work, `boot-${bootN++}`);
      await mkdir(cwd);
      const began = performance.now();
      const service = await startLangGraphService({
        launcher,
        host: "127.0.0.1",
        port: 0,
        cwd,
        nWorkers: 4,
        withAuth: true,
        env: { ...process.env, ...wired },
        log: undefined,
        readyTimeoutMs: 120_000,
      });
      const { url } = await service.ready;
      await waitUntilAnswers(`${url}/info`, 60_000);
      const ms = performance.now() - began;
      await service.stop();
      return ms;
    }
    log("boot: startServer vs langgraphjs dev");
    await boot("startServer");
    const bootA: number[] = [];
    const bootB: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        bootA.push(await boot("startServer"));
        bootB.push(await boot("cli-dev"));
      } else {
        bootB.push(await boot("cli-dev"));
        bootA.push(await boot("startServer"));
      }
    }

    // 2. lgauth dev cold vs warm (npm run bench builds first)
    if (!existsSync(join(ROOT, "dist", "cli.cjs"))) throw new Error("the CLI is not built (npm run build)");
    async function devReady(dataDir: string): Promise<number> {
      const began = performance.now();
      const child = spawn(
        process.execPath,
        [
          join(ROOT, "bin", "lgauth.js"),
          "dev",
          "--json",
          "--data-dir",
          dataDir,
          "--auth-port",
          "0",
          "--langgraph-port",
          "0",
        ],
        { env: { ...process.env, LGAUTH_CONFIG_DIR: join(work, "config") }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let err = "";
      child.stderr.on("data", (c: Buffer) => {
        err += c.toString();
      });
      const ms = await new Promise<number>((resolve, reject) => {
        child.stdout.on("data", (c: Buffer) => {
          if (c.toString().includes('"supabase_url"')) resolve(performance.now() - began);
        });
        child.once("exit", (code) => reject(new Error(`lgauth dev exited ${code}: ${err.slice(-500)}`)));
      });
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      return ms;
    }
    log("lgauth dev: cold vs warm data dir");
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < DEV_ROUNDS; i++) {
      const dataDir = join(work, `dev-${i}`);
      cold.push(await devReady(dataDir));
      warm.push(await devReady(dataDir));
    }

    // 3. throughput
    log("throughput: starting three LangGraph servers (jwks, remote, no auth)");
    const modes = [
      { name: "AUTH_VERIFY=jwks", env: { AUTH_VERIFY: "jwks" }, withAuth: true },
      { name: "AUTH_VERIFY=remote", env: { AUTH_VERIFY: "remote" }, withAuth: true },
      { name: "no auth", env: {}, withAuth: false },
    ];
    const servers = await Promise.all(
      modes.map(async (mode, i) => {
        const cwd = join(work, `tp-${i}`);
        await mkdir(cwd);
        const service = await startLangGraphService({
          launcher: "startServer",
          host: "127.0.0.1",
          port: 0,
          cwd,
          nWorkers: 4,
          withAuth: mode.withAuth,
          env: { ...process.env, ...wired, ...mode.env },
          log: undefined,
          readyTimeoutMs: 120_000,
        });
        stops.push(() => service.stop());
        return (await service.ready).url;
      }),
    );
    const supabase = createClient(auth.supabaseUrl, auth.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: {
        transport: class {
          constructor() {
            throw new Error("no realtime");
          }
        } as never,
      },
    });
    const { data, error } = await supabase.auth.signUp({
      email: `bench.${process.pid}@example.com`,
      password: "bench-Secret-123",
    });
    if (error || !data.session) throw error ?? new Error("no session");
    const headers = {
      Authorization: `Bearer ${data.session.access_token}`,
      "Content-Type": "application/json",
    };
    for (const url of servers) {
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${url}/threads`, { method: "POST", headers, body: "{}" });
        if (res.status !== 200) throw new Error(`seeding ${url}: ${res.status}`);
      }
    }
    async function throughput(url: string): Promise<number> {
      const end = performance.now() + SECONDS * 1000;
      let count = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < end) {
            const res = await fetch(`${url}/threads/search`, { method: "POST", headers, body: '{"limit":10}' });
            const body = (await res.json()) as unknown[];
            if (res.status !== 200 || body.length !== 10) throw new Error(`${url}: ${res.status}`);
            count++;
          }
        }),
      );
      return count / SECONDS;
    }
    for (const url of servers) await throughput(url); // warm-up (JWKS fetch, JIT)
    const rates: number[][] = modes.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
      for (const i of order) rates[i]!.push(await throughput(servers[i]!));
    }

    const c = summarize(cold);
    const w = summarize(warm);
    const s = (ms: number) => fmt(ms / 1000, 2);
    const jwks = rates[0]!;
    const remote = rates[1]!;
    const none = rates[2]!;
    const tp = `req/s, ${CONCURRENCY} clients`;
    return [
      {
        ...ratioRow(
          "LangGraph server boot, our launcher (spawn to /info)",
          "official `langgraphjs dev`",
          comparison(bootA, bootB),
          "ms",
          "report",
          () => true,
        ),
        ok: null,
      },
      {
        figure: "`lgauth dev` to ready, warm data dir",
        baseline: "cold data dir (same run)",
        value: `${s(w.median)} s (cold ${s(c.median)} s; ${fmt(w.median / c.median, 2)}x)`,
        spread: `warm ${s(w.min)}–${s(w.max)} s, cold ${s(c.min)}–${s(c.max)} s (min–max, n=${w.n})`,
        target: "report; <= 3 s",
        ok: w.median <= 3000,
      },
      ratioRow(
        "LangGraph `POST /threads/search` throughput, `AUTH_VERIFY=jwks`",
        "same server, no auth",
        comparison(jwks, none),
        tp,
        ">= 0.8x",
        (r) => r >= 0.8,
      ),
      ratioRow(
        "same, `jwks`",
        "`AUTH_VERIFY=remote` (per-request call)",
        comparison(jwks, remote),
        tp,
        ">= 3x",
        (r) => r >= 3,
      ),
    ];
  } finally {
    for (const stop of stops.reverse()) await stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${markdownTable(await serverFigures())}\n`);
}
