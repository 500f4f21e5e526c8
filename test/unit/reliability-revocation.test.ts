/**
 * Supabase Auth down while the LangGraph server runs: the revocation check fails open with one
 * warning by default (validly signed tokens keep working, known-revoked sessions stay refused)
 * and fails closed with 503 under AUTH_REVOCATION=strict. The auth server is the named test
 * fixture of test/helpers/server-fixtures.ts, made to answer 500 or closed entirely.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { AuthFailure } from "../../src/server/failure.js";
import { createRevocationChecker } from "../../src/server/revocation.js";
import { loadAuthSettings, SettingsError } from "../../src/server/settings.js";
import { claimsFor, type FakeAuthServer, signEs256, startFakeAuthServer } from "../helpers/server-fixtures.js";

async function sessionToken(fake: FakeAuthServer, sessionId = randomUUID()) {
  const sub = randomUUID();
  const token = await signEs256(fake.keys[0]!, claimsFor({ sub, sessionId }, fake.authUrl));
  return { token, user: { id: sub, email: undefined, sessionId, role: undefined, permissions: [] } };
}

describe("reliability: revocation check while Supabase Auth is down", () => {
  let fake: FakeAuthServer;
  const counts = { requests: 0, faults: 0, failures: 0 };
  before(async () => {
    fake = await startFakeAuthServer();
  });
  after(async () => {
    await fake.close();
    console.log(
      `reliability-revocation: requests=${counts.requests} faults=${counts.faults} failures=${counts.failures}`,
    );
  });

  it("reads AUTH_REVOCATION: open by default, strict on request, anything else refused", () => {
    const base = { SUPABASE_URL: "http://127.0.0.1:1" };
    assert.equal(loadAuthSettings(base).revocationFailure, "open");
    assert.equal(loadAuthSettings({ ...base, AUTH_REVOCATION: "STRICT" }).revocationFailure, "strict");
    assert.equal(loadAuthSettings({ ...base, AUTH_REVOCATION: "open" }).revocationFailure, "open");
    assert.throws(() => loadAuthSettings({ ...base, AUTH_REVOCATION: "closed" }), SettingsError);
  });

  it("fails open on a 500 with one warning, keeps refusing a revoked session, and asks again after the back-off", async () => {
    let now = 1_000_000;
    const warnings: string[] = [];
    const checker = createRevocationChecker({
      authUrl: fake.authUrl,
      apiKey: undefined,
      timeoutMs: 2_000,
      intervalMs: 30_000,
      now: () => now,
      warn: (m) => warnings.push(m),
    });
    const revokedSession = randomUUID();
    const revoked = await sessionToken(fake, revokedSession);
    await checker.check(revoked.token, revoked.user);
    fake.revokedSessions.add(revokedSession);
    now += 31_000;
    await assert.rejects(checker.check(revoked.token, revoked.user), (e: unknown) => e instanceof AuthFailure);
    counts.requests += 2;

    fake.failUserWith = 500;
    try {
      const users = await Promise.all(Array.from({ length: 20 }, () => sessionToken(fake)));
      for (const u of users) {
        counts.requests += 1;
        counts.faults += 1;
        try {
          await checker.check(u.token, u.user);
        } catch {
          counts.failures += 1;
        }
      }
      assert.equal(counts.failures, 0, "a valid token was refused while the auth server was down");
      assert.equal(checker.failedOpen, 20);
      assert.equal(checker.lookups, 3, "one lookup hit the outage, the rest waited out the back-off");
      assert.equal(warnings.length, 1, "one warning per outage, not one per request");
      assert.match(warnings[0] ?? "", /AUTH_REVOCATION=strict/);
      assert.doesNotMatch(warnings[0] ?? "", /eyJ/, "the warning holds no token");
      // a session known to be revoked stays refused during the outage
      await assert.rejects(checker.check(revoked.token, revoked.user), /revoked/);
      counts.requests += 1;
    } finally {
      fake.failUserWith = undefined;
    }
    now += 6_000;
    const back = await sessionToken(fake);
    await checker.check(back.token, back.user);
    counts.requests += 1;
    assert.equal(checker.lookups, 4, "after the back-off the auth server is asked again");
  });

  it("fails open when the auth server is gone (connection refused) and closed under strict", async () => {
    const gone = await startFakeAuthServer();
    const authUrl = gone.authUrl;
    const u = await sessionToken(gone);
    await gone.close();
    const warnings: string[] = [];
    const open = createRevocationChecker({
      authUrl,
      apiKey: undefined,
      timeoutMs: 1_000,
      intervalMs: 30_000,
      warn: (m) => warnings.push(m),
    });
    counts.requests += 2;
    counts.faults += 2;
    await open.check(u.token, u.user);
    assert.equal(open.failedOpen, 1);
    assert.match(warnings[0] ?? "", /cannot reach the auth server/);
    const strict = createRevocationChecker({
      authUrl,
      apiKey: undefined,
      timeoutMs: 1_000,
      intervalMs: 30_000,
      failOpen: false,
      warn: (m) => warnings.push(m),
    });
    await assert.rejects(strict.check(u.token, u.user), (e: unknown) => e instanceof AuthFailure && e.status === 503);
    assert.equal(warnings.length, 1, "strict mode refuses; it does not warn");
  });
});
