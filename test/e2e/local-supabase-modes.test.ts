/**
 * The local GoTrue server's other modes with the real supabase-js client: legacy HS256, email
 * confirmation with the local outbox, refresh reuse interval and reuse detection, short access
 * tokens, rate limits, persistence across restarts, and the standalone entry as a process.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, describe, test } from "node:test";
import { SignJWT, decodeProtectedHeader, jwtVerify } from "jose";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { applyGotrueSettings } from "../../src/local-supabase/gotrue-env.js";
import { startChild, stopAllChildren } from "../helpers/children.js";
import { client, email, outbox, raw, V2024 } from "./local-supabase-kit.js";

const servers: LocalSupabase[] = [];
const dirs: string[] = [];
async function start(opts: Parameters<typeof startLocalSupabase>[0] = {}): Promise<LocalSupabase> {
  const s = await startLocalSupabase({ port: 0, ...opts });
  servers.push(s);
  return s;
}
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "lgauth-local-supabase-"));
  dirs.push(d);
  return d;
}
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await stopAllChildren();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const refresh = (s: LocalSupabase, token: string) =>
  raw(s, "POST", "/token?grant_type=refresh_token", { body: JSON.stringify({ refresh_token: token }), headers: V2024 });

describe("legacy HS256 mode", () => {
  test("the CLI's demo keys, an empty JWKS, HS256 tokens that getClaims and jose verify", async () => {
    const secret = "super-secret-jwt-token-with-at-least-32-characters-long";
    const s = await start({ jwtSecret: secret });
    assert.equal(s.jwtSecret, secret);
    // the Supabase CLI's deterministic demo anon key: these claims, HS256 with the demo secret
    const demoAnon = await new SignJWT({ iss: "supabase-demo", role: "anon", exp: 1983812996 })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode(secret));
    assert.equal(s.anonKey, demoAnon);
    assert.deepEqual((await raw(s, "GET", "/.well-known/jwks.json")).json, { keys: [] });
    const sb = client(s);
    const { data, error } = await sb.auth.signUp({ email: email("hs"), password: "secret123" });
    assert.equal(error, null);
    const token = data.session!.access_token;
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(secret));
    assert.equal(protectedHeader.alg, "HS256");
    assert.equal(protectedHeader.kid, undefined);
    assert.equal(payload.sub, data.user!.id);
    // #14.6: the other spellings of the HMAC (2 unused bits) are a bad signature, not the token
    const [th, tp, ts] = token.split(".") as [string, string, string];
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(ts.at(-1) ?? "");
    for (let low = 1; low < 4; low++) {
      const spelled = `${th}.${tp}.${ts.slice(0, -1)}${alphabet[last ^ low]}`;
      const r = await raw(s, "GET", "/user", { bearer: spelled, headers: V2024 });
      assert.equal(r.status, 403);
      assert.deepEqual(r.json, {
        code: "bad_jwt",
        message: "invalid JWT: unable to parse or verify signature, token signature is invalid: signature is invalid",
      });
    }
    const claims = await sb.auth.getClaims(); // HS256: getClaims falls back to GET /user
    assert.equal(claims.error, null);
    assert.equal(claims.data?.claims.sub, data.user!.id);
    const admin = await client(s, s.serviceRoleKey).auth.admin.listUsers();
    assert.equal(admin.error, null);
    assert.equal(admin.data.users.length, 1);
  });

  test("GOTRUE_JWT_KEY_ID names the secret's key in the tokens it signs; the CLI's API keys stay as they are", async () => {
    const secret = "super-secret-jwt-token-with-at-least-32-characters-long";
    const { options, warnings } = applyGotrueSettings([
      ["GOTRUE_JWT_SECRET", secret],
      ["GOTRUE_JWT_KEY_ID", "legacy-2024"],
    ]);
    assert.deepEqual(warnings, []);
    const s = await start(options);
    const { data, error } = await client(s).auth.signUp({ email: email("kid"), password: "secret123" });
    assert.equal(error, null);
    const { protectedHeader } = await jwtVerify(data.session!.access_token, new TextEncoder().encode(secret));
    assert.equal(protectedHeader.kid, "legacy-2024");
    assert.equal(decodeProtectedHeader(s.anonKey).kid, undefined);
    assert.deepEqual((await raw(s, "GET", "/.well-known/jwks.json")).json, { keys: [] }, "a secret is never published");
    const user = await raw(s, "GET", "/user", { bearer: data.session!.access_token, headers: V2024 });
    assert.equal(user.status, 200);
  });
});

describe("email confirmation", () => {
  const lines: string[] = [];
  let confirmServer: LocalSupabase;
  test("signup without a session, email_not_confirmed, the /verify link from the outbox", async () => {
    const s = await start({ confirmEmail: true, log: (l) => lines.push(l) });
    confirmServer = s;
    const addr = email("confirm");
    const sb = client(s);
    const signup = await sb.auth.signUp({ email: addr, password: "secret123" });
    assert.equal(signup.error, null);
    assert.equal(signup.data.session, null);
    assert.equal(signup.data.user?.email, addr);
    assert.ok(signup.data.user?.confirmation_sent_at);
    assert.equal(signup.data.user?.email_confirmed_at, undefined);

    const login = await sb.auth.signInWithPassword({ email: addr, password: "secret123" });
    assert.equal(login.error?.status, 400);
    assert.equal(login.error?.code, "email_not_confirmed");
    const wrong = await sb.auth.signInWithPassword({ email: addr, password: "wrong-one" });
    assert.equal(wrong.error?.code, "invalid_credentials", "the password is checked first");

    const again = await sb.auth.signUp({ email: addr, password: "secret123" });
    assert.equal(again.error?.status, 429, "one confirmation mail per minute");
    assert.equal(again.error?.code, "over_email_send_rate_limit");

    const messages = await outbox(s, addr);
    assert.equal(messages.length, 1);
    const link = messages[0]!.link;
    assert.ok(
      lines.some((l) => l.includes(link)),
      "the link is in the server log",
    );
    assert.match(link, new RegExp(`^${s.url}/auth/v1/verify\\?token=[0-9a-f]{56}&type=signup&redirect_to=`));

    const followed = await fetch(link, { redirect: "manual" });
    assert.equal(followed.status, 303);
    const location = new URL(followed.headers.get("location")!);
    const fragment = new URLSearchParams(location.hash.slice(1));
    assert.equal(fragment.get("type"), "signup");
    assert.equal(fragment.get("token_type"), "bearer");
    assert.match(fragment.get("refresh_token") ?? "", /^[a-z2-7]{12}$/);
    const amr = JSON.parse(Buffer.from(fragment.get("access_token")!.split(".")[1]!, "base64url").toString()).amr;
    assert.equal(amr[0].method, "otp");

    const reused = await fetch(link, { redirect: "manual" });
    const err = new URLSearchParams(new URL(reused.headers.get("location")!).hash.slice(1));
    assert.equal(err.get("error_code"), "otp_expired");

    const ok = await sb.auth.signInWithPassword({ email: addr, password: "secret123" });
    assert.equal(ok.error, null);
    assert.ok(ok.data.user?.email_confirmed_at);
    const taken = await client(s).auth.signUp({ email: addr, password: "other-pass" });
    assert.equal(taken.error, null, "confirm mode does not reveal that the address is registered");
    assert.notEqual(taken.data.user?.id, ok.data.user?.id);
    assert.deepEqual(taken.data.user?.identities, []);
  });

  test("verifyOtp with the emailed code", async () => {
    const s = confirmServer;
    const addr = email("otp");
    const sb = client(s);
    await sb.auth.signUp({ email: addr, password: "secret123" });
    const msg = (await outbox(s, addr))[0]!;
    const bad = await sb.auth.verifyOtp({
      email: addr,
      token: "000000" === msg.token ? "111111" : "000000",
      type: "signup",
    });
    assert.equal(bad.error?.status, 403);
    assert.equal(bad.error?.code, "otp_expired");
    const good = await sb.auth.verifyOtp({ email: addr, token: msg.token, type: "signup" });
    assert.equal(good.error, null);
    assert.ok(good.data.session?.access_token);
  });
});

describe("refresh reuse and expiry", () => {
  let shortServer: LocalSupabase;
  test("a rotated token works within the reuse interval; after it, reuse ends the session", async () => {
    const s = await start({ refreshTokenReuseInterval: 1, accessTokenTtl: 2 });
    shortServer = s;
    const sb = client(s);
    const { data } = await sb.auth.signUp({ email: email("reuse"), password: "secret123" });
    const t0 = data.session!.refresh_token;
    const r1 = await refresh(s, t0);
    const t1 = String(r1.json.refresh_token);
    const r2 = await refresh(s, t1);
    const t2 = String(r2.json.refresh_token);
    assert.equal(r2.status, 200);

    // t0 is neither active nor the parent of the active token, but was rotated < 1 s ago
    const within = await refresh(s, t0);
    assert.equal(within.status, 200, JSON.stringify(within.json));
    const t3 = String(within.json.refresh_token);
    assert.notEqual(t3, t2);

    await sleep(1300);
    const late = await refresh(s, t1);
    assert.equal(late.status, 400);
    assert.deepEqual(late.json, { code: "refresh_token_already_used", message: "Invalid Refresh Token: Already Used" });
    for (const t of [t2, t3]) {
      const r = await refresh(s, t);
      assert.equal(r.json.code, "refresh_token_not_found", "the session ended with its whole family");
    }
    const viaClient = await client(s).auth.refreshSession({ refresh_token: t3 });
    assert.equal(viaClient.error?.code, "refresh_token_not_found");
  });

  test("access tokens expire after accessTokenTtl; GoTrue answers bad_jwt", async () => {
    const s = shortServer;
    const { data } = await client(s).auth.signUp({ email: email("ttl"), password: "secret123" });
    assert.equal(data.session!.expires_in, 2);
    await sleep(3100);
    const me = await raw(s, "GET", "/user", { bearer: data.session!.access_token, headers: V2024 });
    assert.equal(me.status, 403);
    assert.equal(me.json.code, "bad_jwt");
    assert.match(String(me.json.message), /token is expired/);
    const fresh = await refresh(s, data.session!.refresh_token);
    assert.equal(fresh.status, 200);
  });
});

describe("rate limits", () => {
  test("over the limit: 429 over_request_rate_limit on /token and /signup", async () => {
    const s = await start({ rateLimits: { token: 2, signup: 1, windowSeconds: 3600 } });
    const body = JSON.stringify({ email: email("rl"), password: "secret123" });
    assert.equal((await raw(s, "POST", "/signup", { body, headers: V2024 })).status, 200);
    const limited = await raw(s, "POST", "/signup", { body, headers: V2024 });
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.json, { code: "over_request_rate_limit", message: "Request rate limit reached" });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await raw(s, "POST", "/token?grant_type=password", { body, headers: V2024 })).status);
    }
    assert.deepEqual(statuses, [200, 200, 429]);
  });
});

describe("persistence", () => {
  test("users, sessions and the signing key survive a restart; the data dir is private", async () => {
    const dir = await tempDir();
    const first = await startLocalSupabase({ port: 0, dataDir: dir });
    const addr = email("persist");
    const { data } = await client(first).auth.signUp({ email: addr, password: "secret123" });
    await assert.rejects(startLocalSupabase({ port: 0, dataDir: dir }), /in use/, "one server per data dir");
    await first.stop();

    const second = await start({ dataDir: dir });
    assert.equal(second.anonKey, first.anonKey, "same keys after restart");
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const me = await raw(second, "GET", "/user", { bearer: data.session!.access_token, headers: V2024 });
    assert.equal(me.status, 200, "an access token from before the restart still verifies");
    assert.equal(me.json.email, addr);
    assert.equal((await refresh(second, data.session!.refresh_token)).status, 200);
    const login = await client(second).auth.signInWithPassword({ email: addr, password: "secret123" });
    assert.equal(login.error, null);
  });
});

describe("standalone entry", () => {
  test("prints the banner and a JSON line, serves, and stops on SIGTERM", async () => {
    const dir = await tempDir();
    const child = startChild(
      process.execPath,
      ["--import", "tsx", "src/local-supabase/main.ts", "--port", "0", "--data-dir", dir, "--confirm-email"],
      { env: { ...process.env } },
    );
    const line = await child.waitFor(/^\{"supabase_url".*\}$/m, 60_000);
    assert.match(child.output(), /LOCAL DEVELOPMENT SERVER/);
    const info = JSON.parse(line[0]) as {
      supabase_url: string;
      supabase_anon_key: string;
      supabase_service_key: string;
    };
    assert.match(info.supabase_url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const settings = await fetch(`${info.supabase_url}/auth/v1/settings`, {
      headers: { apikey: info.supabase_anon_key },
    });
    assert.equal(((await settings.json()) as { mailer_autoconfirm: boolean }).mailer_autoconfirm, false);
    await child.stop("SIGTERM");
    const exit = await child.exited;
    assert.equal(exit.code, 0, child.output());

    const bad = startChild(process.execPath, ["--import", "tsx", "src/local-supabase/main.ts", "--port", "nope"]);
    const badExit = await bad.exited;
    assert.equal(badExit.code, 2);
    assert.match(bad.output(), /^local-supabase: --port must be an integer/m);
    assert.doesNotMatch(bad.output(), /\n\s+at /, "no stack trace");
  });
});
