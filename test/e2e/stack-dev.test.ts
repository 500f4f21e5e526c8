/**
 * `lgauth dev` as a user runs it (the built CLI, node bin/lgauth.js): one JSON line once both
 * servers answer, defaults saved for profiles without servers, a clean stop on SIGINT and
 * SIGTERM, a non-zero exit naming the child that died, and one-line errors for a taken port
 * and bad flags. Every process is stopped by pid at the end (test/helpers/children.ts).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Child, startChild, stopAllChildren } from "../helpers/children.js";
import { LGAUTH_BIN, runCli } from "../helpers/cli.js";
import { createRemoteJWKSet, jwtVerify } from "jose";

let dir: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lgauth-stack-test-"));
  env = { ...process.env, LGAUTH_CONFIG_DIR: join(dir, "config"), NO_COLOR: "1" };
});
after(async () => {
  await stopAllChildren();
  await rm(dir, { recursive: true, force: true });
});

interface Ready {
  supabase_url: string;
  supabase_anon_key: string;
  supabase_service_key: string;
  langgraph_url: string | null;
  oidc_issuer: string | null;
  oidc_demo_email: string | null;
  data_dir: string;
}

/** Starts `lgauth dev --json`; resolves with the child, its parsed ready line and all of its stdout. */
async function startDev(args: string[]): Promise<{ child: Child; ready: Ready; stdout: () => string }> {
  const child = startChild(process.execPath, [LGAUTH_BIN, "dev", "--json", ...args], { env });
  let stdout = "";
  child.proc.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
  });
  const [line] = await child.waitFor(/^\{"supabase_url".*\}$/m, 60_000);
  return { child, ready: JSON.parse(line) as Ready, stdout: () => stdout };
}

