/**
 * Configured signing keys (GoTrue's GOTRUE_JWT_KEYS): an RS256 key signs, an older ES256 key
 * only verifies (rotation), the legacy HS256 secret still verifies; the JWKS publishes the two
 * public keys. Checked with the real supabase-js client (getClaims verifies against the JWKS)
 * and with jose's createRemoteJWKSet, as a resource server would.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, test } from "node:test";
import { createRemoteJWKSet, decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from "jose";
import { type LocalSupabase, type LocalSupabaseOptions, startLocalSupabase } from "../../src/local-supabase/index.js";
import { resolveOptions } from "../../src/local-supabase/options.js";
import { client, email, raw, V2024 } from "./local-supabase-kit.js";

const SECRET = "legacy-secret-with-at-least-32-characters";
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
const oldEc = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
let s: LocalSupabase;

before(async () => {
  s = await startLocalSupabase({
    port: 0,
    jwtSecret: SECRET,
    jwtKeys: [
      { ...oldEc, kid: "old-ec", alg: "ES256", key_ops: ["verify"] },
      { ...rsa, kid: "current-rsa", alg: "RS256", key_ops: ["sign", "verify"] },
    ],
  });
});
after(async () => {
  await s?.stop();
});

const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString());

test("the RS256 key signs sessions and API keys; the JWKS lists both public keys and no private part", async () => {
  const jwks = await raw(s, "GET", "/.well-known/jwks.json");
  assert.equal(jwks.status, 200);
  const keys = jwks.json.keys as Record<string, unknown>[];
  assert.deepEqual(keys.map((k) => [k.kid, k.kty, k.alg, k.use, k.key_ops]).sort(), [
    ["current-rsa", "RSA", "RS256", "sig", ["verify"]],
    ["old-ec", "EC", "ES256", "sig", ["verify"]],
  ]);
  for (const k of keys) for (const priv of ["d", "p", "q", "dp", "dq", "qi"]) assert.equal(k[priv], undefined);

  assert.deepEqual(decodeProtectedHeader(s.anonKey), { alg: "RS256", kid: "current-rsa", typ: "JWT" });
  const sb = client(s);
  const addr = email("keys");
  const signup = await sb.auth.signUp({ email: addr, password: "secret123" });
  assert.equal(signup.error, null);
  const token = signup.data.session!.access_token;
  assert.equal(decodeProtectedHeader(token).kid, "current-rsa");

  // supabase-js verifies an asymmetric token against the project's JWKS itself
  const claims = await sb.auth.getClaims();
  assert.equal(claims.error, null);
  assert.equal(claims.data?.claims.email, addr);

  // and so does a resource server with jose
  const remote = createRemoteJWKSet(new URL(`${s.url}/auth/v1/.well-known/jwks.json`), {
    headers: { apikey: s.anonKey },
  });
  const verified = await jwtVerify(token, remote, { issuer: `${s.url}/auth/v1`, audience: "authenticated" });
  assert.equal(verified.payload.sub, signup.data.user!.id);
  assert.equal(verified.protectedHeader.alg, "RS256");
});

test("tokens signed with the verify-only ES256 key or the legacy HS256 secret are still accepted; unknown keys are not", async () => {
  const sb = client(s);
  const signup = await sb.auth.signUp({ email: email("keys-rotation"), password: "secret123" });
  const claims = payload(signup.data.session!.access_token);

  const byOldKey = await new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: "old-ec", typ: "JWT" })
    .sign(await importJWK({ ...oldEc, alg: "ES256" }, "ES256"));
  const legacy = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(SECRET));
  for (const [what, jwt] of [
    ["old ES256 key", byOldKey],
    ["legacy HS256 secret", legacy],
  ] as const) {
    const user = await raw(s, "GET", "/user", { bearer: jwt, headers: V2024 });
    assert.equal(user.status, 200, what);
    assert.equal(user.json.id, signup.data.user!.id, what);
  }

  const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  const forged = await new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: "stranger", typ: "JWT" })
    .sign(await importJWK({ ...stranger, alg: "ES256" }, "ES256"));
  const refused = await raw(s, "GET", "/user", { bearer: forged, headers: V2024 });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.code, "bad_jwt");
  const wrongAlg = await new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: "old-ec", typ: "JWT" })
    .sign(await importJWK({ ...rsa, alg: "RS256" }, "RS256"));
  assert.equal((await raw(s, "GET", "/user", { bearer: wrongAlg, headers: V2024 })).status, 403);
});

test("the gateway takes any API key the project's keys signed (role anon or service_role), not only the printed ones", async () => {
  // as a team mints its keys once from its signing_keys.json and keeps them in .env (auth-js's
  // own test suite does this): the Supabase CLI's gateway passes them, a hosted one accepts them
  const mint = async (role: string, key: Record<string, unknown>, alg: "RS256" | "ES256", kid: string) =>
    new SignJWT({ iss: "supabase-demo", role })
      .setProtectedHeader({ alg, kid, typ: "JWT" })
      .setIssuedAt(1768925145)
      .setExpirationTime(1983812996)
      .sign(await importJWK({ ...key, alg }, alg));
  const anon = await mint("anon", rsa, "RS256", "current-rsa");
  assert.notEqual(anon, s.anonKey);
  const signup = await client(s, anon).auth.signUp({ email: email("keys-minted"), password: "secret123" });
  assert.equal(signup.error, null);
  const service = await mint("service_role", oldEc, "ES256", "old-ec");
  const listed = await client(s, service).auth.admin.listUsers({ perPage: 1 });
  assert.equal(listed.error, null);

  const user = await mint("authenticated", rsa, "RS256", "current-rsa");
  const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  const forged = await mint("anon", stranger, "RS256", "current-rsa");
  for (const [what, key] of [
    ["a user role", user],
    ["another key's signature", forged],
  ] as const) {
    const r = await raw(s, "GET", "/settings", { apikey: key });
    assert.equal(r.status, 401, what);
    assert.equal(r.json.message, "Invalid API key", what);
  }
});

test("a key set must have exactly one signing key, each with a kid and a supported algorithm", () => {
  const sign = { ...rsa, kid: "a", alg: "RS256", key_ops: ["sign"] };
  const cases: [string, LocalSupabaseOptions, RegExp][] = [
    ["none signs", { jwtKeys: [{ ...sign, key_ops: ["verify"] }] }, /no signing key detected/],
    ["two sign", { jwtKeys: [sign, { ...sign, kid: "b" }] }, /multiple signing keys detected/],
    ["no kid", { jwtKeys: [{ ...sign, kid: undefined }] }, /jwtKeys\[0\] has no kid/],
    ["RS512", { jwtKeys: [{ ...sign, alg: "RS512" }] }, /RS512 is not supported here/],
  ];
  for (const [what, opts, message] of cases) {
    assert.throws(() => resolveOptions(opts), message, what);
  }
});
