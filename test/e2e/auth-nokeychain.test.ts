/**
 * The auth commands without a keychain (consent rules for the plain file), against projects
 * that require email confirmation, and under rate limits. Every command's output is scanned
 * for passwords and tokens.
 */
import assert from "node:assert/strict";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type AuthWorld, filesUnder, oneLine, startAuthWorld } from "./auth-harness.js";

describe("no keychain: consent rules for the plain file", () => {
  let w: AuthWorld;
  const user = { email: "nokeychain@example.com", password: "no keychain here 1" };
  let noBus: NodeJS.ProcessEnv;
  before(async () => {
    w = await startAuthWorld({ keyring: false });
    w.secrets.add(user.password);
    const runtime = join(w.configDir, "..", `${new URL(w.proxy.url).port}-runtime`);
    await mkdir(runtime, { recursive: true, mode: 0o700 });
    // No session bus anywhere: no address, and a runtime dir without a bus socket.
    noBus = { DBUS_SESSION_BUS_ADDRESS: "", XDG_RUNTIME_DIR: runtime, DISPLAY: "" };
    const ok = await w.run(["signup", "--email", user.email, "--password-stdin"], {
      stdin: `${user.password}\n`,
      env: { ...noBus, LGAUTH_CREDENTIAL_STORE: "file" },
    });
    assert.equal(ok.code, 0, ok.stderr);
    await w.run(["logout"], { env: noBus });
  });
  after(async () => {
    await w?.stop();
  });

  test("a script without consent fails with a hint naming --insecure-storage and LGAUTH_CREDENTIAL_STORE=file", async () => {
    const r = await w.run(["login", "--email", user.email, "--password-stdin"], {
      stdin: `${user.password}\n`,
      env: noBus,
    });
    assert.equal(r.code, 1);
    const line = oneLine(r.stderr);
    assert.match(line, /no keychain available/);
    assert.match(line, /--insecure-storage/);
    assert.match(line, /LGAUTH_CREDENTIAL_STORE=file/);
    const file = (await filesUnder(w.configDir)).find((f) => f.path.endsWith("credentials.json"));
    assert.deepEqual(JSON.parse(file?.text ?? "{}").entries, {}, "nothing written without consent");
  });

  test("LGAUTH_CREDENTIAL_STORE=keychain forbids the file and fails clearly", async () => {
    const r = await w.run(["login", "--email", user.email, "--password-stdin", "--insecure-storage"], {
      stdin: `${user.password}\n`,
      env: { ...noBus, LGAUTH_CREDENTIAL_STORE: "keychain" },
    });
    assert.equal(r.code, 1);
    assert.match(oneLine(r.stderr), /no keychain available.*LGAUTH_CREDENTIAL_STORE=keychain forbids/);
  });

  test("--insecure-storage uses a 0600 file in a 0700 dir, says so, and status keeps saying it", async () => {
    const r = await w.run(["login", "--email", user.email, "--password-stdin", "--insecure-storage"], {
      stdin: `${user.password}\n`,
      env: noBus,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: storing tokens in plain text in .*credentials\.json \(mode 0600\)/);
    const file = join(w.configDir, "credentials.json");
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(w.configDir)).mode & 0o777, 0o700);
    const t = await w.run(["token"], { env: noBus, printsToken: true });
    assert.equal(t.code, 0, t.stderr);
    w.secrets.add(t.stdout.trim());
    const s = await w.run(["status"], { env: noBus });
    assert.match(s.stdout, /stored in: plain file .*credentials\.json \(no keychain answered; --insecure-storage\)/);
    assert.match(s.stdout, /warning: +tokens are stored in plain text/);
    const lo = await w.run(["logout"], { env: noBus });
    assert.equal(lo.code, 0, lo.stderr);
    const left = (await filesUnder(w.configDir)).find((f) => f.path === file);
    assert.ok(left && !left.text.includes(t.stdout.trim()), "logout removed the tokens from the file");
  });
});

describe("projects that require email confirmation, rate limits", () => {
  let w: AuthWorld;
  before(async () => {
    w = await startAuthWorld({
      keyring: false,
      supabase: { confirmEmail: true, rateLimits: { token: 3, windowSeconds: 600 } },
    });
  });
  after(async () => {
    await w?.stop();
  });
  const env = { LGAUTH_CREDENTIAL_STORE: "file" };

  test("signup that needs confirmation says so and exits 0; login then reports `email not confirmed`, exit 4", async () => {
    w.secrets.add("confirm me please 1");
    const s = await w.run(["signup", "--email", "new@example.com", "--password-stdin"], {
      stdin: "confirm me please 1\n",
      env,
    });
    assert.equal(s.code, 0, s.stderr);
    assert.match(
      s.stdout,
      /it needs confirming with the code sent there:\n {2}lgauth signup --confirm --email new@example\.com/,
    );
    const sj = await w.run(["--json", "signup", "--email", "new2@example.com", "--password-stdin"], {
      stdin: "confirm me please 1\n",
      env,
    });
    assert.equal(JSON.parse(sj.stdout).status, "confirmation_required");
    const l = await w.run(["login", "--email", "new@example.com", "--password-stdin"], {
      stdin: "confirm me please 1\n",
      env,
    });
    assert.equal(l.code, 4);
    assert.match(oneLine(l.stderr), /^lgauth: email not confirmed/);
    assert.equal((await w.run(["whoami"], { env })).code, 4);
  });

  test("rate limiting says when to retry", async () => {
    let last = { code: 0 as number | null, stderr: "" };
    for (let i = 0; i < 5; i++) {
      last = await w.run(["login", "--email", "new@example.com", "--password-stdin"], { stdin: "x-wrong-1\n", env });
      if (/rate limited/.test(last.stderr)) break;
    }
    assert.equal(last.code, 1);
    assert.match(oneLine(last.stderr), /rate limited by Supabase Auth: "Request rate limit reached" \(try again in/);
  });
});
