/**
 * The auth commands end to end: the built CLI as child processes, the real local Supabase Auth
 * server, the real keychain (gnome-keyring in a private D-Bus session) through both keytar
 * providers. Every command's stdout and stderr are scanned for passwords and tokens.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type AuthWorld,
  LOGOUT,
  PASSWORD,
  REFRESH,
  closedPort,
  filesUnder,
  keyringSkip,
  oneLine,
  refreshAtServer,
  startAuthWorld,
  startCountingProxy,
} from "./auth-harness.js";

const skip = keyringSkip();

function lookup(world: AuthWorld, provider: "keytar" | "napi", account: string): string | null {
  const attr = provider === "keytar" ? "account" : "username";
  const r = spawnSync("secret-tool", ["lookup", "service", "lgauth", attr, account], {
    env: world.keyring?.env,
    encoding: "utf8",
  });
  return r.status === 0 && r.stdout !== "" ? r.stdout : null;
}

for (const provider of ["keytar", "napi"] as const) {
  describe(`auth commands with the keychain via ${provider}`, { skip }, () => {
    let w: AuthWorld;
    let host: string;
    const alice = { email: `alice-${provider}@example.com`, password: `correct horse ${provider} 1` };
    const bob = { email: `bob-${provider}@example.com`, password: `battery staple ${provider} 2` };
    before(async () => {
      w = await startAuthWorld({ provider });
      host = new URL(w.proxy.url).host;
      w.secrets.add(alice.password);
      w.secrets.add(bob.password);
    });
    after(async () => {
      await w?.stop();
    });

    test("signup logs in at once (autoconfirm); the refresh token is in the keychain and in no file", async () => {
      const r = await w.run(["signup", "--email", alice.email, "--password-stdin"], { stdin: `${alice.password}\n` });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Logged in as ${alice.email}`));
      const refresh = lookup(w, provider, `default@${host}`);
      const access = lookup(w, provider, `default@${host}#access`);
      assert.ok(refresh && refresh.length >= 12, "refresh token stored in the keychain");
      assert.match(access ?? "", /^eyJ/);
      w.secrets.add(refresh);
      w.secrets.add(access ?? "");
      for (const f of await filesUnder(w.configDir)) {
        assert.ok(!f.text.includes(refresh), `refresh token found in ${f.path}`);
        assert.ok(!f.text.includes(access ?? "-"), `access token found in ${f.path}`);
        assert.ok(!f.text.includes(alice.password), `password found in ${f.path}`);
      }
    });

    test("whoami answers from stored state; token prints the stored token with no request to Supabase", async () => {
      const who = await w.run(["--json", "whoami"]);
      assert.equal(who.code, 0, who.stderr);
      assert.equal(JSON.parse(who.stdout).email, alice.email);
      const before = w.proxy.seen.length;
      const t = await w.run(["token"], { printsToken: true });
      assert.equal(t.code, 0, t.stderr);
      assert.equal(t.stdout.trim(), lookup(w, provider, `default@${host}#access`));
      assert.equal(w.proxy.seen.length, before, "no request while the token is valid");
      const tj = await w.run(["--json", "token"], { printsToken: true });
      assert.equal(JSON.parse(tj.stdout).source, "keychain");
    });

    test("status shows user, expiry, keychain storage and which servers answer", async () => {
      const r = await w.run(["--json", "status"]);
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout) as {
        profiles: {
          name: string;
          email: string;
          expires_in_seconds: number;
          tokens: { store: string; refresh_token_present: boolean; reason: string };
          supabase: { reachable: boolean };
          langgraph: { reachable: boolean };
        }[];
      };
      const p = s.profiles.find((x) => x.name === "default");
      assert.ok(p);
      assert.equal(p.email, alice.email);
      assert.ok(p.expires_in_seconds > 3000);
      assert.equal(p.tokens.store, "keychain");
      assert.equal(p.tokens.refresh_token_present, true);
      assert.match(p.tokens.reason, /keychain answered/);
      assert.equal(p.supabase.reachable, true);
      assert.equal(p.langgraph.reachable, false);
      const human = await w.run(["status"]);
      assert.match(
        human.stdout,
        new RegExp(`keychain \\(Secret Service via ${provider === "keytar" ? "keytar" : "@napi-rs/keyring"}\\)`),
      );
    });

    test("errors speak the user's language, on one line, with the right exit code", async () => {
      const wrong = await w.run(["login", "--email", alice.email, "--password-stdin"], { stdin: "not the password\n" });
      assert.equal(wrong.code, 4);
      assert.match(oneLine(wrong.stderr), /^lgauth: wrong email or password/);
      const exists = await w.run(["--profile", "x", "signup", "--email", alice.email, "--password-stdin"], {
        stdin: `${alice.password}\n`,
      });
      assert.equal(exists.code, 1);
      assert.match(oneLine(exists.stderr), /an account with this email already exists/);
      const weak = await w.run(["--profile", "x", "signup", "--email", "weak@example.com", "--password-stdin"], {
        stdin: "abc\n",
      });
      assert.equal(weak.code, 1);
      assert.match(oneLine(weak.stderr), /password is too weak: too short/);
      const flag = await w.run(["login", "--email", alice.email, "--password", "hunter2"]);
      assert.equal(flag.code, 2);
      assert.match(oneLine(flag.stderr), /never accepted as a flag/);
      const noEmail = await w.run(["login", "--password-stdin"], { stdin: "x\n" });
      assert.equal(noEmail.code, 2);
      assert.match(oneLine(noEmail.stderr), /--email/);
      const noPassword = await w.run(["login", "--email", alice.email]);
      assert.equal(noPassword.code, 2);
      assert.match(oneLine(noPassword.stderr), /--password-stdin/);
      const binary = await w.run(["login", "--email", alice.email, "--password-stdin"], {
        stdin: Buffer.from([0x61, 0xc3, 0x28, 0x0a]),
      });
      assert.equal(binary.code, 2);
      assert.match(oneLine(binary.stderr), /not valid UTF-8/);
      const port = await closedPort();
      const down = await w.run(["--profile", "x", "login", "--email", alice.email, "--password-stdin"], {
        stdin: `${alice.password}\n`,
        env: { SUPABASE_URL: `http://127.0.0.1:${port}` },
      });
      assert.equal(down.code, 1);
      assert.match(
        oneLine(down.stderr),
        new RegExp(`cannot reach Supabase Auth at http://127\\.0\\.0\\.1:${port} \\(`),
      );
      // None of the failures touched the stored session.
      const t = await w.run(["token"], { printsToken: true });
      assert.equal(t.code, 0, t.stderr);
    });

    test("two profiles are logged in side by side", async () => {
      const r = await w.run(["--profile", "bob", "signup", "--email", bob.email, "--password-stdin"], {
        stdin: `${bob.password}\n`,
      });
      assert.equal(r.code, 0, r.stderr);
      w.secrets.add(lookup(w, provider, `bob@${host}`) ?? "");
      const a = await w.run(["token"], { printsToken: true });
      const b = await w.run(["--profile", "bob", "token"], { printsToken: true });
      assert.notEqual(a.stdout, b.stdout);
      w.secrets.add(b.stdout.trim());
      const list = await w.run(["--json", "profiles", "list"]);
      const names = (JSON.parse(list.stdout).profiles as { name: string; logged_in: boolean; email: string }[])
        .filter((p) => p.logged_in)
        .map((p) => `${p.name}=${p.email}`);
      assert.deepEqual(names, [`bob=${bob.email}`, `default=${alice.email}`]);
    });

    test("logout revokes the session at Supabase and removes the stored tokens", async () => {
      const refresh = lookup(w, provider, `default@${host}`);
      assert.ok(refresh);
      const logouts = w.proxy.count(LOGOUT);
      const r = await w.run(["logout"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(w.proxy.count(LOGOUT), logouts + 1);
      assert.ok(w.proxy.seen.includes("POST /auth/v1/logout?scope=local"));
      assert.equal(lookup(w, provider, `default@${host}`), null);
      assert.equal(lookup(w, provider, `default@${host}#access`), null);
      // The server no longer honours the old refresh token.
      const again = await refreshAtServer(w.supabase, refresh);
      assert.equal(again.status, 400);
      assert.match(again.code ?? "", /refresh_token_not_found|session_not_found|refresh_token_already_used/);
      const who = await w.run(["whoami"]);
      assert.equal(who.code, 4);
      const tok = await w.run(["token"]);
      assert.equal(tok.code, 4);
      assert.match(oneLine(tok.stderr), /run `lgauth login`/);
      // bob is untouched
      assert.equal((await w.run(["--profile", "bob", "whoami"])).code, 0);
    });

    test("logout clears stored tokens even when the server cannot be reached, with a warning", async () => {
      const tap = await startCountingProxy(w.supabase.url);
      const r = await w.run(["--profile", "carol", "login", "--email", bob.email, "--password-stdin"], {
        stdin: `${bob.password}\n`,
        env: { SUPABASE_URL: tap.url },
      });
      assert.equal(r.code, 0, r.stderr);
      const carolHost = new URL(tap.url).host;
      w.secrets.add(lookup(w, provider, `carol@${carolHost}`) ?? "");
      await tap.close();
      const out = await w.run(["--profile", "carol", "logout"], { env: { SUPABASE_URL: tap.url } });
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stderr, /warning: could not revoke the session .*removed anyway/);
      assert.equal(lookup(w, provider, `carol@${carolHost}`), null);
      assert.equal((await w.run(["--profile", "carol", "whoami"])).code, 4);
    });

    test("LGAUTH_ACCESS_TOKEN wins over stored state; login and logout say so instead of acting", async () => {
      const bobToken = (await w.run(["--profile", "bob", "token"], { printsToken: true })).stdout.trim();
      const env = { LGAUTH_ACCESS_TOKEN: bobToken };
      const t = await w.run(["token"], { env, printsToken: true });
      assert.equal(t.stdout.trim(), bobToken);
      const who = await w.run(["--json", "whoami"], { env });
      assert.equal(JSON.parse(who.stdout).source, "env");
      const li = await w.run(["login", "--email", alice.email, "--password-stdin"], {
        env,
        stdin: `${alice.password}\n`,
      });
      assert.equal(li.code, 1);
      assert.match(oneLine(li.stderr), /LGAUTH_ACCESS_TOKEN is set/);
      const lo = await w.run(["--profile", "bob", "logout"], { env });
      assert.equal(lo.code, 1);
      assert.match(oneLine(lo.stderr), /LGAUTH_ACCESS_TOKEN is set/);
      assert.equal((await w.run(["--profile", "bob", "whoami"])).code, 0, "bob still logged in");
    });

    test("login --with-token stores an access token read from stdin", async () => {
      const bobToken = (await w.run(["--profile", "bob", "token"], { printsToken: true })).stdout.trim();
      const r = await w.run(["--profile", "ci", "login", "--with-token"], { stdin: `${bobToken}\n` });
      assert.equal(r.code, 0, r.stderr);
      const t = await w.run(["--profile", "ci", "token"], { printsToken: true });
      assert.equal(t.stdout.trim(), bobToken);
      const bad = await w.run(["--profile", "ci2", "login", "--with-token"], { stdin: "eyJhbGciOiJIUzI1NiJ9.e30.x\n" });
      assert.equal(bad.code, 4, bad.stderr);
    });

    test("profiles remove logs the profile out and forgets it", async () => {
      const r = await w.run(["--json", "profiles", "remove", "bob"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { removed: "bob", was_logged_in: true, revoked: true });
      assert.equal(lookup(w, provider, `bob@${host}`), null);
      const list = await w.run(["--json", "profiles", "list"]);
      assert.ok(!(JSON.parse(list.stdout).profiles as { name: string }[]).some((p) => p.name === "bob"));
      const again = await w.run(["profiles", "remove", "bob"]);
      assert.equal(again.code, 1);
      assert.match(oneLine(again.stderr), /no profile named "bob"/);
      assert.equal(w.proxy.count(PASSWORD) > 0, true);
      assert.equal(w.proxy.count(REFRESH), 0, "nothing in this suite needed a refresh");
    });
  });
}

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
    assert.match(s.stdout, /Confirm it with the link sent by email/);
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
    assert.match(oneLine(last.stderr), /rate limited by Supabase Auth: too many requests \(try again in/);
  });
});
