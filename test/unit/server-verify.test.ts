/**
 * Token verification (src/server/verify.ts) and the revocation window (revocation.ts) against
 * keys we control, served by the named test fixture in test/helpers/server-fixtures.ts: the
 * faults here (expired, wrongly signed, rotated keys, a JWKS that is down) cannot be caused
 * with the real local Supabase Auth server.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { AuthFailure } from "../../src/server/failure.js";
import { createRevocationChecker } from "../../src/server/revocation.js";
import { createVerifier, type TokenVerifier } from "../../src/server/verify.js";
import {
  claimsFor,
  type FakeAuthServer,
  makeSigningKey,
  signEs256,
  signHs256,
  startFakeAuthServer,
  unsignedToken,
} from "../helpers/server-fixtures.js";

const SECRET = "test-fixture-secret-with-at-least-32-characters";

async function rejection(p: Promise<unknown>): Promise<AuthFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AuthFailure, `expected AuthFailure, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the token to be refused");
}

describe("verify: local JWT verification", () => {
  let fake: FakeAuthServer;
  let verify: TokenVerifier;
  let verifyWithSecret: TokenVerifier;

  before(async () => {
    fake = await startFakeAuthServer();
    const base = { authUrl: fake.authUrl, issuer: fake.authUrl, audience: "authenticated", upstreamTimeoutMs: 2_000 };
    verify = createVerifier({ ...base, jwtSecret: undefined, jwksCooldownMs: 0 });
    verifyWithSecret = createVerifier({ ...base, jwtSecret: SECRET });
  });
  after(() => fake.close());

  const key = () => fake.keys[0]!;

  it("accepts a valid ES256 token and returns the user from its claims", async () => {
    const sub = randomUUID();
    const sessionId = randomUUID();
    const token = await signEs256(key(), claimsFor({ sub, sessionId, email: "a@example.com" }, fake.authUrl));
    const { user } = await verify(token);
    assert.deepEqual(user, { id: sub, email: "a@example.com", sessionId, role: "authenticated", permissions: [] });
  });

  it("fetches the JWKS once and serves later tokens from the cache", async () => {
    const before = fake.counts.jwks;
    for (let i = 0; i < 5; i++) await verify(await signEs256(key(), claimsFor({}, fake.authUrl)));
    assert.ok(fake.counts.jwks - before <= 1, `JWKS fetched ${fake.counts.jwks - before} times for 5 tokens`);
  });

  it("refetches the JWKS when a token names an unknown kid (key rotation)", async () => {
    await verify(await signEs256(key(), claimsFor({}, fake.authUrl))); // warm the cache
    const rotated = await makeSigningKey();
    fake.keys.push(rotated);
    const before = fake.counts.jwks;
    const { user } = await verify(await signEs256(rotated, claimsFor({ sub: "rotated-user" }, fake.authUrl)));
    assert.equal(user.id, "rotated-user");
    assert.equal(fake.counts.jwks - before, 1);
  });

  it("refuses a token whose kid is in no JWKS", async () => {
    const stranger = await makeSigningKey();
    const err = await rejection(verify(await signEs256(stranger, claimsFor({}, fake.authUrl))));
    assert.equal(err.status, 401);
    assert.match(err.message, /unknown key/);
  });

  it("refuses a token signed by another key under the project's kid", async () => {
    const forger = await makeSigningKey(key().kid);
    const err = await rejection(verify(await signEs256(forger, claimsFor({}, fake.authUrl))));
    assert.equal(err.status, 401);
    assert.match(err.message, /signature/);
  });

  const claimCases: [string, Parameters<typeof claimsFor>[0], RegExp][] = [
    ["expired", { expiresIn: -120 }, /expired/],
    ["wrong issuer", { iss: "https://evil.example.com/auth/v1" }, /issuer/],
    ["wrong audience", { aud: "anon" }, /audience/],
    ["missing sub", { sub: null }, /subject/],
    ["empty sub", { sub: "" }, /subject/],
    ["blank sub", { sub: "   " }, /subject/],
  ];
  for (const [name, spec, reason] of claimCases) {
    it(`refuses a validly signed token with ${name}`, async () => {
      const err = await rejection(verify(await signEs256(key(), claimsFor(spec, fake.authUrl))));
      assert.equal(err.status, 401);
      assert.match(err.message, reason);
      const hs = await rejection(verifyWithSecret(await signHs256(SECRET, claimsFor(spec, fake.authUrl))));
      assert.match(hs.message, reason, "same rule in HS256 mode");
    });
  }

  it("refuses an unsigned token (alg none) even with valid claims", async () => {
    const err = await rejection(verify(unsignedToken(claimsFor({}, fake.authUrl))));
    assert.equal(err.status, 401);
    assert.match(err.message, /alg none/);
  });

  it("accepts HS256 with the right secret, refuses a wrong secret and HS256 without a secret", async () => {
    const claims = claimsFor({ sub: "legacy-user" }, fake.authUrl);
    assert.equal((await verifyWithSecret(await signHs256(SECRET, claims))).user.id, "legacy-user");
    const wrong = await rejection(verifyWithSecret(await signHs256(`${SECRET}-other`, claims)));
    assert.match(wrong.message, /signature/);
    const none = await rejection(verify(await signHs256(SECRET, claims)));
    assert.match(none.message, /SUPABASE_JWT_SECRET/);
  });

  it("refuses algorithms outside ES256/RS256/HS256", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "HS512", typ: "JWT" })).toString("base64url");
    const body = Buffer.from(JSON.stringify(claimsFor({}, fake.authUrl))).toString("base64url");
    const err = await rejection(verify(`${header}.${body}.c2ln`));
    assert.match(err.message, /not allowed/);
  });

  const notJsonBody = [{ alg: "ES256" }, "not json", "sig"]
    .map((part) => Buffer.from(typeof part === "string" ? part : JSON.stringify(part)).toString("base64url"))
    .join(".");
  for (const garbage of ["abc", "a.b", "a.b.c.d", "!!!.???.***", notJsonBody]) {
    it(`refuses the malformed token ${JSON.stringify(garbage)} with 401`, async () => {
      const err = await rejection(verify(garbage));
      assert.equal(err.status, 401);
    });
  }

  it("answers 503, not 401, when the JWKS cannot be fetched", async () => {
    const dead = createVerifier({
      authUrl: "http://127.0.0.1:9/auth/v1",
      issuer: "http://127.0.0.1:9/auth/v1",
      audience: "authenticated",
      jwtSecret: undefined,
      upstreamTimeoutMs: 1_000,
    });
    const err = await rejection(dead(await signEs256(key(), claimsFor({}, "http://127.0.0.1:9/auth/v1"))));
    assert.equal(err.status, 503);
  });
});

describe("revocation: one /auth/v1/user call per session per interval", () => {
  let fake: FakeAuthServer;
  before(async () => {
    fake = await startFakeAuthServer();
  });
  after(() => fake.close());

  async function sessionToken(sessionId = randomUUID()) {
    const sub = randomUUID();
    const token = await signEs256(fake.keys[0]!, claimsFor({ sub, sessionId }, fake.authUrl));
    return { token, user: { id: sub, email: undefined, sessionId, role: undefined, permissions: [] } };
  }

  it("asks once, trusts the answer for the interval, then asks again", async () => {
    let now = 1_000_000;
    const checker = createRevocationChecker({
      authUrl: fake.authUrl,
      apiKey: undefined,
      timeoutMs: 2_000,
      intervalMs: 30_000,
      now: () => now,
    });
    const { token, user } = await sessionToken();
    await checker.check(token, user);
    await checker.check(token, user);
    now += 29_000;
    await checker.check(token, user);
    assert.equal(checker.lookups, 1);
    now += 2_000;
    await checker.check(token, user);
    assert.equal(checker.lookups, 2);
  });

  it("refuses a logged-out session at the first check after the window, and keeps refusing", async () => {
    let now = 0;
    const checker = createRevocationChecker({
      authUrl: fake.authUrl,
      apiKey: undefined,
      timeoutMs: 2_000,
      intervalMs: 30_000,
      now: () => now,
    });
    const sessionId = randomUUID();
    const { token, user } = await sessionToken(sessionId);
    await checker.check(token, user);
    fake.revokedSessions.add(sessionId);
    now += 10_000;
    await checker.check(token, user); // inside the window: still trusted (documented lag)
    now += 21_000;
    const err = await rejection(checker.check(token, user));
    assert.equal(err.status, 401);
    assert.match(err.message, /revoked/);
    const lookups = checker.lookups;
    now += 60_000;
    await rejection(checker.check(token, user));
    assert.equal(checker.lookups, lookups, "a revoked session is not asked about again");
  });

  it("shares one lookup between concurrent requests of a session", async () => {
    const checker = createRevocationChecker({
      authUrl: fake.authUrl,
      apiKey: undefined,
      timeoutMs: 2_000,
      intervalMs: 30_000,
    });
    const { token, user } = await sessionToken();
    await Promise.all(Array.from({ length: 10 }, () => checker.check(token, user)));
    assert.equal(checker.lookups, 1);
  });

  it("answers 503 in strict mode when the auth server fails and caches nothing", async () => {
    const checker = createRevocationChecker({
      authUrl: fake.authUrl,
      apiKey: undefined,
      timeoutMs: 2_000,
      intervalMs: 30_000,
      failOpen: false,
    });
    const { token, user } = await sessionToken();
    fake.failUserWith = 500;
    try {
      const err = await rejection(checker.check(token, user));
      assert.equal(err.status, 503);
    } finally {
      fake.failUserWith = undefined;
    }
    await checker.check(token, user);
    assert.equal(checker.lookups, 2);
  });

  it("refuses when /auth/v1/user names another user than the token", async () => {
    const checker = createRevocationChecker({
      authUrl: fake.authUrl,
      apiKey: undefined,
      timeoutMs: 2_000,
      intervalMs: 30_000,
    });
    const { token, user } = await sessionToken();
    await rejection(checker.check(token, { ...user, id: randomUUID() }));
  });
});
