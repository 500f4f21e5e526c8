import assert from "node:assert/strict";
import { test } from "node:test";
import type { JWTPayload } from "jose";
import type { VerifiedUser } from "../../src/server/claims.js";
import { type Verified, cachedVerifier } from "../../src/server/verify.js";

// The inner verifier here is a counting stand-in (named as such): this file tests only the
// cache's bookkeeping; real verification is tested in server-verify.test.ts.
function countingVerifier(payloadFor: (token: string) => JWTPayload | Error) {
  let calls = 0;
  const user: VerifiedUser = { id: "u", email: undefined, sessionId: "s", role: "authenticated", permissions: [] };
  return {
    calls: () => calls,
    verify: async (token: string): Promise<Verified> => {
      calls += 1;
      const p = payloadFor(token);
      if (p instanceof Error) throw p;
      return { user, payload: p };
    },
  };
}

test("a verified token is reused until its expiry plus leeway, then checked again", async () => {
  let clock = 1_000_000;
  const inner = countingVerifier(() => ({ exp: 1_000 + 30 })); // exp at 1,030 s
  const v = cachedVerifier(inner.verify, { now: () => clock, clockToleranceSeconds: 5, maxAgeMs: 60_000 });
  await v("t1");
  await v("t1");
  assert.equal(inner.calls(), 1);
  clock = 1_034_999; // exp + leeway not reached
  await v("t1");
  assert.equal(inner.calls(), 1);
  clock = 1_035_000;
  await v("t1");
  assert.equal(inner.calls(), 2, "past exp + leeway the token goes back to the real verifier");
});

test("entries live at most maxAge; failures are never cached; the cache is bounded", async () => {
  let clock = 0;
  const inner = countingVerifier((t) => (t === "bad" ? new Error("refused") : { exp: 10_000 }));
  const v = cachedVerifier(inner.verify, { now: () => clock, maxAgeMs: 1_000, maxEntries: 2 });
  await v("a");
  clock = 1_000;
  await v("a");
  assert.equal(inner.calls(), 2, "re-verified after maxAge");
  await assert.rejects(v("bad"));
  await assert.rejects(v("bad"));
  assert.equal(inner.calls(), 4, "each failure reaches the verifier");
  await v("b");
  await v("c"); // evicts the oldest ("a")
  await v("a");
  assert.equal(inner.calls(), 7);
});
