/**
 * `lgauth dev` as a background service and in a terminal that closes, end to end with the real
 * processes (the built CLI):
 *  - a snapshot that cannot be read and has no previous one: `dev --detach` refuses to start,
 *    naming --reset-data, and starts nothing; `--reset-data` then starts it;
 *  - `dev --detach --json`, `dev status [--json]`, `dev logs [-f]`, `dev mail`, `dev stop`, and
 *    `status` saying so when nothing runs;
 *  - the terminal closes (script(1)'s pty goes away: SIGHUP): no process left, ports free
 *    (how fast: bench/stack-signals.bench.ts).
 * Every process is stopped by pid at the end (test/helpers/children.ts), also on failure.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { processRunning as running } from "../../src/util/process.js";
import { startChild, stopAllChildren } from "../helpers/children.js";
import { LGAUTH_BIN, runCli } from "../helpers/cli.js";
import { portFree } from "../helpers/closed-port.js";

let dir: string;
let env: NodeJS.ProcessEnv;
const started: number[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lgauth-service-test-"));
  env = { ...process.env, LGAUTH_CONFIG_DIR: join(dir, "config"), NO_COLOR: "1" };
  for (const k of ["SUPABASE_URL", "SUPABASE_ANON_KEY", "LANGGRAPH_URL", "LGAUTH_PROFILE", "LGAUTH_DATA_DIR"])
    delete env[k];
});
after(async () => {
  // a background stack this file started, if a test failed before stopping it
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  await stopAllChildren();
  await rm(dir, { recursive: true, force: true });
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

interface State {
  pid: number;
  supabaseUrl: string;
  langgraphUrl: string;
  anonKey: string;
  pids: { auth: number; langgraph: number };
  detached: boolean;
  logFile: string | null;
}

describe("lgauth dev --detach, status, logs, mail, stop", () => {
  it("refuses an unreadable snapshot naming --reset-data, then runs in the background until stopped", async () => {
    const dataDir = join(dir, "bg");
    const api = join(dataDir, "langgraph", ".langgraph_api");
    await mkdir(api, { recursive: true, mode: 0o700 });
    await writeFile(join(api, ".langgraphjs_ops.json"), '{"json":{"threads":{"'); // torn, no previous
    // a readable store snapshot (superjson of two empty Maps): --reset-data moves it aside
    await writeFile(
      join(api, ".langgraphjs_api.store.json"),
      '{"json":{"data":[],"vectors":[]},"meta":{"values":{"data":["map"],"vectors":["map"]}}}',
    );
    const args = ["--data-dir", dataDir, "--auth-port", "0", "--langgraph-port", "0"];

    const refused = await runCli(["dev", "--detach", ...args], { env, timeoutMs: 120_000 });
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.stdout, "");
    const line = refused.stderr.trim();
    assert.equal(line.split("\n").length, 1, line);
    assert.match(
      line,
      /^lgauth: LangGraph storage: \.langgraphjs_ops\.json could not be read \(.*\) and there is no previous snapshot; moved it aside as \.langgraphjs_ops\.json\.corrupt-\S+ and did not start/,
    );
    assert.match(line, new RegExp(`run \`lgauth dev --data-dir ${dataDir} --reset-data\``));
    const notRunning = await runCli(["dev", "status", "--data-dir", dataDir], { env });
    assert.equal(notRunning.code, 1);
    assert.match(notRunning.stdout, /^lgauth dev: not running \(data directory /);

    const up = await runCli(["dev", "--detach", "--reset-data", "--json", ...args], { env, timeoutMs: 120_000 });
    assert.equal(up.code, 0, up.stderr);
    const ready = JSON.parse(up.stdout) as {
      pid: number;
      supabase_url: string;
      langgraph_url: string;
      log_file: string;
    };
    started.push(ready.pid);
    assert.equal(ready.log_file, join(dataDir, "dev.log"));
    assert.match(up.stderr, /^lgauth dev: --reset-data: moved \.langgraphjs_api\.store\.json aside as /m);
    const state = JSON.parse(await readFile(join(dataDir, "state.json"), "utf8")) as State;
    assert.equal(state.pid, ready.pid);
    assert.equal(state.detached, true);
    assert.equal((await stat(join(dataDir, "state.json"))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDir, "dev.log"))).mode & 0o777, 0o600);
    assert.ok((await readdir(api)).some((f) => f.includes(".reset-") || f.includes(".corrupt-")));

    const status = await runCli(["dev", "status", "--json", "--data-dir", dataDir], { env });
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as {
      running: boolean;
      answers: boolean;
      pid: number;
      uptime_seconds: number;
      data_dir: string;
      langgraph: { url: string; answers: boolean };
    };
    assert.equal(s.running, true);
    assert.equal(s.answers, true);
    assert.equal(s.pid, ready.pid);
    assert.equal(s.langgraph.url, ready.langgraph_url);
    assert.equal(s.data_dir, dataDir);
    const human = await runCli(["dev", "status", "--data-dir", dataDir], { env });
    assert.match(human.stdout, new RegExp(`running in the background \\(pid ${ready.pid}, up `));

    // mail: an emailed code goes to the outbox; `dev mail` reads it with the key from the state file
    const otp = await fetch(`${ready.supabase_url}/auth/v1/otp`, {
      method: "POST",
      headers: { apikey: state.anonKey, "content-type": "application/json" },
      body: JSON.stringify({ email: "mail.reader@example.com", create_user: true }),
    });
    assert.equal(otp.status, 200, await otp.text());
    const mail = await runCli(["dev", "mail", "--email", "Mail.Reader@example.com", "--json", "--data-dir", dataDir], {
      env,
    });
    assert.equal(mail.code, 0, mail.stderr);
    const messages = (JSON.parse(mail.stdout) as { messages: { to: string; token: string; link: string }[] }).messages;
    assert.equal(messages.length, 1);
    assert.equal(messages[0]?.to, "mail.reader@example.com");
    assert.match(messages[0]?.token ?? "", /^\d{6}$/);
    // a mail without a link (a reauthentication nonce) is listed with its code, and no link line
    const signup = await fetch(`${ready.supabase_url}/auth/v1/signup`, {
      method: "POST",
      headers: { apikey: state.anonKey, "content-type": "application/json" },
      body: JSON.stringify({ email: "nonce.reader@example.com", password: "nonce-reader-pw-1" }),
    });
    const session = (await signup.json()) as { access_token?: string };
    assert.ok(session.access_token, "signed up and logged in (lgauth dev confirms at once)");
    const reauth = await fetch(`${ready.supabase_url}/auth/v1/reauthenticate`, {
      headers: { apikey: state.anonKey, authorization: `Bearer ${session.access_token}` },
    });
    assert.equal(reauth.status, 200, await reauth.text());
    const mailHuman = await runCli(["dev", "mail", "--data-dir", dataDir], { env });
    assert.match(mailHuman.stdout, /mail\.reader@example\.com/);
    assert.match(mailHuman.stdout, /nonce\.reader@example\.com/);
    assert.doesNotMatch(mailHuman.stdout, /undefined/);

    // logs, and logs -f until the stack stops
    const logs = await runCli(["dev", "logs", "--data-dir", dataDir], { env });
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /\[lgauth dev\] ready in [\d.]+ s/);
    assert.match(logs.stdout, /\[langgraph\] /);
    const follow = startChild(process.execPath, [LGAUTH_BIN, "dev", "logs", "-f", "--data-dir", dataDir], { env });
    await follow.waitFor(/\[lgauth dev\] ready in/);

    const stop = await runCli(["dev", "stop", "--data-dir", dataDir], { env, timeoutMs: 60_000 });
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout.trim(), `lgauth dev: stopped (pid ${ready.pid})`);
    for (const pid of [ready.pid, state.pids.auth, state.pids.langgraph]) assert.ok(!running(pid), `${pid} still runs`);
    await follow.waitFor(/\[lgauth dev\] stopped/, 10_000);
    assert.equal((await follow.exited).code, 0, "logs -f ends with the stack");
    await assert.rejects(stat(join(dataDir, "state.json")), /ENOENT/);

    const after = await runCli(["dev", "status", "--json", "--data-dir", dataDir], { env });
    assert.equal(after.code, 1);
    assert.deepEqual(JSON.parse(after.stdout), { running: false, data_dir: dataDir });
    const again = await runCli(["dev", "stop", "--data-dir", dataDir], { env });
    assert.equal(again.code, 0);
    assert.match(again.stdout, /not running/);
  });
});

const noScript = spawnSync("sh", ["-c", "command -v script"]).status !== 0 ? "script(1) missing" : false;

describe("lgauth dev in a terminal that closes", { skip: noScript }, () => {
  it("SIGHUP (the pty goes away) stops both servers and frees their ports", async () => {
    const dataDir = join(dir, "hup");
    const command = [
      process.execPath,
      LGAUTH_BIN,
      "dev",
      "--data-dir",
      dataDir,
      "--auth-port",
      "0",
      "--langgraph-port",
      "0",
    ]
      .map((a) => `'${a}'`)
      .join(" ");
    const terminal = startChild("script", ["-qfec", command, "/dev/null"], { env: { ...env, TERM: "xterm" } });
    await terminal.waitFor(/Press Ctrl\+C to stop/, 120_000);
    const state = JSON.parse(await readFile(join(dataDir, "state.json"), "utf8")) as State;
    const ports = [state.supabaseUrl, state.langgraphUrl].map((u) => Number(new URL(u).port));
    const pids = [state.pid, state.pids.auth, state.pids.langgraph];
    assert.ok(pids.every(running));

    // only `script` is killed: the kernel hangs up its pty, and lgauth dev gets SIGHUP
    process.kill(terminal.pid, "SIGKILL");
    const hungUp = performance.now();
    const gone = await until(
      async () => !pids.some(running) && (await Promise.all(ports.map(portFree))).every(Boolean),
      10_000,
    );
    const ms = Math.round(performance.now() - hungUp);
    console.log(`stack-service: SIGHUP to no process and free ports in ${ms} ms`);
    // (how fast is a benchmark figure, bench/stack-signals.bench.ts: target 2 s)
    assert.ok(gone, `left running after 10 s: ${pids.filter(running).join(", ")}`);
    // a clean stop: the state file is gone and the LangGraph stores were flushed
    await assert.rejects(stat(join(dataDir, "state.json")), /ENOENT/);
    assert.ok((await readdir(join(dataDir, "langgraph", ".langgraph_api"))).includes(".langgraphjs_ops.json"));
  });
});
