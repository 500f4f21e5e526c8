/**
 * The auth command suite, run once per keychain provider (auth.test.ts, auth-napi.test.ts),
 * against the real local Supabase Auth server and the real keychain (gnome-keyring in a
 * private D-Bus session). With keytar the commands run in this process (src/cli/run.ts with
 * captured streams) and the first signup and one `token` run the built binary, so the binary
 * and the in-process runs are seen to share one keychain and config; with @napi-rs/keyring all
 * run the binary. Every command's stdout and stderr are scanned for passwords and tokens.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
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

function lookup(world: AuthWorld, provider: "keytar" | "napi", account: string): string | null {
  const attr = provider === "keytar" ? "account" : "username";
  const r = spawnSync("secret-tool", ["lookup", "service", "lgauth", attr, account], {
    env: world.keyring?.env,
    encoding: "utf8",
  });
  return r.status === 0 && r.stdout !== "" ? r.stdout : null;
}

/**
 * `inProcess`: run the commands in this process (keytar). The @napi-rs/keyring suite runs the
 * binary: a keychain call of that library that never returns (its running calls cannot be
 * cancelled) would keep a test process alive after its last test, where a CLI process simply
 * exits; one such hang was seen under heavy load.
 */
export function defineAuthSuite(provider: "keytar" | "napi", inProcess = provider === "keytar"): void {
  describe(`auth commands with the keychain via ${provider}`, { skip: keyringSkip() }, () => {
    let w: AuthWorld;
    let host: string;
    const alice = { email: `alice-${provider}@example.com`, password: `correct horse ${provider} 1` };
    const bob = { email: `bob-${provider}@example.com`, password: `battery staple ${provider} 2` };
    before(async () => {
      w = await startAuthWorld({ provider, inProcess });
      host = new URL(w.proxy.url).host;
      w.secrets.add(alice.password);
      w.secrets.add(bob.password);
    });
    after(async () => {
      await w?.stop();
    });

    test("signup logs in at once (autoconfirm); the refresh token is in the keychain and in no file", async () => {
      const r = await w.runBinary(["signup", "--email", alice.email, "--password-stdin"], {
        stdin: `${alice.password}\n`,
      });
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
      const t = await w.runBinary(["token"], { printsToken: true });
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

    // Checks that do not depend on the keychain library run once, in the keytar suite (they are
    // not registered at all for the other provider, rather than reported as skipped).
    const once: (name: string, fn: () => Promise<void>) => void =
      provider === "keytar" ? (name, fn) => test(name, fn) : () => {};

    once("errors speak the user's language, on one line, with the right exit code", async () => {
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

    test("--debug shows the requests but no password or token (checked on every run)", async () => {
      const r = await w.run(["--debug", "--profile", "dbg", "login", "--email", alice.email, "--password-stdin"], {
        stdin: `${alice.password}\n`,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /lgauth debug: POST http:\/\/127\.0\.0\.1:\d+\/auth\/v1\/token\?grant_type=password -> 200/,
      );
      w.secrets.add(lookup(w, provider, `dbg@${host}`) ?? "");
      w.secrets.add(lookup(w, provider, `dbg@${host}#access`) ?? "");
      const bad = await w.run(["--debug", "--profile", "dbg", "login", "--email", alice.email, "--password-stdin"], {
        stdin: "wrong password here\n",
      });
      assert.equal(bad.code, 4);
      assert.ok(!bad.stderr.includes("wrong password here"));
      const out = await w.run(["--debug", "--profile", "dbg", "logout"]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stderr, /POST .*\/auth\/v1\/logout\?scope=local -> 204/);
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

    once("LGAUTH_ACCESS_TOKEN wins over stored state; login and logout say so instead of acting", async () => {
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
      const bad = await w.run(["--profile", "ci2", "login", "--with-token"], {
        stdin: `${Buffer.from('{"alg":"HS256"}').toString("base64url")}.${Buffer.from("{}").toString("base64url")}.x\n`,
      });
      assert.equal(bad.code, 4, bad.stderr);
    });

    test("profiles remove logs the profile out and forgets it", async () => {
      const r = await w.run(["--json", "profiles", "remove", "bob", "--yes"]);
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
