/**
 * Conformance of the local GoTrue server with the real supabase-js client (ES256 mode,
 * autoconfirm): every auth call the project uses and its error cases, GoTrue's wire formats,
 * the gateway's apikey check, admin users API, JWKS verification and the signup race.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { client, email, raw, V2024 } from "./local-supabase-kit.js";

let server: LocalSupabase;
before(async () => {
  server = await startLocalSupabase({ port: 0 });
});
after(async () => {
  await server?.stop();
});

describe("signup and password login", () => {
  test("signUp (autoconfirm) returns a session with GoTrue's shapes", async () => {
    const addr = email("Signup").replace("Signup", "SignUp");
    const { data, error } = await client(server).auth.signUp({
      email: addr,
      password: "correct-horse",
      options: { data: { name: "Alice" } },
    });
    assert.equal(error, null);
    const s = data.session;
    assert.ok(s);
    assert.equal(s.token_type, "bearer");
    assert.match(s.refresh_token, /^[a-z2-7]{12}$/);
    assert.ok(s.expires_in > 3590 && s.expires_in <= 3600);
    assert.equal(s.user.email, addr.toLowerCase());
    assert.equal(s.user.aud, "authenticated");
    assert.equal(s.user.role, "authenticated");
    assert.deepEqual(s.user.app_metadata, { provider: "email", providers: ["email"] });
    assert.deepEqual(s.user.user_metadata, { name: "Alice", email_verified: true });
    assert.ok(s.user.email_confirmed_at && s.user.confirmed_at && s.user.last_sign_in_at);
    const identity = s.user.identities?.[0];
    assert.equal(identity?.provider, "email");
    assert.equal(identity?.id, s.user.id);
    assert.equal(identity?.identity_data?.email, addr.toLowerCase());
    assert.equal(identity?.identity_data?.email_verified, false);
  });

  test("signUp errors: taken email, weak, missing and invalid fields", async () => {
    const sb = client(server);
    const addr = email("taken");
    assert.equal((await sb.auth.signUp({ email: addr, password: "secret123" })).error, null);
    const cases: [Parameters<typeof sb.auth.signUp>[0], number, string, RegExp][] = [
      [{ email: addr.toUpperCase(), password: "secret123" }, 422, "user_already_exists", /User already registered/],
      [{ email: email("weak"), password: "12345" }, 422, "weak_password", /at least 6 characters/],
      [{ email: email("nopw"), password: "" }, 400, "validation_failed", /Signup requires a valid password/],
      [{ email: "not-an-email", password: "secret123" }, 400, "validation_failed", /invalid format/],
      // neither email nor phone is an anonymous sign-in (GoTrue >= 2.144), off by default
      [{ email: "", password: "secret123" }, 422, "anonymous_provider_disabled", /Anonymous sign-ins are disabled/],
      [{ email: email("long"), password: "x".repeat(73) }, 400, "validation_failed", /longer than 72/],
    ];
    for (const [creds, status, code, msg] of cases) {
      const { data, error } = await sb.auth.signUp(creds);
      assert.ok(error, `expected an error for ${JSON.stringify(creds)}`);
      assert.equal(error.status, status, error.message);
      assert.equal(error.code, code);
      assert.match(error.message, msg);
      assert.equal(data.session, null);
    }
    const weak = await sb.auth.signUp({ email: email("weak2"), password: "abc" });
    assert.equal(weak.error?.name, "AuthWeakPasswordError");
    assert.deepEqual((weak.error as unknown as { reasons: string[] }).reasons, ["length"]);
  });

  test("signInWithPassword: session, and one error for unknown email and wrong password", async () => {
    const sb = client(server);
    const addr = email("login");
    await sb.auth.signUp({ email: addr, password: "secret123" });
    const ok = await client(server).auth.signInWithPassword({ email: addr.toUpperCase(), password: "secret123" });
    assert.equal(ok.error, null);
    assert.equal(ok.data.user?.email, addr);
    for (const creds of [
      { email: addr, password: "wrong-password" },
      { email: email("nobody"), password: "secret123" },
    ]) {
      const { error } = await client(server).auth.signInWithPassword(creds);
      assert.equal(error?.status, 400);
      assert.equal(error?.code, "invalid_credentials");
      assert.equal(error?.message, "Invalid login credentials");
    }
    const missing = await raw(server, "POST", "/token?grant_type=password", {
      body: JSON.stringify({ password: "x" }),
      headers: V2024,
    });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.json, { code: "validation_failed", message: "missing email or phone" });
  });

  test("a valid login with a password below the policy reports weak_password", async () => {
    const admin = client(server, server.serviceRoleKey);
    const addr = email("oldpw");
    const created = await admin.auth.admin.createUser({ email: addr, password: "abc", email_confirm: true });
    assert.equal(created.error, null, "admin create skips the strength check");
    const { data, error } = await client(server).auth.signInWithPassword({ email: addr, password: "abc" });
    assert.equal(error, null);
    assert.deepEqual(data.weakPassword?.reasons, ["length"]);
  });
});

describe("user, claims and logout", () => {
  test("getUser, getClaims (JWKS, ES256) and jose agree on GoTrue's claims", async () => {
    const sb = client(server);
    const addr = email("claims");
    const { data } = await sb.auth.signUp({ email: addr, password: "secret123" });
    const session = data.session!;
    const user = await sb.auth.getUser();
    assert.equal(user.error, null);
    assert.equal(user.data.user?.id, session.user.id);

    const header = decodeProtectedHeader(session.access_token);
    assert.equal(header.alg, "ES256");
    assert.ok(header.kid);
    const claims = await sb.auth.getClaims();
    assert.equal(claims.error, null);
    const c = claims.data!.claims;
    assert.equal(c.iss, `${server.url}/auth/v1`);
    assert.equal(c.sub, session.user.id);
    assert.equal(c.aud, "authenticated");
    assert.equal(c.role, "authenticated");
    assert.equal(c.email, addr);
    assert.equal(c.phone, "");
    assert.equal(c.aal, "aal1");
    assert.equal(c.is_anonymous, false);
    assert.match(String(c.session_id), /^[0-9a-f-]{36}$/);
    assert.equal((c.amr as { method: string }[])[0]?.method, "password");
    assert.equal(c.exp - c.iat, 3600);
    assert.deepEqual(Object.keys(c), [
      "iss",
      "sub",
      "aud",
      "exp",
      "iat",
      "email",
      "phone",
      "app_metadata",
      "user_metadata",
      "role",
      "aal",
      "amr",
      "session_id",
      "is_anonymous",
    ]);

    const jwksRes = await raw(server, "GET", "/.well-known/jwks.json");
    assert.equal(jwksRes.headers.get("cache-control"), "public, max-age=600");
    const key = (jwksRes.json.keys as Record<string, unknown>[])[0]!;
    assert.equal(key.kid, header.kid);
    assert.deepEqual([key.kty, key.crv, key.alg, key.use], ["EC", "P-256", "ES256", "sig"]);
    assert.deepEqual(key.key_ops, ["verify"]);
    assert.equal(key.d, undefined, "no private part in the JWKS");
    const jwks = createRemoteJWKSet(new URL(`${server.url}/auth/v1/.well-known/jwks.json`), {
      headers: { apikey: server.anonKey },
    });
    const verified = await jwtVerify(session.access_token, jwks, {
      issuer: `${server.url}/auth/v1`,
      audience: "authenticated",
    });
    assert.equal(verified.payload.sub, session.user.id);
    const tampered = `${session.access_token.slice(0, -4)}AAAA`;
    await assert.rejects(jwtVerify(tampered, jwks));
  });

  test("Bearer errors on /user: none, bad signature, anon key, unknown session", async () => {
    const none = await raw(server, "GET", "/user", { headers: V2024 });
    assert.equal(none.status, 401);
    assert.equal(none.json.code, "no_authorization");
    assert.equal(none.headers.get("x-sb-error-code"), "no_authorization");
    assert.equal(none.headers.get("x-supabase-api-version"), "2024-01-01");

    const anon = await raw(server, "GET", "/user", { bearer: server.anonKey, headers: V2024 });
    assert.equal(anon.status, 403);
    assert.deepEqual(anon.json, { code: "bad_jwt", message: "invalid claim: missing sub claim" });

    const { data } = await client(server).auth.signUp({ email: email("bearer"), password: "secret123" });
    const token = data.session!.access_token;
    const bad = await raw(server, "GET", "/user", { bearer: `${token.slice(0, -4)}AAAA`, headers: V2024 });
    assert.equal(bad.status, 403);
    assert.equal(bad.json.code, "bad_jwt");
    assert.match(String(bad.json.message), /^invalid JWT: unable to parse or verify signature, /);

    // legacy format when the client sends no API version
    const legacy = await raw(server, "GET", "/user", { bearer: "garbage" });
    assert.equal(legacy.status, 403);
    assert.equal(legacy.json.code, 403);
    assert.equal(legacy.json.error_code, "bad_jwt");
    assert.match(String(legacy.json.msg), /token is malformed/);
    assert.equal(legacy.headers.get("x-supabase-api-version"), null);

    await raw(server, "POST", "/logout?scope=local", { bearer: token });
    const gone = await raw(server, "GET", "/user", { bearer: token, headers: V2024 });
    assert.equal(gone.status, 403);
    assert.equal(gone.json.code, "session_not_found");
  });

  test("updateUser: metadata merge, password change ends the other sessions, same and weak password", async () => {
    const addr = email("update");
    const a = client(server);
    const b = client(server);
    await a.auth.signUp({ email: addr, password: "secret123", options: { data: { keep: 1, drop: 2 } } });
    await b.auth.signInWithPassword({ email: addr, password: "secret123" });

    const meta = await a.auth.updateUser({ data: { drop: null, added: "x" } });
    assert.equal(meta.error, null);
    assert.deepEqual(meta.data.user?.user_metadata, { keep: 1, added: "x", email_verified: true });

    const same = await a.auth.updateUser({ password: "secret123" });
    assert.equal(same.error?.status, 422);
    assert.equal(same.error?.code, "same_password");
    const weak = await a.auth.updateUser({ password: "123" });
    assert.equal(weak.error?.code, "weak_password");

    const changed = await a.auth.updateUser({ password: "new-secret-456" });
    assert.equal(changed.error, null);
    assert.equal((await a.auth.getUser()).error, null, "the session that changed it stays");
    const other = await b.auth.getUser();
    assert.equal(other.data.user, null, "the other session was deleted");
    assert.equal(other.error?.name, "AuthSessionMissingError");
    const oldPw = await client(server).auth.signInWithPassword({ email: addr, password: "secret123" });
    assert.equal(oldPw.error?.code, "invalid_credentials");
    assert.equal(
      (await client(server).auth.signInWithPassword({ email: addr, password: "new-secret-456" })).error,
      null,
    );

    const appMeta = await raw(server, "PUT", "/user", {
      bearer: (await a.auth.getSession()).data.session!.access_token,
      body: JSON.stringify({ app_metadata: { admin: true } }),
      headers: V2024,
    });
    assert.equal(appMeta.status, 403);
    assert.equal(appMeta.json.code, "not_admin");
  });

  test("signOut scopes revoke what GoTrue revokes", async () => {
    const addr = email("scopes");
    await client(server).auth.signUp({ email: addr, password: "secret123" });
    const login = async () => {
      const sb = client(server);
      const { data } = await sb.auth.signInWithPassword({ email: addr, password: "secret123" });
      return { sb, refresh: data.session!.refresh_token, access: data.session!.access_token };
    };
    const s1 = await login();
    const s2 = await login();
    const s3 = await login();
    assert.equal((await s1.sb.auth.signOut({ scope: "others" })).error, null);
    const refreshOf = (token: string) =>
      raw(server, "POST", "/token?grant_type=refresh_token", {
        body: JSON.stringify({ refresh_token: token }),
        headers: V2024,
      });
    assert.equal((await refreshOf(s2.refresh)).json.code, "refresh_token_not_found");
    assert.equal((await refreshOf(s3.refresh)).json.code, "refresh_token_not_found");
    assert.equal((await s1.sb.auth.getUser()).error, null);

    const s4 = await login();
    assert.equal((await s4.sb.auth.signOut({ scope: "local" })).error, null);
    assert.equal((await s1.sb.auth.getUser()).error, null, "local logout leaves other sessions");
    assert.equal((await refreshOf(s4.refresh)).json.code, "refresh_token_not_found");

    const s5 = await login();
    assert.equal((await s5.sb.auth.signOut()).error, null, "default scope is global");
    const afterGlobal = await raw(server, "GET", "/user", { bearer: s1.access, headers: V2024 });
    assert.equal(afterGlobal.status, 403);
    assert.equal(afterGlobal.json.code, "session_not_found");

    const s6 = await login();
    const badScope = await raw(server, "POST", "/logout?scope=everything", { bearer: s6.access, headers: V2024 });
    assert.equal(badScope.status, 400);
    assert.equal(badScope.json.code, "validation_failed");
    const ok = await raw(server, "POST", "/logout?scope=global", { bearer: s6.access });
    assert.equal(ok.status, 204);
    assert.equal(ok.text, "");
  });
});

describe("refresh tokens", () => {
  test("rotation, parent-of-active idempotency and shape errors", async () => {
    const sb = client(server);
    const { data } = await sb.auth.signUp({ email: email("rotate"), password: "secret123" });
    const first = data.session!.refresh_token;
    const r1 = await sb.auth.refreshSession();
    assert.equal(r1.error, null);
    const second = r1.data.session!.refresh_token;
    assert.notEqual(second, first);
    const claims1 = JSON.parse(Buffer.from(r1.data.session!.access_token.split(".")[1]!, "base64url").toString());
    assert.equal(
      claims1.session_id,
      JSON.parse(Buffer.from(data.session!.access_token.split(".")[1]!, "base64url").toString()).session_id,
    );

    // the parent of the active token gets the active token back (a client that lost the answer)
    const again = await raw(server, "POST", "/token?grant_type=refresh_token", {
      body: JSON.stringify({ refresh_token: first }),
      headers: V2024,
    });
    assert.equal(again.status, 200);
    assert.equal(again.json.refresh_token, second);

    for (const [token, code] of [
      ["short", "validation_failed"],
      ["ABCDEFGHIJKL", "validation_failed"],
      ["abcdefghijkl", "refresh_token_not_found"],
    ] as const) {
      const r = await raw(server, "POST", "/token?grant_type=refresh_token", {
        body: JSON.stringify({ refresh_token: token }),
        headers: V2024,
      });
      assert.equal(r.status, 400);
      assert.equal(r.json.code, code);
    }
  });
});

describe("gateway and request errors", () => {
  test("apikey is required except on the open routes; wrong keys are refused", async () => {
    const missing = await raw(server, "GET", "/settings", { apikey: null });
    assert.equal(missing.status, 401);
    assert.equal(missing.json.message, "No API key found in request");
    const wrong = await raw(server, "GET", "/settings", { apikey: "nope" });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.message, "Invalid API key");
    const viaQuery = await fetch(`${server.url}/auth/v1/health?apikey=${server.anonKey}`);
    assert.equal(viaQuery.status, 200);
    const open = await raw(server, "GET", "/verify?type=signup&token=abc", { apikey: null });
    assert.equal(open.status, 303, "verify needs no apikey");
  });

  test("settings and health", async () => {
    const s = await raw(server, "GET", "/settings");
    assert.equal(s.status, 200);
    assert.equal((s.json.external as Record<string, boolean>).email, true);
    assert.equal((s.json.external as Record<string, boolean>).github, false);
    assert.equal(s.json.mailer_autoconfirm, true);
    assert.equal(s.json.disable_signup, false);
    const h = await raw(server, "GET", "/health");
    assert.equal(h.json.name, "GoTrue");
  });

  test("bad JSON, wrong content type, oversized body, unknown grant: GoTrue errors, never 500", async () => {
    const badJson = await raw(server, "POST", "/signup", { body: "{not json", headers: V2024 });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.json.code, "bad_json");
    assert.match(String(badJson.json.message), /^Could not parse request body as JSON: /);

    const form = await raw(server, "POST", "/token?grant_type=password", {
      body: "email=a%40b.c&password=x",
      headers: { ...V2024, "Content-Type": "application/x-www-form-urlencoded" },
    });
    assert.equal(form.status, 400);
    assert.equal(form.json.code, "bad_json");

    const wrongType = await raw(server, "POST", "/signup", {
      body: JSON.stringify({ email: 5, password: "secret123" }),
      headers: V2024,
    });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.json.code, "bad_json");

    const empty = await raw(server, "POST", "/signup", { headers: V2024 });
    assert.equal(empty.json.code, "bad_json");

    const huge = await raw(server, "POST", "/signup", {
      body: Buffer.alloc(2 * 1024 * 1024, 0x61),
      headers: V2024,
    });
    assert.equal(huge.status, 413);
    assert.equal(huge.json.code, "request_entity_too_large");

    const grant = await raw(server, "POST", "/token?grant_type=client_credentials", { body: "{}", headers: V2024 });
    assert.equal(grant.status, 400);
    assert.deepEqual(grant.json, { code: "invalid_credentials", message: "unsupported_grant_type" });

    // names every JavaScript object has: found by a plain lookup, /token never answered
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const own = await raw(server, "POST", `/token?grant_type=${name}`, { body: "{}", headers: V2024 });
      assert.deepEqual([own.status, own.json], [400, grant.json], `grant_type=${name}`);
    }
    const unknown = await raw(server, "GET", "/no-such-route");
    assert.equal(unknown.status, 404);
    for (const name of ["constructor", "__proto__", "toString"]) {
      const path = await raw(server, "GET", `/${name}`);
      assert.deepEqual([path.status, path.text], [404, unknown.text], `/${name}`);
    }
    const method = await raw(server, "DELETE", "/settings");
    assert.equal(method.status, 405);
  });
});

describe("admin users API (service_role)", () => {
  test("create, get, update, list with pagination headers, delete", async () => {
    const admin = client(server, server.serviceRoleKey);
    const addr = email("admin");
    const created = await admin.auth.admin.createUser({
      email: addr,
      password: "secret123",
      user_metadata: { team: "a" },
      app_metadata: { plan: "pro" },
    });
    assert.equal(created.error, null);
    const id = created.data.user!.id;
    assert.deepEqual(created.data.user!.app_metadata, { provider: "email", providers: ["email"], plan: "pro" });
    assert.equal(created.data.user!.email_confirmed_at, undefined);
    const unconfirmed = await client(server).auth.signInWithPassword({ email: addr, password: "secret123" });
    assert.equal(unconfirmed.error?.code, "email_not_confirmed");

    const dup = await admin.auth.admin.createUser({ email: addr.toUpperCase(), password: "secret123" });
    assert.equal(dup.error?.status, 422);
    assert.equal(dup.error?.code, "email_exists");
    const noEmail = await admin.auth.admin.createUser({ password: "secret123" });
    assert.equal(noEmail.error?.code, "validation_failed");

    const got = await admin.auth.admin.getUserById(id);
    assert.equal(got.data.user?.email, addr);
    const updated = await admin.auth.admin.updateUserById(id, { email_confirm: true, user_metadata: { team: "b" } });
    assert.equal(updated.error, null);
    assert.equal(updated.data.user?.user_metadata.team, "b");
    assert.ok(updated.data.user?.email_confirmed_at);
    assert.equal((await client(server).auth.signInWithPassword({ email: addr, password: "secret123" })).error, null);

    const total = Number(
      (await raw(server, "GET", "/admin/users?per_page=1", { bearer: server.serviceRoleKey })).headers.get(
        "x-total-count",
      ),
    );
    assert.ok(total >= 2);
    const page = await raw(server, "GET", "/admin/users?page=1&per_page=1", { bearer: server.serviceRoleKey });
    assert.equal(page.status, 200);
    assert.equal((page.json.users as unknown[]).length, 1);
    assert.equal(
      page.headers.get("link"),
      `</admin/users?page=2&per_page=1>; rel="next", </admin/users?page=${total}&per_page=1>; rel="last"`,
    );
    const listed = await admin.auth.admin.listUsers({ page: 1, perPage: 1 });
    assert.equal(listed.error, null);
    assert.equal(listed.data.users[0]?.id, id, "newest first");
    assert.equal((listed.data as unknown as { total: number }).total, total);

    const deleted = await admin.auth.admin.deleteUser(id);
    assert.equal(deleted.error, null);
    const missing = await admin.auth.admin.getUserById(id);
    assert.equal(missing.error?.status, 404);
    assert.equal(missing.error?.code, "user_not_found");
    const badId = await raw(server, "GET", "/admin/users/not-a-uuid", {
      bearer: server.serviceRoleKey,
      headers: V2024,
    });
    assert.equal(badId.status, 404);
    assert.equal(badId.json.code, "validation_failed");
  });

  test("deleting a user ends its sessions; only admin roles may call the API", async () => {
    const sb = client(server);
    const { data } = await sb.auth.signUp({ email: email("victim"), password: "secret123" });
    const user = client(server, server.anonKey);
    const notAdmin = await raw(server, "GET", "/admin/users", { bearer: data.session!.access_token, headers: V2024 });
    assert.equal(notAdmin.status, 403);
    assert.equal(notAdmin.json.code, "not_admin");
    const anon = await user.auth.admin.listUsers();
    assert.equal(anon.error?.code, "not_admin");
    const noBearer = await raw(server, "GET", "/admin/users", { headers: V2024 });
    assert.equal(noBearer.status, 401);

    await client(server, server.serviceRoleKey).auth.admin.deleteUser(data.user!.id);
    const refresh = await raw(server, "POST", "/token?grant_type=refresh_token", {
      body: JSON.stringify({ refresh_token: data.session!.refresh_token }),
      headers: V2024,
    });
    assert.equal(refresh.json.code, "refresh_token_not_found");
    const me = await raw(server, "GET", "/user", { bearer: data.session!.access_token, headers: V2024 });
    assert.equal(me.status, 403);
    assert.equal(me.json.code, "user_not_found");
  });
});

describe("concurrency", () => {
  test("100 parallel signups of one email create exactly one user", async () => {
    const addr = email("race");
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        raw(server, "POST", "/signup", {
          body: JSON.stringify({ email: addr, password: "secret123" }),
          headers: V2024,
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses: ${[...new Set(statuses)]}`);
    assert.equal(statuses.filter((s) => s === 422).length, 99);
    assert.ok(results.filter((r) => r.status === 422).every((r) => r.json.code === "user_already_exists"));
    const list = await raw(server, "GET", `/admin/users?filter=${encodeURIComponent(addr)}`, {
      bearer: server.serviceRoleKey,
    });
    assert.equal((list.json.users as unknown[]).length, 1);
  });
});
