/**
 * Refresh under the cross-process lock, against the real local Supabase Auth server with short
 * access tokens (66 s) and no reuse interval (a second use of a rotated refresh token is
 * reuse): eight commands at once cause one refresh; revoked and reused sessions end in exit 4
 * with the stored tokens cleared.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { decodeClaims } from "../../src/session/clock.js";
import { sessionContext } from "../helpers/session-context.js";
import { type AuthWorld, REFRESH, keyringSkip, oneLine, refreshAtServer, startAuthWorld } from "./auth-harness.js";

const skip = keyringSkip();
const TTL = 66;

function lookup(w: AuthWorld, account: string): string | null {
  const r = spawnSync("secret-tool", ["lookup", "service", "lgauth", "account", account], {
    env: w.keyring?.env,
    encoding: "utf8",
  });
  return r.status === 0 && r.stdout !== "" ? r.stdout : null;
}

describe("refresh under the profile lock (short-lived tokens)", { skip }, () => {
  let w: AuthWorld;
  let host: string;
  const pw = "refresh race password 1";
  const login = async (profile: string, email: string, cmd: "signup" | "login" = "signup") => {
    const r = await w.run(["--profile", profile, cmd, "--email", email, "--password-stdin"], { stdin: `${pw}\n` });
    assert.equal(r.code, 0, r.stderr);
    const refresh = lookup(w, `${profile}@${host}`);
    const access = lookup(w, `${profile}@${host}#access`);
    assert.ok(refresh && access);
    w.secrets.add(refresh);
    w.secrets.add(access);
    return { refresh, access };
  };
  let latestExp = 0;
  let race: { refresh: string; access: string };
  let reuse: { refresh: string; access: string };

  before(async () => {
    w = await startAuthWorld({
      provider: "keytar",
      supabase: { accessTokenTtl: TTL, refreshTokenReuseInterval: 0 },
    });
    w.secrets.add(pw);
    host = new URL(w.proxy.url).host;
    race = await login("race", "race@example.com");
    await login("a1", "alice@example.com");
    await login("a2", "alice@example.com", "login");
    reuse = await login("reuse", "reuse@example.com");
    latestExp = Math.max(...[race.access, reuse.access].map((t) => decodeClaims(t)?.exp ?? 0));
  });
  after(async () => {
    await w?.stop();
  });

  test("expiry is judged by the server's clock: a server 30 s ahead makes a 66 s token due for refresh", async () => {
    const s = await login("skew", "skew@example.com");
    const file = join(w.configDir, "config.json");
    const config = JSON.parse(await readFile(file, "utf8"));
    assert.equal(config.profiles.skew.clockSkew, 0, "measured from the Date header at login");
    const before = w.proxy.count(REFRESH);
    // A server 30 s behind leaves ~96 s by its clock: no refresh, however slow this machine is
    // (with no skew, a busy CI machine can take the 6 s that bring a 66 s token under 60 s).
    config.profiles.skew.clockSkew = -30;
    await writeFile(file, JSON.stringify(config));
    const t1 = await w.run(["--profile", "skew", "token"], { printsToken: true });
    assert.equal(t1.stdout.trim(), s.access);
    assert.equal(w.proxy.count(REFRESH), before);
    // Pretend the last measurement said the server runs 30 s ahead: 36 s left, refresh.
    config.profiles.skew.clockSkew = 30;
    await writeFile(file, JSON.stringify(config));
    const t2 = await w.run(["--profile", "skew", "token"], { printsToken: true });
    assert.equal(t2.code, 0, t2.stderr);
    assert.notEqual(t2.stdout.trim(), s.access);
    w.secrets.add(t2.stdout.trim());
    assert.equal(w.proxy.count(REFRESH), before + 1);
    const after = JSON.parse(await readFile(file, "utf8"));
    assert.equal(after.profiles.skew.clockSkew, 0, "re-measured from the refresh response");
    // Eight commands start with the stale skew; the first refreshes and records the new skew
    // under the lock, the others re-read it there and use its token: still one request.
    after.profiles.skew.clockSkew = 30;
    await writeFile(file, JSON.stringify(after));
    const mid = w.proxy.count(REFRESH);
    const eight = await Promise.all(
      Array.from({ length: 8 }, () => w.run(["--profile", "skew", "token"], { printsToken: true })),
    );
    for (const r of eight) assert.equal(r.code, 0, r.stderr);
    assert.equal(new Set(eight.map((r) => r.stdout)).size, 1);
    w.secrets.add(eight[0]?.stdout.trim() ?? "");
    assert.equal(w.proxy.count(REFRESH) - mid, 1);
  });

  test("revocation elsewhere (logout --all-devices in another profile of the same user) is recorded", async () => {
    const r = await w.run(["--profile", "a2", "logout", "--all-devices"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(w.proxy.seen.includes("POST /auth/v1/logout?scope=global"));
  });

  test("a rotated-away refresh token is reused out of band (reuse detection will fire)", async () => {
    const first = await refreshAtServer(w.supabase, reuse.refresh);
    assert.equal(first.status, 200);
    const second = await refreshAtServer(w.supabase, first.refresh_token ?? "");
    assert.equal(second.status, 200);
  });

  test("eight commands at once with an expiring token: one refresh at the server, all succeed", async () => {
    // Wait until the stored tokens have less than 60 s left.
    const wait = (latestExp - 60) * 1000 - Date.now() + 500;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const before = w.proxy.count(REFRESH);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => w.run(["--profile", "race", "token"], { printsToken: true })),
    );
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const tokens = new Set(results.map((r) => r.stdout.trim()));
    assert.equal(tokens.size, 1, "every command printed the same, new token");
    const [fresh] = [...tokens];
    assert.notEqual(fresh, race.access);
    w.secrets.add(fresh ?? "");
    assert.equal(w.proxy.count(REFRESH) - before, 1, "exactly one refresh request");
    assert.equal(lookup(w, `race@${host}#access`), fresh);
    const rotated = lookup(w, `race@${host}`);
    assert.ok(rotated && rotated !== race.refresh, "the rotated refresh token was stored");
    w.secrets.add(rotated);
  });

  test("a revoked session ends with exit 4 and its stored tokens cleared", async () => {
    const r = await w.run(["--profile", "a1", "token"]);
    assert.equal(r.code, 4);
    assert.match(
      oneLine(r.stderr),
      /session ended: the session was revoked or logged out \(run `lgauth login --profile a1`\)/,
    );
    assert.equal(lookup(w, `a1@${host}`), null);
    assert.equal(lookup(w, `a1@${host}#access`), null);
    assert.equal((await w.run(["--profile", "a1", "whoami"])).code, 4);
  });

  test("a reused refresh token ends the session with exit 4 and clears it", async () => {
    const r = await w.run(["--profile", "reuse", "token"]);
    assert.equal(r.code, 4);
    assert.match(oneLine(r.stderr), /session ended: the refresh token was already used/);
    assert.equal(lookup(w, `reuse@${host}`), null);
    assert.equal((await w.run(["--profile", "reuse", "whoami"])).code, 4);
  });
});

describe("getAccessToken / forceRefresh for the LangGraph client layer (in process, file store)", () => {
  let w: AuthWorld;
  before(async () => {
    w = await startAuthWorld({ keyring: false });
    w.secrets.add("in process password 1");
    const r = await w.run(["signup", "--email", "inproc@example.com", "--password-stdin"], {
      stdin: "in process password 1\n",
      env: { LGAUTH_CREDENTIAL_STORE: "file" },
    });
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await w?.stop();
  });

  test("a token a server refused is refreshed once, even when several callers report it", async () => {
    {
      const { getAccessToken, forceRefresh } = await import("../../src/session/session.js");
      const ctx = sessionContext({ env: w.env, dir: w.configDir });
      const before = w.proxy.count(REFRESH);
      const t0 = await getAccessToken(ctx, { minValiditySeconds: 60 });
      assert.equal(w.proxy.count(REFRESH), before, "valid token: no request");
      const [a, b, c] = await Promise.all([forceRefresh(ctx, t0), forceRefresh(ctx, t0), forceRefresh(ctx, t0)]);
      assert.notEqual(a, t0);
      assert.equal(a, b);
      assert.equal(b, c);
      assert.equal(w.proxy.count(REFRESH) - before, 1, "one refresh for three reports of the same token");
      const d = await forceRefresh(ctx);
      assert.notEqual(d, a);
      assert.equal(w.proxy.count(REFRESH) - before, 2);
      assert.equal(await getAccessToken(ctx), d);
    }
  });
});
