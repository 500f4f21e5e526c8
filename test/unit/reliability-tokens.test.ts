/**
 * Our `authenticate` (src/server/authenticate.ts + verify.ts) in-process against mutated
 * tokens: every single-character change of a valid JWT, swapped segments, `alg: none`, HS256
 * signed with the public key, unknown `kid`, expired, not yet valid, wrong `iss`/`aud`, empty
 * and huge `sub`, a 64 KB JWT header and a 64 KB Authorization header. Zero accepted, and
 * every refusal is an HTTP 401/403 (an exception without a status would be a 500).
 *
 * Clock leeway: verify.ts accepts 5 s of clock skew on `exp` and `nbf` (clockTolerance), so a
 * token expired 1 s ago still passes by design; "expired" here means exp = now - 6 s, and the
 * leeway itself is pinned by a test below.
 *
 * Signing keys and the JWKS come from the named test fixture (test/helpers/server-fixtures.ts):
 * minting wrongly signed tokens needs keys we control. A smaller sample of the same mutations
 * goes to the real LangGraph server in test/e2e/reliability-server.test.ts.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import { createAuthenticator } from "../../src/server/authenticate.js";
import { loadAuthSettings } from "../../src/server/settings.js";
import { createVerifier } from "../../src/server/verify.js";
import { claimsFor, type FakeAuthServer, signEs256, startFakeAuthServer } from "../helpers/server-fixtures.js";
import { mutatedTokens } from "../helpers/token-mutations.js";

const URL_ = "http://127.0.0.1:2024/threads/search";

function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown }).status;
  return typeof s === "number" ? s : undefined;
}

describe("reliability: mutated tokens against authenticate (in-process)", () => {
  let fake: FakeAuthServer;
  let authenticate: ReturnType<typeof createAuthenticator>;
  let valid: string;
  const counts = { requests: 0, accepted: 0, status500: 0, byStatus: new Map<number, number>() };

  async function attempt(header: string): Promise<number> {
    counts.requests += 1;
    try {
      await authenticate(new Request(URL_, { headers: { authorization: header } }));
      counts.accepted += 1;
      return 200;
    } catch (err) {
      const status = statusOf(err) ?? 500;
      if (status >= 500) counts.status500 += 1;
      counts.byStatus.set(status, (counts.byStatus.get(status) ?? 0) + 1);
      return status;
    }
  }

  before(async () => {
    fake = await startFakeAuthServer();
    authenticate = createAuthenticator(
      loadAuthSettings({ SUPABASE_URL: fake.url, AUTH_REVOCATION_INTERVAL: "30", AUTH_UPSTREAM_TIMEOUT: "2" }),
    );
    valid = await signEs256(fake.keys[0]!, claimsFor({}, fake.authUrl));
  });
  after(async () => {
    await fake.close();
    console.log(
      `reliability-tokens: requests=${counts.requests} accepted=${counts.accepted - 1} (plus 1 control) ` +
        `status500=${counts.status500} by-status=${JSON.stringify(Object.fromEntries(counts.byStatus))}`,
    );
  });

  it("accepts the valid control token (so the refusals below mean something)", async () => {
    assert.equal(await attempt(`Bearer ${valid}`), 200);
  });

  it("refuses every mutation of it with 401/403, never 5xx", async () => {
    const key = fake.keys[0]!;
    const cases = await mutatedTokens({ valid, key, issuer: fake.authUrl });
    assert.ok(cases.length > valid.length, `expected a mutation per byte, got ${cases.length}`);
    const wrong: string[] = [];
    for (const c of cases) {
      const status = await attempt(c.header);
      if (status !== 401 && status !== 403 && status !== 431) wrong.push(`${c.name}: ${status}`);
    }
    assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} mutated tokens were not refused with 401/403`);
  });

  it("leeway: verify accepts a token expired 1 s ago (5 s tolerance, documented), not 6 s ago", async () => {
    // the verifier alone: the first revocation lookup of a session asks Supabase, whose clock has
    // no leeway, so through authenticate a just-expired token of an unseen session is refused anyway
    const verify = createVerifier({
      authUrl: fake.authUrl,
      issuer: fake.authUrl,
      audience: "authenticated",
      jwtSecret: undefined,
      upstreamTimeoutMs: 2_000,
    });
    const key = fake.keys[0]!;
    await verify(await signEs256(key, claimsFor({ expiresIn: -1 }, fake.authUrl)));
    await assert.rejects(verify(await signEs256(key, claimsFor({ expiresIn: -6 }, fake.authUrl))), /expired/);
    counts.requests += 2;
  });

  it("refuses a validly signed token whose sub is 256+ characters (bounded subject)", async () => {
    const token = await new SignJWT(claimsFor({ sub: "a".repeat(256) }, fake.authUrl))
      .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: fake.keys[0]!.kid })
      .sign(fake.keys[0]!.privateKey);
    assert.equal(await attempt(`Bearer ${token}`), 401);
    const uuid = await signEs256(fake.keys[0]!, claimsFor({ sub: randomUUID() }, fake.authUrl));
    assert.equal(await attempt(`Bearer ${uuid}`), 200);
    counts.accepted -= 1; // a control, not a mutation
  });
});