/** Direct children of `pid`, with their command lines (read from /proc, not by name). */
function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const statLine = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(statLine.slice(statLine.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) {
        out.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ") });
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Running, not a zombie (an orphan is reparented to an init that may reap it late). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("lgauth dev", () => {
  it("prints one JSON line once both servers answer, saves defaults, stops both on SIGINT", async () => {
    const config = join(dir, "config", "config.json");
    await rm(join(dir, "config"), { recursive: true, force: true });
    await mkdir(join(dir, "config"), { recursive: true, mode: 0o700 });
    await writeFile(
      config,
      JSON.stringify({ version: 1, defaults: {}, profiles: { prod: { supabaseUrl: "https://prod.example.com" } } }),
    );
    const dataDir = join(dir, "data-a");
    const { child, ready, stdout } = await startDev([
      "--data-dir",
      dataDir,
      "--auth-port",
      "0",
      "--langgraph-port",
      "0",
    ]);

    assert.equal(ready.data_dir, dataDir);
    assert.match(ready.supabase_url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(ready.langgraph_url ?? "", /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(`${ready.langgraph_url}/info`)).status, 200);
    const health = await fetch(`${ready.supabase_url}/auth/v1/health`, {
      headers: { apikey: ready.supabase_anon_key },
    });
    assert.equal(health.status, 200);
    // the local OpenID provider runs in the auth child and is OAuth provider "local"
    assert.match(ready.oidc_issuer ?? "", /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(ready.oidc_demo_email, "demo@lgauth.local");
    const discovery = await fetch(`${ready.oidc_issuer}/.well-known/openid-configuration`);
    assert.equal(((await discovery.json()) as { issuer: string }).issuer, ready.oidc_issuer);
    const settings = await fetch(`${ready.supabase_url}/auth/v1/settings`, {
      headers: { apikey: ready.supabase_anon_key },
    });
    assert.equal(((await settings.json()) as { external: Record<string, boolean> }).external.local, true);
    assert.equal((await fetch(`${ready.langgraph_url}/threads/search`, { method: "POST", body: "{}" })).status, 401);
    assert.equal(((await stat(dataDir)).mode & 0o777).toString(8), "700");

    const saved = JSON.parse(await readFile(config, "utf8"));
    assert.deepEqual(saved.defaults, { localStack: dataDir }, "profiles without servers follow the stack");
    const state = JSON.parse(await readFile(join(dataDir, "state.json"), "utf8"));
    assert.equal(state.pid, child.pid);
    assert.equal(state.supabaseUrl, ready.supabase_url);
    assert.equal(state.langgraphUrl, ready.langgraph_url);
    assert.equal(state.serviceRoleKey, ready.supabase_service_key);
    assert.equal(((await stat(join(dataDir, "state.json"))).mode & 0o777).toString(8), "600");
    assert.deepEqual(saved.profiles.prod, { supabaseUrl: "https://prod.example.com" }, "a profile's own servers stay");

    const kids = childrenOf(child.pid);
    assert.equal(kids.length, 2, kids.map((k) => k.cmdline).join("\n"));
    process.kill(child.pid, "SIGINT");
    const exit = await child.exited;
    assert.equal(exit.code, 0, child.output().slice(-1500));
    for (const kid of kids) assert.ok(!alive(kid.pid), `child ${kid.pid} still running`);
    assert.equal(stdout().trim().split("\n").length, 1, "exactly one line on stdout");
    await assert.rejects(stat(join(dataDir, "state.json")), /ENOENT/, "a stopped stack leaves no state file");
    const files = await readdir(join(dataDir, "langgraph", ".langgraph_api"));
    assert.ok(files.includes(".langgraphjs_ops.json"), "the LangGraph server flushed its storage on the way out");
  });

  it("--mfa reaches the LangGraph server; exits non-zero naming it when it dies, and stops the auth server", async () => {
    // the data directory of the first test again: a warm start
    const { child, ready } = await startDev([
      ...["--data-dir", join(dir, "data-a"), "--auth-port", "0", "--langgraph-port", "0"],
      ...["--mfa", "required"],
    ]);
    const signup = await fetch(`${ready.supabase_url}/auth/v1/signup`, {
      method: "POST",
      headers: { apikey: ready.supabase_anon_key, "Content-Type": "application/json" },
      body: JSON.stringify({ email: `dev-mfa-${process.pid}@example.com`, password: "dev-mfa-Secret-1" }),
    });
    const { access_token: aal1 } = (await signup.json()) as { access_token: string };
    // a verifier written for production (a plain remote JWKS, no apikey) works against lgauth dev
    const jwks = createRemoteJWKSet(new URL(`${ready.supabase_url}/auth/v1/.well-known/jwks.json`));
    const { payload } = await jwtVerify(aal1, jwks, { issuer: `${ready.supabase_url}/auth/v1` });
    assert.equal(payload.aud, "authenticated");
    const refused = await fetch(`${ready.langgraph_url}/threads/search`, {
      method: "POST",
      headers: { Authorization: `Bearer ${aal1}`, "Content-Type": "application/json" },
      body: "{}",
    });
    assert.equal(refused.status, 403, "AUTH_MFA=required refuses an aal1 token");
    assert.match(await refused.text(), /MFA required/);
    const kids = childrenOf(child.pid);
    const langgraph = kids.find((k) => k.cmdline.includes("langgraph-entry"));
    const auth = kids.find((k) => k.cmdline.includes("auth-entry"));
    assert.ok(langgraph && auth, kids.map((k) => k.cmdline).join("\n"));
    process.kill(langgraph.pid, "SIGKILL");
    const exit = await child.exited;
    assert.equal(exit.code, 1);
    assert.match(child.output(), /lgauth: the LangGraph server stopped unexpectedly.*SIGKILL/);
    assert.ok(!/\n\s+at /.test(child.output()), "no stack trace");
    assert.ok(!alive(auth.pid), "the auth server was stopped too");
  });
});

describe("lgauth dev leaves nothing behind", () => {
  async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (check()) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return check();
  }

  it("SIGTERM while the servers are still starting stops both", async () => {
    const child = startChild(
      process.execPath,
      [LGAUTH_BIN, "dev", "--data-dir", join(dir, "data-a"), "--auth-port", "0", "--langgraph-port", "0"],
      { env },
    );
    assert.ok(await until(() => childrenOf(child.pid).length === 2, 10_000), "both children spawned");
    const kids = childrenOf(child.pid);
    process.kill(child.pid, "SIGTERM");
    const exit = await child.exited;
    assert.equal(exit.code, 0, child.output().slice(-1000));
    assert.doesNotMatch(child.output(), /ready in/, "it was stopped before it was ready");
    for (const kid of kids) assert.ok(await until(() => !alive(kid.pid), 5_000), `child ${kid.pid} still running`);
  });

  it("--only auth --no-oidc starts just the auth server, which stops itself when lgauth dev is killed with SIGKILL", async () => {
    const { child, ready } = await startDev([
      "--only",
      "auth",
      "--no-oidc",
      "--data-dir",
      join(dir, "data-a"),
      "--auth-port",
      "0",
    ]);
    assert.equal(ready.langgraph_url, null);
    assert.equal(ready.oidc_issuer, null);
    const kids = childrenOf(child.pid);
    assert.equal(kids.length, 1);
    assert.match(kids[0]!.cmdline, /auth-entry/);
    process.kill(child.pid, "SIGKILL");
    await child.exited;
    assert.ok(await until(() => !alive(kids[0]!.pid), 5_000), "the orphaned auth server stopped");
  });
});

describe("lgauth dev errors", () => {
  let blocker: Server;
  let port: number;
  before(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    port = (blocker.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  for (const flag of ["--auth-port", "--langgraph-port"]) {
    it(`names a taken ${flag} in one line and starts nothing`, async () => {
      const other = flag === "--auth-port" ? "--langgraph-port" : "--auth-port";
      const res = await runCli(["dev", "--data-dir", join(dir, "data-d"), flag, String(port), other, "0"], { env });
      assert.equal(res.code, 1);
      assert.equal(res.stderr.trim().split("\n").length, 1, res.stderr);
      assert.match(res.stderr, new RegExp(`^lgauth: port ${port} is already in use .*${flag} 0`));
      assert.equal(res.stdout, "");
    });
  }

  for (const args of [
    ["--auth-port", "abc"],
    ["--langgraph-port", "70000"],
    ["--only", "langgraph"],
    ["--mfa", "aal2"],
  ]) {
    it(`refuses ${args.join(" ")} as bad usage`, async () => {
      const res = await runCli(["dev", ...args], { env });
      assert.equal(res.code, 2);
      assert.match(res.stderr, /^lgauth: /);
    });
  }
});
