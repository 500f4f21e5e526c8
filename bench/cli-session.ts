/**
 * CLI figures that need servers: `lgauth token` with a valid token, `lgauth threads list` (20
 * threads) against a minimal Node script making the same HTTP call, peak memory, and how many
 * requests reach Supabase Auth (valid token: none; 8 parallel commands, expired token: one).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalSupabase } from "../src/local-supabase/index.js";
import { startCountingProxy } from "../test/helpers/counting-proxy.js";
import { startOurLangGraph } from "../test/helpers/our-langgraph.js";
import { type Row, compare, cpuPerRun, peakRssKiB, ratioRow, summarize, timeCommand } from "./lib.js";

const BIN = fileURLToPath(new URL("../bin/lgauth.js", import.meta.url));
const NODE = process.execPath;

function runCli(args: string[], env: NodeJS.ProcessEnv, stdin = ""): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(NODE, [BIN, ...args], { env });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", () => {});
    child.on("close", (code) => resolve({ code, out }));
    child.stdin.end(stdin);
  });
}

export async function cliSession(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), "lgauth-bench-cli-"));
  const auth = await startLocalSupabase({ port: 0 });
  const shortAuth = await startLocalSupabase({ port: 0, accessTokenTtl: 66 });
  const proxy = await startCountingProxy(auth.url);
  const shortProxy = await startCountingProxy(shortAuth.url);
  const lg = await startOurLangGraph(auth, { dir });
  try {
    const langgraphUrl = lg.url;
    const base: NodeJS.ProcessEnv = {
      ...process.env,
      LGAUTH_CONFIG_DIR: join(dir, "config"),
      LGAUTH_CREDENTIAL_STORE: "file",
      LANGGRAPH_URL: langgraphUrl,
    };
    const env = { ...base, SUPABASE_URL: proxy.url, SUPABASE_ANON_KEY: auth.anonKey };
    const shortEnv = { ...base, SUPABASE_URL: shortProxy.url, SUPABASE_ANON_KEY: shortAuth.anonKey };
    const su = await runCli(
      ["--profile", "alice", "signup", "--email", "alice@bench.test", "--password-stdin"],
      env,
      "Bench-Secret-1\n",
    );
    if (su.code !== 0) throw new Error("signup failed");
    const token = (await runCli(["--profile", "alice", "token"], env)).out.trim();
    for (let i = 0; i < 20; i++) {
      await fetch(`${langgraphUrl}/threads`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ metadata: { n: i } }),
      });
    }
    const node = { cmd: NODE, args: ["-e", "0"] };
    const rows: Row[] = [];

    proxy.seen.length = 0;
    const tok = await compare(
      () => timeCommand({ cmd: NODE, args: [BIN, "--profile", "alice", "token"], env }),
      () => timeCommand(node),
      15,
    );
    rows.push(ratioRow("`lgauth token` (valid token)", "`node -e 0`", tok, "ms", "<= 1.35x", (r) => r <= 1.35));
    const tokCpu = await compare(
      () => cpuPerRun({ cmd: NODE, args: [BIN, "--profile", "alice", "token"], env }),
      () => cpuPerRun(node),
      7,
      1,
    );
    rows.push(
      ratioRow(
        "`lgauth token` CPU time (user+sys)",
        "`node -e 0`",
        tokCpu,
        "ms",
        "<= 1.35x",
        (r) => r <= 1.35,
        "batches of 8",
      ),
    );
    const sent = proxy.seen.length;
    rows.push({
      figure: "requests to Supabase Auth, command with a valid token",
      baseline: "-",
      value: `${sent} in ${tok.a.n + 3} runs of \`lgauth token\``,
      spread: "-",
      target: "0",
      ok: sent === 0,
    });

    const minimal = `fetch(process.env.LANGGRAPH_URL+"/threads/search",{method:"POST",headers:{Authorization:"Bearer "+process.env.BENCH_TOKEN,"Content-Type":"application/json"},body:JSON.stringify({limit:20})}).then(r=>r.text()).then(t=>process.stdout.write(t))`;
    const minimalCmd = { cmd: NODE, args: ["-e", minimal], env: { ...env, BENCH_TOKEN: token } };
    const list = await compare(
      () => timeCommand({ cmd: NODE, args: [BIN, "--profile", "alice", "threads", "list", "--limit", "20"], env }),
      () => timeCommand(minimalCmd),
      15,
    );
    rows.push(
      ratioRow(
        "`lgauth threads list` (20 threads)",
        "minimal Node script, same HTTP call",
        list,
        "ms",
        "<= 1.3x",
        (r) => r <= 1.3,
      ),
    );
    const memA: number[] = [];
    const memB: number[] = [];
    for (let i = 0; i < 5; i++) {
      memA.push(await peakRssKiB({ cmd: NODE, args: [BIN, "--profile", "alice", "threads", "list"], env }));
      memB.push(await peakRssKiB(node));
    }
    const ma = summarize(memA);
    const mb = summarize(memB);
    rows.push({
      figure: "peak memory of `lgauth threads list`",
      baseline: "`node -e 0`",
      value: `${(ma.median / mb.median).toFixed(2)}x (${(ma.median / 1024).toFixed(0)} vs ${(mb.median / 1024).toFixed(0)} MiB)`,
      spread: `A ${(ma.min / 1024).toFixed(0)}–${(ma.max / 1024).toFixed(0)}, B ${(mb.min / 1024).toFixed(0)}–${(mb.max / 1024).toFixed(0)} MiB (n=5)`,
      target: "<= 2x",
      ok: ma.median / mb.median <= 2,
    });

    // 8 parallel commands when the token is about to expire: one refresh between them
    const s2 = await runCli(
      ["--profile", "bob", "signup", "--email", "bob@bench.test", "--password-stdin"],
      shortEnv,
      "Bench-Secret-2\n",
    );
    if (s2.code !== 0) throw new Error("signup (short tokens) failed");
    await new Promise((r) => setTimeout(r, 7_000)); // 66 s token: under 60 s left now
    shortProxy.seen.length = 0;
    const results = await Promise.all(Array.from({ length: 8 }, () => runCli(["--profile", "bob", "token"], shortEnv)));
    const refreshes = shortProxy.count(/^POST \/auth\/v1\/token/);
    const distinct = new Set(results.map((r) => r.out.trim())).size;
    rows.push({
      figure: "requests to Supabase Auth by 8 parallel commands, token about to expire",
      baseline: "-",
      value: `${refreshes} (all 8 exit ${results.every((r) => r.code === 0) ? "0" : "non-zero"}, ${distinct} distinct token)`,
      spread: "-",
      target: "exactly 1",
      ok: refreshes === 1 && results.every((r) => r.code === 0),
    });
    return rows;
  } finally {
    await lg.service.stop();
    await proxy.close();
    await shortProxy.close();
    await auth.stop();
    await shortAuth.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
