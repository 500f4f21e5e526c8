/**
 * Faults on the real stack (local Supabase Auth in this process, LangGraph server with our
 * Auth as a child):
 * - Supabase Auth down: commands with a valid access token still work (JWKS cached; the
 *   revocation check fails open and the server logs a warning); login and refresh fail with
 *   one line naming the URL.
 * - The LangGraph server SIGKILLed while `lgauth chat --message` streams: one line, exit 1.
 * Every CLI run, the server's log and the server's argv go through the secret recorder.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { JWK } from "jose";
import { LGAUTH_BIN } from "../helpers/cli.js";
import { type FaultStack, startFaultStack } from "../helpers/fault-stack.js";
import { createRecorder } from "../helpers/recorder.js";
import { byteFlips, publicKeyAsSecret, structuralMutations } from "../helpers/token-mutations.js";

const PASSWORD = { alice: "pw-alice-Faults-123", bob: "pw-bob-Faults-123" };

describe("reliability: faults on the real stack", () => {
  let stack: FaultStack;
  const rec = createRecorder();
  const counts = { requests: 0, faults: 0, failures: 0 };

  const cli = (profile: string, args: string[], stdin?: string, printsToken = false) => {
    counts.requests += 1;
    return rec.run(["--profile", profile, ...args], {
      env: stack.env,
      ...(stdin !== undefined ? { stdin } : {}),
      printsToken,
    });
  };

  before(async () => {
    stack = await startFaultStack({ langgraph: true, tokenDelayMs: 150 });
    for (const [name, pw] of Object.entries(PASSWORD)) {
      rec.secrets.add(pw);
      const r = await cli(name, ["signup", "--email", `${name}.faults@example.com`, "--password-stdin"], `${pw}\n`);
      assert.equal(r.code, 0, r.stderr);
      const t = await cli(name, ["token"], undefined, true);
      rec.secrets.add(t.stdout.trim());
    }
    const creds = JSON.parse(await readFile(join(stack.dir, "config", "credentials.json"), "utf8")) as {
      entries: Record<string, string>;
    };
    for (const v of Object.values(creds.entries)) if (v.length >= 8) rec.secrets.add(v);
  });

  after(async () => {
    console.log(
      `reliability-faults: requests=${counts.requests} (cli runs + http) faults=${counts.faults} failures=${counts.failures} ` +
        `recorded-bytes=${rec.bytes}`,
    );
    await stack?.stop();
  });

  test("mutated tokens against the real LangGraph server: none accepted, no 5xx (sample; all in the unit suite)", async () => {
    const valid = [...rec.secrets].find((s) => s.startsWith("eyJ")) ?? "";
    assert.ok(valid, "a real access token from the local Supabase Auth server");
    const jwksRes = await fetch(`${stack.auth.url}/auth/v1/.well-known/jwks.json`, {
      headers: { apikey: stack.auth.anonKey },
    });
    const jwks = (await jwksRes.json()) as { keys: JWK[] };
    assert.ok(jwks.keys?.[0], "the real server publishes its public key");
    const cases = [
      ...byteFlips(valid, 9),
      ...structuralMutations(valid, jwks.keys[0]),
      ...(jwks.keys[0] ? await publicKeyAsSecret(valid, jwks.keys[0]) : []),
    ];
    const byStatus: Record<number, number> = {};
    const send = async (header: string) => {
      counts.requests += 1;
      const res = await fetch(`${stack.langgraphUrl}/threads/search`, {
        method: "POST",
        headers: { authorization: header, "content-type": "application/json" },
        body: "{}",
      });
      await res.arrayBuffer();
      byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
      return res.status;
    };
    assert.equal(await send(`Bearer ${valid}`), 200, "the unmutated token is accepted (control)");
    const wrong: string[] = [];
    for (let i = 0; i < cases.length; i += 8) {
      await Promise.all(
        cases.slice(i, i + 8).map(async (c) => {
          const status = await send(c.header);
          counts.faults += 1;
          if (status < 400 || status >= 500) wrong.push(`${c.name}: ${status}`);
        }),
      );
    }
    console.log(
      `reliability-faults tokens: sent=${cases.length} by-status=${JSON.stringify(byStatus)} wrong=${wrong.length}`,
    );
    counts.failures += wrong.length;
    assert.deepEqual(wrong, []);
  });

  test("Supabase Auth down: valid tokens still work (fail-open with a server warning); login and refresh name the URL", async () => {
    // alice's session is checked once while the auth server is up; bob's never is
    const warm = await cli("alice", ["threads", "create", "--json"]);
    assert.equal(warm.code, 0, warm.stderr);
    await stack.stopAuth();
    counts.faults += 1;

    const alice = await cli("alice", ["threads", "list", "--json"]);
    assert.equal(alice.code, 0, `alice (session checked before the outage): ${alice.stderr}`);
    const bob = await cli("bob", ["threads", "list", "--json"]);
    if (bob.code !== 0) counts.failures += 1;
    assert.equal(bob.code, 0, `bob (no cached revocation answer) is not locked out: ${bob.stderr}`);
    assert.deepEqual(JSON.parse(bob.stdout), { threads: [], total: 0 }, "bob still sees only his own (no) threads");
    const chat = await cli("bob", ["chat", "--message", "still there?"]);
    assert.equal(chat.code, 0, chat.stderr);
    assert.ok(
      stack.serverLog.some((l) => /revocation check/.test(l) && /AUTH_REVOCATION=strict/.test(l)),
      `the server warned about the skipped revocation check:\n${stack.serverLog.slice(-5).join("\n")}`,
    );

    const login = await cli("carol", ["login", "--email", "carol@example.com", "--password-stdin"], "pw-carol-123\n");
    assert.equal(login.code, 1, login.stderr);
    assert.equal(login.stderr.trimEnd().split("\n").length, 1, login.stderr);
    assert.ok(login.stderr.includes(stack.auth.url), `login names the URL: ${login.stderr}`);

    // force a refresh: a recorded server clock two hours ahead makes bob's token look expired
    const cfgPath = join(stack.dir, "config", "config.json");
    const cfg = JSON.parse(await readFile(cfgPath, "utf8")) as { profiles: Record<string, { clockSkew?: number }> };
    const { writeFile } = await import("node:fs/promises");
    const bobCfg = cfg.profiles.bob;
    assert.ok(bobCfg, "bob has a profile");
    bobCfg.clockSkew = 7200;
    await writeFile(cfgPath, JSON.stringify(cfg));
    const credsBefore = await readFile(join(stack.dir, "config", "credentials.json"));
    const refresh = await cli("bob", ["token"], undefined, true);
    assert.ok(refresh.code === 1 || refresh.code === 4, `refresh while down: exit ${refresh.code}\n${refresh.stderr}`);
    assert.notEqual(refresh.code, 0);
    assert.equal(refresh.stderr.trimEnd().split("\n").length, 1, refresh.stderr);
    assert.ok(refresh.stderr.includes(stack.auth.url), `refresh names the URL: ${refresh.stderr}`);
    assert.ok(
      (await readFile(join(stack.dir, "config", "credentials.json"))).equals(credsBefore),
      "a failed refresh keeps the stored refresh token",
    );
  });

  test("the LangGraph server killed mid-stream: chat --message ends with one line, exit 1", async () => {
    const child = spawn(
      process.execPath,
      [LGAUTH_BIN, "--profile", "alice", "chat", "--message", "tell me a long story"],
      {
        env: stack.env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (stdout.trim().length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(stdout.trim().length >= 5, `the answer started streaming: ${stderr}`);
    const server = stack.langgraph;
    assert.ok(server, "the LangGraph server runs");
    await rec.addProcess("LangGraph server", server.pid);
    process.kill(-server.pid, "SIGKILL");
    counts.faults += 1;
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const code = await exited;
    clearTimeout(timer);
    rec.add("stdout of the killed chat", stdout);
    rec.add("stderr of the killed chat", stderr);
    if (code !== 1) counts.failures += 1;
    assert.equal(code, 1, `exit code after the server died: ${code}\n${stderr}`);
    const lines = stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, `one line on stderr:\n${stderr}`);
    assert.match(lines[0] ?? "", /^lgauth: /);
  });

  test("secrets: none in CLI output, server log or server argv; credentials 0600, config holds none", async () => {
    rec.add("LangGraph server log", stack.serverLog.join("\n"));
    const configDir = join(stack.dir, "config");
    await rec.addFile("config.json", join(configDir, "config.json"));
    const hits = rec.scan();
    console.log(
      `reliability-faults secrets: bytes-scanned=${rec.bytes} secrets=${rec.secrets.size} hits=${hits.length}`,
    );
    assert.deepEqual(hits, []);
    assert.equal((await stat(join(configDir, "credentials.json"))).mode & 0o777, 0o600);
  });
});
