/**
 * The other verification modes, end to end against the real local Supabase Auth server in its
 * legacy HS256 mode: our server verifying HS256 tokens with SUPABASE_JWT_SECRET (and checking
 * the session on every request, AUTH_REVOCATION_INTERVAL=0), and our server in
 * AUTH_VERIFY=remote mode (the tutorial's per-request /auth/v1/user call).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { claimsFor, signHs256 } from "../helpers/server-fixtures.js";
import { createUser, http, lgClient, startTestStack, statusOf, type TestStack } from "../helpers/server-stack.js";

const LEGACY_SECRET = "server-modes-test-hs256-secret-0123456789";

let stack: TestStack;
let legacy: string;
let remote: string;

before(async () => {
  stack = await startTestStack([{ env: { AUTH_REVOCATION_INTERVAL: "0" } }, { env: { AUTH_VERIFY: "remote" } }], {
    jwtSecret: LEGACY_SECRET,
  });
  [legacy, remote] = stack.langgraph as [string, string];
});
after(() => stack?.stop());

describe("legacy HS256 project (SUPABASE_JWT_SECRET)", () => {
  it("verifies the auth server's HS256 tokens and keeps threads private", async () => {
    const jwks = await http(`${stack.auth.supabaseUrl}/auth/v1/.well-known/jwks.json`, {
      headers: { apikey: stack.auth.anonKey },
    });
    assert.deepEqual(JSON.parse(jwks.text), { keys: [] }, "a legacy project publishes no keys");
    const [alice, bob] = await Promise.all([createUser(stack.auth, "alice"), createUser(stack.auth, "bob")]);
    const header = JSON.parse(Buffer.from(alice.token.split(".")[0]!, "base64url").toString()) as { alg: string };
    assert.equal(header.alg, "HS256");
    const thread = await lgClient(legacy, alice.token).threads.create();
    assert.equal(thread.metadata?.owner, alice.id);
    assert.equal((await statusOf(lgClient(legacy, bob.token).threads.get(thread.thread_id))).status, 404);
  });

  it("refuses a token signed with another secret", async () => {
    const forged = await signHs256(`${LEGACY_SECRET}-wrong`, claimsFor({}, `${stack.auth.supabaseUrl}/auth/v1`));
    const res = await http(`${legacy}/threads/search`, { method: "POST", token: forged, body: {} });
    assert.equal(res.status, 401);
    assert.match(res.text, /signature/);
  });

  it("with AUTH_REVOCATION_INTERVAL=0 refuses a logged-out session on the next request", async () => {
    const carol = await createUser(stack.auth, "carol");
    assert.equal(
      (await http(`${legacy}/threads/search`, { method: "POST", token: carol.token, body: {} })).status,
      200,
    );
    assert.equal((await carol.supabase.auth.signOut({ scope: "global" })).error, null);
    const res = await http(`${legacy}/threads/search`, { method: "POST", token: carol.token, body: {} });
    assert.equal(res.status, 401);
    assert.match(res.text, /revoked/);
  });
});

describe("AUTH_VERIFY=remote (the tutorial's way)", () => {
  it("refuses no token and tokens Supabase refuses, accepts real ones", async () => {
    assert.equal((await statusOf(lgClient(remote).threads.search())).status, 401);
    const garbage = await http(`${remote}/threads/search`, { method: "POST", token: "not-a-jwt", body: {} });
    assert.equal(garbage.status, 401);
    assert.match(garbage.text, /Supabase refused the token/);
    const forged = await signHs256(`${LEGACY_SECRET}-wrong`, claimsFor({}, `${stack.auth.supabaseUrl}/auth/v1`));
    assert.equal((await http(`${remote}/threads/search`, { method: "POST", token: forged, body: {} })).status, 401);
  });

  it("keeps threads private and still closes the dev server's gaps", async () => {
    const [alice, bob] = await Promise.all([createUser(stack.auth, "alice"), createUser(stack.auth, "bob")]);
    const a = lgClient(remote, alice.token);
    const thread = await a.threads.create({ metadata: { owner: bob.id } });
    assert.equal(thread.metadata?.owner, alice.id);
    assert.equal((await statusOf(lgClient(remote, bob.token).threads.get(thread.thread_id))).status, 404);
    const truncate = await http(`${remote}/internal/truncate`, {
      method: "POST",
      token: bob.token,
      body: { threads: true },
    });
    assert.equal(truncate.status, 403);
  });

  it("refuses a logged-out session on the very next request", async () => {
    const dave = await createUser(stack.auth, "dave");
    assert.equal((await http(`${remote}/threads/search`, { method: "POST", token: dave.token, body: {} })).status, 200);
    assert.equal((await dave.supabase.auth.signOut({ scope: "global" })).error, null);
    const res = await http(`${remote}/threads/search`, { method: "POST", token: dave.token, body: {} });
    assert.equal(res.status, 401);
    assert.match(res.text, /session_not_found|Supabase refused/);
  });
});
