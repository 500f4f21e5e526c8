/**
 * AUTH_MFA end to end: the real LangGraph server with our Auth in each mode (off, enrolled,
 * required), trusting the real local Supabase Auth, with real aal1 and aal2 sessions from
 * supabase-js (codes from otpauth). Access tokens live 5 s here, so the refresh test refreshes
 * a really expired aal2 session. The remote mode and the identity's level are checked through
 * our authenticator in this process against the same auth server.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { SupabaseClient } from "@supabase/supabase-js";
import { Secret, TOTP } from "otpauth";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { createAuthenticator } from "../../src/server/authenticate.js";
import { loadAuthSettings } from "../../src/server/settings.js";
import { lgauthInProcess } from "../helpers/lgauth-in-process.js";
import { type OurLangGraph, startOurLangGraph } from "../helpers/our-langgraph.js";
import { http } from "../helpers/server-stack.js";
import { client, email } from "./local-supabase-kit.js";

const MODES = ["off", "enrolled", "required"] as const;
type Mode = (typeof MODES)[number];
const PASSWORD = "server-mfa-Secret-1";

let auth: LocalSupabase;
let dir: string;
const servers = {} as Record<Mode, OurLangGraph>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lgauth-server-mfa-"));
  auth = await startLocalSupabase({ port: 0, accessTokenTtl: 5 });
  const keys = { url: auth.url, anonKey: auth.anonKey, serviceRoleKey: auth.serviceRoleKey };
  const started = await Promise.allSettled(
    MODES.map((mode) => startOurLangGraph(keys, { dir: join(dir, mode), env: { AUTH_MFA: mode }, nWorkers: 1 })),
  );
  for (const [i, result] of started.entries()) {
    if (result.status === "fulfilled") servers[MODES[i] as Mode] = result.value;
  }
  const failed = started.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
});
after(async () => {
  await Promise.all(Object.values(servers).map((s) => s.service.stop()));
  await auth?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A user with a verified TOTP factor: `aal1()` logs in with the password only, `aal2()` also verifies a code. */
async function mfaUser(tag: string) {
  const addr = email(tag);
  const sb = client(auth);
  assert.equal((await sb.auth.signUp({ email: addr, password: PASSWORD })).error, null);
  const enrolled = await sb.auth.mfa.enroll({ factorType: "totp" });
  assert.equal(enrolled.error, null);
  const factorId = enrolled.data!.id;
  const totp = new TOTP({ secret: Secret.fromBase32(enrolled.data!.totp.secret), period: 30 });
  let lastStep = -Infinity;
  const code = async () => {
    for (;;) {
      const now = Math.floor(Date.now() / 30_000);
      const step = Math.max(now, lastStep + 1); // each step's code is accepted once
      if (step <= now + 1) {
        lastStep = step;
        return totp.generate({ timestamp: step * 30_000 });
      }
      await sleep(500);
    }
  };
  assert.equal((await sb.auth.mfa.challengeAndVerify({ factorId, code: await code() })).error, null);
  const login = async (): Promise<SupabaseClient> => {
    const c = client(auth);
    assert.equal((await c.auth.signInWithPassword({ email: addr, password: PASSWORD })).error, null);
    return c;
  };
  return {
    addr,
    code,
    login,
    aal1: async () => token(await login()),
    aal2: async () => {
      const c = await login();
      assert.equal((await c.auth.mfa.challengeAndVerify({ factorId, code: await code() })).error, null);
      return { client: c, token: await token(c) };
    },
  };
}

async function plainUser(tag: string): Promise<string> {
  const sb = client(auth);
  assert.equal((await sb.auth.signUp({ email: email(tag), password: PASSWORD })).error, null);
  return token(sb);
}

async function token(sb: SupabaseClient): Promise<string> {
  const { data } = await sb.auth.getSession();
  assert.ok(data.session);
  return data.session.access_token;
}

const search = (mode: Mode, jwt: string) =>
  http(`${servers[mode].url}/threads/search`, { method: "POST", token: jwt, body: {} });

