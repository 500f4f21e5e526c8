/**
 * Server-side benchmark (`npx tsx bench/server.bench.ts`), every figure from one run:
 *  1. LangGraph server boot, our launcher (startServer in one process) vs the official
 *     `langgraphjs dev`, alternating, spawn to first 200 on /info;
 *  2. `lgauth dev --json` start to its ready line, cold (new data dir) vs warm (same dir again);
 *  3. POST /threads/search throughput with AUTH_VERIFY=jwks vs remote vs no auth, rounds
 *     alternating between the three servers, all behind the same local Supabase Auth server.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { createClient } from "@supabase/supabase-js";
import { startStack } from "../src/stack/index.js";
import { type LangGraphLauncher, startLangGraphService } from "../src/stack/launchers.js";
import { waitUntilAnswers } from "../src/stack/wait.js";
import { summarize } from "./lib.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

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
    bootA.push(await boot("startServer"));
    bootB.push(await boot("cli-dev"));
  }

  // 2. lgauth dev cold vs warm
  if (spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { stdio: "inherit" }).status !== 0) {
    throw new Error("the CLI does not build; `lgauth dev` cannot be timed");
  }
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
  for (let i = 0; i < ROUNDS; i++) {
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

  const a = summarize(bootA);
  const b = summarize(bootB);
  const c = summarize(cold);
  const w = summarize(warm);
  const none = summarize(rates[2]!).median;
  const lines = [
    `Machine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}; ${ROUNDS} rounds`,
    "",
    "| figure | median | spread (min-max) | ratio |",
    "|---|---|---|---|",
    `| LangGraph boot, our startServer launcher | ${fmt(a.median)} | ${fmt(a.min)}-${fmt(a.max)} | 1 |`,
    `| LangGraph boot, official langgraphjs dev | ${fmt(b.median)} | ${fmt(b.min)}-${fmt(b.max)} | ${(b.median / a.median).toFixed(2)} x ours |`,
    `| lgauth dev ready, cold data dir | ${fmt(c.median)} | ${fmt(c.min)}-${fmt(c.max)} | 1 |`,
    `| lgauth dev ready, warm data dir | ${fmt(w.median)} | ${fmt(w.min)}-${fmt(w.max)} | ${(w.median / c.median).toFixed(2)} x cold |`,
    ...modes.map((m, i) => {
      const s = summarize(rates[i]!);
      return `| POST /threads/search, ${m.name} (${CONCURRENCY} clients) | ${s.median.toFixed(0)} req/s | ${s.min.toFixed(0)}-${s.max.toFixed(0)} | ${(s.median / none).toFixed(2)} x no auth |`;
    }),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  for (const stop of stops.reverse()) await stop();
  await rm(work, { recursive: true, force: true });
}