describe("the real LangGraph server in each AUTH_MFA mode", () => {
  test("an aal1 token of a user with a verified factor: refused (403, MFA) in enrolled and required, accepted in off", async () => {
    const alice = await mfaUser("srv-mfa-alice");
    const jwt = await alice.aal1();
    for (const mode of ["enrolled", "required"] as const) {
      const res = await search(mode, jwt);
      assert.equal(res.status, 403, mode);
      assert.match(res.text, /MFA required: this account has a verified second factor/, mode);
    }
    assert.equal((await search("off", jwt)).status, 200);
  });

  test("a user without a factor: accepted at aal1 in off and enrolled; told to enroll in required", async () => {
    const jwt = await plainUser("srv-mfa-bob");
    assert.equal((await search("off", jwt)).status, 200);
    assert.equal((await search("enrolled", jwt)).status, 200);
    const required = await search("required", jwt);
    assert.equal(required.status, 403);
    assert.match(required.text, /MFA required: .*enroll a second factor/);
  });

  test("an aal2 token is accepted in every mode, and a refresh of an expired aal2 session stays aal2", async () => {
    const alice = await mfaUser("srv-mfa-carol");
    const { client: sb, token: jwt } = await alice.aal2();
    for (const mode of MODES) assert.equal((await search(mode, jwt)).status, 200, mode);

    // wait until the auth server itself refuses the token as expired (no clock leeway there)
    for (;;) {
      const res = await fetch(`${auth.url}/auth/v1/user`, {
        headers: { apikey: auth.anonKey, Authorization: `Bearer ${jwt}` },
      });
      if (res.status !== 200) break;
      await sleep(250);
    }
    const refreshed = await sb.auth.refreshSession();
    assert.equal(refreshed.error, null);
    const fresh = refreshed.data.session!.access_token;
    assert.notEqual(fresh, jwt);
    for (const mode of ["enrolled", "required"] as const) assert.equal((await search(mode, fresh)).status, 200, mode);
  });
});

describe("lgauth against the server", () => {
  const cli = (mode: Mode, args: string[], env: NodeJS.ProcessEnv = {}, stdin?: string) =>
    lgauthInProcess(args, {
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        LGAUTH_CONFIG_DIR: join(dir, "cli"),
        LGAUTH_CREDENTIAL_STORE: "file",
        SUPABASE_URL: auth.url,
        SUPABASE_ANON_KEY: auth.anonKey,
        LANGGRAPH_URL: servers[mode].url,
        NO_COLOR: "1",
        ...env,
      },
      stdin,
    });

  test("a session the server refuses for MFA exits 4 with a hint (log in with the code, or enroll); a login with the code works, also after its 5 s token is refreshed", async () => {
    const alice = await mfaUser("srv-mfa-cli");
    const aal1 = { LGAUTH_ACCESS_TOKEN: await alice.aal1() };
    const refused = await cli("enrolled", ["threads", "list"], aal1);
    assert.equal(refused.code, 4, refused.stderr);
    assert.equal(refused.stderr.trimEnd().split("\n").length, 1, refused.stderr);
    assert.match(refused.stderr, /MFA required: .*log in again and enter the code from your authenticator app/);
    assert.equal((await cli("off", ["threads", "list"], aal1)).code, 0);

    const bob = await cli("required", ["threads", "list"], { LGAUTH_ACCESS_TOKEN: await plainUser("srv-mfa-cli-bob") });
    assert.equal(bob.code, 4);
    assert.match(bob.stderr, /lgauth mfa enroll/);

    const login = await cli(
      "enrolled",
      ["login", "--email", alice.addr, "--password-stdin", "--code-stdin"],
      {},
      `${PASSWORD}\n${await alice.code()}\n`,
    );
    assert.equal(login.code, 0, login.stderr);
    // tokens live 5 s and the CLI refreshes below 60 s left: every command here runs on a refreshed token
    for (const mode of ["enrolled", "required"] as const) {
      const listed = await cli(mode, ["threads", "list", "--json"]);
      assert.equal(listed.code, 0, listed.stderr);
    }
  });
});

describe("our authenticator against the same auth server", () => {
  const request = (jwt: string) =>
    new Request("http://langgraph.test/threads/search", {
      method: "POST",
      headers: { Authorization: `Bearer ${jwt}` },
    });
  const settings = (env: Record<string, string>) =>
    loadAuthSettings({ SUPABASE_URL: auth.url, SUPABASE_ANON_KEY: auth.anonKey, ...env });

  test("the identity carries the level as aal and as a permission", async () => {
    const authenticate = createAuthenticator(settings({ AUTH_MFA: "off" }));
    const alice = await mfaUser("srv-mfa-dave");
    const low = await authenticate(request(await alice.aal1()));
    assert.equal(low.aal, "aal1");
    assert.ok(low.permissions.includes("aal1") && !low.permissions.includes("aal2"));
    const high = await authenticate(request((await alice.aal2()).token));
    assert.equal(high.aal, "aal2");
    assert.ok(high.permissions.includes("aal2"));
  });

  test("AUTH_VERIFY=remote applies the rule from its own per-request lookup", async () => {
    const authenticate = createAuthenticator(settings({ AUTH_VERIFY: "remote", AUTH_MFA: "enrolled" }));
    const alice = await mfaUser("srv-mfa-erin");
    await assert.rejects(authenticate(request(await alice.aal1())), (err: { status?: number; message?: string }) => {
      return err.status === 403 && /^MFA required/.test(err.message ?? "");
    });
    assert.equal((await authenticate(request((await alice.aal2()).token))).aal, "aal2");
  });
});
