/**
 * The rest of GoTrue's router on the local Supabase Auth server (#15): OIDC discovery, the older
 * POST /magiclink, the admin audit log, the admin passkey and SSO-provider routes, GoTrue's
 * group middleware before a 404/405, /verify's answer for an sms code sent with an email, and a
 * repeated sign-up costing the bcrypt work of a new one. supabase-js where it has the call.
 */
import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { after, before, describe, test } from "node:test";
import bcrypt from "bcryptjs";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { BCRYPT_COMPARE_CHANNEL, BCRYPT_HASH_CHANNEL } from "../../src/local-supabase/password.js";
import { client, email, outbox, type RawResponse, raw, V2024 } from "./local-supabase-kit.js";

/** autoconfirm (the default) */
let s: LocalSupabase;
/** email confirmation required */
let confirming: LocalSupabase;

before(async () => {
  [s, confirming] = await Promise.all([
    startLocalSupabase({ port: 0 }),
    startLocalSupabase({ port: 0, confirmEmail: true }),
  ]);
});
after(async () => {
  await Promise.all([s?.stop(), confirming?.stop()]);
});

function assertGoTrueError(r: RawResponse, status: number, code: string, message: string): void {
  assert.equal(r.status, status, r.text.slice(0, 200));
  assert.deepEqual(r.json, { code, message });
  assert.equal(r.headers.get("x-sb-error-code"), code);
}

const asAdmin = (server: LocalSupabase) =>
  ({ apikey: server.serviceRoleKey, bearer: server.serviceRoleKey, headers: V2024 }) as const;

/** "secret123" at bcrypt cost 4: users made through the admin API's password_hash log in in milliseconds. */
const CHEAP_HASH = bcrypt.hashSync("secret123", 4);

async function newUser(server: LocalSupabase, tag: string): Promise<{ id: string; email: string; token: string }> {
  const addr = email(tag);
  const made = await client(server, server.serviceRoleKey).auth.admin.createUser({
    email: addr,
    password_hash: CHEAP_HASH,
    email_confirm: true,
  });
  assert.equal(made.error, null);
  const login = await client(server).auth.signInWithPassword({ email: addr, password: "secret123" });
  assert.equal(login.error, null);
  return { id: made.data.user!.id, email: addr, token: login.data.session!.access_token };
}

describe("OpenID Connect discovery", () => {
  test("served without an apikey; a verifier that starts from the issuer finds the JWKS and verifies a session token", async () => {
    const issuer = `${s.url}/auth/v1`;
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "public, max-age=600");
    const doc = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), [
      "issuer",
      "authorization_endpoint",
      "token_endpoint",
      "jwks_uri",
      "userinfo_endpoint",
      "scopes_supported",
      "response_types_supported",
      "response_modes_supported",
      "grant_types_supported",
      "subject_types_supported",
      "id_token_signing_alg_values_supported",
      "token_endpoint_auth_methods_supported",
      "claims_supported",
      "code_challenge_methods_supported",
    ]);
    assert.equal(doc.issuer, issuer);
    assert.equal(doc.jwks_uri, `${issuer}/.well-known/jwks.json`);
    assert.equal(doc.token_endpoint, `${issuer}/oauth/token`);
    assert.deepEqual(doc.code_challenge_methods_supported, ["S256", "plain"]);

    const { data } = await client(s).auth.signUp({ email: email("oidc"), password: "secret123" });
    const { payload } = await jwtVerify(data.session!.access_token, createRemoteJWKSet(new URL(String(doc.jwks_uri))), {
      issuer: String(doc.issuer),
      audience: "authenticated",
    });
    assert.equal(payload.sub, data.user!.id);
    const slashed = await fetch(`${issuer}/.well-known/openid-configuration/`);
    assert.equal(slashed.status, 404, "GoTrue routes it exactly");
  });
});

describe("POST /magiclink", () => {
  test("a new address signs up and gets a login code that verifyOtp takes; a known one gets a code too", async () => {
    const addr = email("magic");
    const sent = await raw(s, "POST", "/magiclink", { body: JSON.stringify({ email: addr, data: { plan: "pro" } }) });
    assert.equal(sent.status, 200, sent.text);
    assert.deepEqual(sent.json, {});
    const first = (await outbox(s, addr)).at(-1);
    assert.equal(first?.type, "magiclink");
    const sb = client(s);
    const ok = await sb.auth.verifyOtp({ email: addr, token: first!.token, type: "email" });
    assert.equal(ok.error, null);
    assert.equal(ok.data.user?.email, addr);
    assert.equal(ok.data.user?.user_metadata.plan, "pro");

    const known = await newUser(s, "magic-known");
    const again = await raw(s, "POST", "/magiclink", { body: JSON.stringify({ email: known.email.toUpperCase() }) });
    assert.equal(again.status, 200);
    const code = (await outbox(s, known.email)).at(-1);
    assert.equal(code?.type, "magiclink");
    assert.equal((await sb.auth.verifyOtp({ email: known.email, token: code!.token, type: "magiclink" })).error, null);
    const tooSoon = await raw(s, "POST", "/magiclink", {
      body: JSON.stringify({ email: known.email }),
      headers: V2024,
    });
    assert.equal(tooSoon.status, 429, "the per-address send interval of /otp applies");
    assert.equal(tooSoon.json.code, "over_email_send_rate_limit");
  });

  test("confirm mode: a new address gets the signup confirmation instead", async () => {
    const addr = email("magic-confirm");
    assert.equal((await raw(confirming, "POST", "/magiclink", { body: JSON.stringify({ email: addr }) })).status, 200);
    assert.equal((await outbox(confirming, addr)).at(-1)?.type, "signup");
  });

  test("GoTrue's own messages: no address, an unreadable body, a bad address", async () => {
    assertGoTrueError(
      await raw(s, "POST", "/magiclink", { body: "{}", headers: V2024 }),
      422,
      "validation_failed",
      "Password recovery requires an email",
    );
    assertGoTrueError(
      await raw(s, "POST", "/magiclink", { body: "", headers: V2024 }),
      400,
      "bad_json",
      "Could not read verification params: EOF",
    );
    assertGoTrueError(
      await raw(s, "POST", "/magiclink", { body: JSON.stringify({ email: 5 }), headers: V2024 }),
      400,
      "bad_json",
      "Could not read verification params: json: cannot unmarshal number into Go struct field MagicLinkParams.email of type string",
    );
    assertGoTrueError(
      await raw(s, "POST", "/magiclink", { body: JSON.stringify({ email: "nope" }), headers: V2024 }),
      400,
      "validation_failed",
      "Unable to validate email address: invalid format",
    );
    assert.equal((await raw(s, "POST", "/magiclink", { apikey: null, body: "{}" })).status, 401, "not an open route");
  });
});

describe("admin passkeys (served by GoTrue with passkeys off)", () => {
  test("auth.admin.passkey: an empty list for a user, 404 for any passkey, 404 user_not_found for no user", async () => {
    const user = await newUser(s, "passkeys");
    const admin = client(s, s.serviceRoleKey, "implicit", { passkey: true }).auth.admin;
    const list = await admin.passkey.listPasskeys({ userId: user.id });
    assert.equal(list.error, null);
    assert.deepEqual(list.data, []);
    const gone = await admin.passkey.deletePasskey({ userId: user.id, passkeyId: crypto.randomUUID() });
    assert.equal(gone.error?.status, 404);
    assert.equal(gone.error?.code, "validation_failed");
    assert.equal(gone.error?.message, "Passkey not found");
    const nobody = await admin.passkey.listPasskeys({ userId: crypto.randomUUID() });
    assert.equal(nobody.error?.code, "user_not_found");
    assertGoTrueError(
      await raw(s, "GET", `/admin/users/${user.id}/passkeys`, { bearer: user.token, headers: V2024 }),
      403,
      "not_admin",
      "User not allowed",
    );
    assert.equal((await raw(s, "GET", `/admin/users/${user.id}/passkeys/`, asAdmin(s))).status, 200, "sub-routed");
  });
});

describe("GoTrue's group middleware runs before its 404 and 405", () => {
  test("unknown paths and methods under /admin and /user check the caller first", async () => {
    const user = await newUser(s, "groups");
    const noBearer = { headers: V2024 };
    for (const [method, path] of [
      ["GET", "/admin/nothing-here"],
      ["GET", "/admin"],
      ["PATCH", "/admin/users"],
      ["GET", "/user/nothing-here"],
      ["PATCH", "/user"],
      ["GET", "/factors/nothing-here"],
    ] as const) {
      assertGoTrueError(
        await raw(s, method, path, noBearer),
        401,
        "no_authorization",
        "This endpoint requires a valid Bearer token",
      );
    }
    assertGoTrueError(
      await raw(s, "GET", "/admin/nothing-here", { bearer: user.token, headers: V2024 }),
      403,
      "not_admin",
      "User not allowed",
    );
    assertGoTrueError(
      await raw(s, "GET", `/admin/users/${crypto.randomUUID()}/nothing-here`, asAdmin(s)),
      404,
      "user_not_found",
      "User not found",
    );
    assertGoTrueError(
      await raw(s, "GET", `/factors/${crypto.randomUUID()}/nothing-here`, { bearer: user.token, headers: V2024 }),
      404,
      "mfa_factor_not_found",
      "Factor not found",
    );
    // once the caller passes, the router's own answers
    const unknown = await raw(s, "GET", "/admin/nothing-here", asAdmin(s));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.text, "404 page not found\n");
    assert.equal((await raw(s, "GET", `/admin/users/${user.id}/nothing-here`, asAdmin(s))).status, 404);
    const wrongMethod = await raw(s, "PATCH", "/user", { bearer: user.token });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.text, "");
    assert.equal((await raw(s, "GET", "/user/nothing-here", { bearer: user.token })).status, 404);
  });
});

describe("/verify with an email and a phone type", () => {
  test("an sms or phone_change code sent with an email is GoTrue's 403 otp_expired", async () => {
    const user = await newUser(s, "verify-sms");
    for (const type of ["sms", "phone_change"] as const) {
      const r = await client(s).auth.verifyOtp({ email: user.email, token: "123456", type } as never);
      assert.equal(r.error?.status, 403, type);
      assert.equal(r.error?.code, "otp_expired");
      assert.equal(r.error?.message, "Token has expired or is invalid");
    }
    const badEmail = await raw(s, "POST", "/verify", {
      body: JSON.stringify({ email: "nope", token: "123456", type: "sms" }),
      headers: V2024,
    });
    assertGoTrueError(badEmail, 422, "validation_failed", "Invalid email format");
  });
});

interface AuditEntry {
  id: string;
  payload: Record<string, unknown>;
  created_at: string;
  ip_address: string;
}

async function auditLog(server: LocalSupabase, query: string): Promise<{ r: RawResponse; entries: AuditEntry[] }> {
  const r = await raw(server, "GET", `/admin/audit${query}`, asAdmin(server));
  assert.equal(r.status, 200, r.text.slice(0, 200));
  return { r, entries: JSON.parse(r.text) as AuditEntry[] };
}

describe("GET /admin/audit", () => {
  test("a user's sign-up, logins, refresh, update and logout, newest first, in GoTrue's payload", async () => {
    const addr = email("audit");
    const sb = client(s);
    const up = await sb.auth.signUp({ email: addr, password: "secret123", options: { data: { full_name: "Ada" } } });
    assert.equal(up.error, null);
    assert.equal((await sb.auth.signInWithPassword({ email: addr, password: "secret123" })).error, null);
    assert.equal((await sb.auth.refreshSession()).error, null);
    assert.equal((await sb.auth.updateUser({ data: { plan: "pro" } })).error, null);
    assert.equal((await sb.auth.signOut()).error, null);

    const { r, entries } = await auditLog(s, `?query=author:${encodeURIComponent(addr)}`);
    assert.deepEqual(
      entries.map((e) => e.payload.action),
      ["logout", "user_modified", "token_revoked", "token_refreshed", "login", "login", "user_signedup"],
    );
    const signedUp = entries.at(-1)!;
    assert.deepEqual(Object.keys(signedUp), ["id", "payload", "created_at", "ip_address"]);
    assert.deepEqual(signedUp.payload, {
      action: "user_signedup",
      actor_id: up.data.user!.id,
      actor_name: "Ada",
      actor_username: addr,
      actor_via_sso: false,
      log_type: "team",
      traits: { provider: "email" },
    });
    assert.equal(signedUp.ip_address, "");
    assert.ok(Date.parse(signedUp.created_at) <= Date.parse(entries[0]!.created_at));
    assert.deepEqual(entries[0]!.payload.log_type, "account");
    assert.equal(entries[0]!.payload.traits, undefined, "GoTrue's logout has no traits");
    assert.equal(r.headers.get("x-total-count"), "7");
    assert.equal(r.headers.get("link"), `</admin/audit?page=1&query=author%3A${encodeURIComponent(addr)}>; rel="last"`);

    const paged = await auditLog(s, `?query=author:${encodeURIComponent(addr)}&per_page=2&page=2`);
    assert.deepEqual(
      paged.entries.map((e) => e.payload.action),
      ["token_revoked", "token_refreshed"],
    );
    assert.match(
      paged.r.headers.get("link") ?? "",
      /page=3&per_page=2&query=[^>]*>; rel="next", <[^>]*page=4[^>]*>; rel="last"$/,
    );
  });

  test("the admin API's events name the service role as actor and the user in traits; filters by action and type", async () => {
    const admin = client(s, s.serviceRoleKey).auth.admin;
    const addr = email("audit-admin");
    const made = await admin.createUser({ email: addr, password_hash: CHEAP_HASH, email_confirm: true });
    assert.equal(made.error, null);
    const id = made.data.user!.id;
    assert.equal((await admin.updateUserById(id, { user_metadata: { a: 1 } })).error, null);
    assert.equal((await admin.inviteUserByEmail(email("audit-invite"))).error, null);
    assert.equal((await admin.deleteUser(id)).error, null);

    const { entries } = await auditLog(s, "?query=action:user_deleted");
    const deleted = entries.find((e) => (e.payload.traits as Record<string, unknown>).user_id === id);
    assert.deepEqual(deleted?.payload, {
      action: "user_deleted",
      actor_id: "00000000-0000-0000-0000-000000000000",
      actor_username: "service_role",
      actor_via_sso: false,
      log_type: "team",
      traits: { user_email: addr, user_id: id, user_phone: "" },
    });
    const team = await auditLog(s, "?query=type:team&per_page=1000");
    const mine = team.entries.filter((e) => (e.payload.traits as Record<string, unknown>).user_id === id);
    assert.deepEqual(
      mine.map((e) => e.payload.action),
      ["user_deleted", "user_signedup"],
    );
    assert.deepEqual(mine[1]?.payload.traits, { provider: "email", user_email: addr, user_id: id, user_phone: "" });
    const modified = await auditLog(s, "?query=action:user_modified&per_page=1000");
    assert.ok(modified.entries.some((e) => (e.payload.traits as Record<string, unknown> | undefined)?.user_id === id));
    const invited = await auditLog(s, "?query=action:user_invited&per_page=1000");
    assert.ok(invited.entries.length >= 1);
    assert.equal(invited.entries[0]?.payload.log_type, "team");
  });

  test("confirm mode: confirmation requested, the confirmation, a repeated sign-up, reauthentication, recovery", async () => {
    const addr = email("audit-confirm");
    const sb = client(confirming);
    assert.equal((await sb.auth.signUp({ email: addr, password: "secret123" })).error, null);
    const code = (await outbox(confirming, addr)).at(-1)!.token;
    const verified = await sb.auth.verifyOtp({ email: addr, token: code, type: "signup" });
    assert.equal(verified.error, null);
    assert.equal((await sb.auth.signUp({ email: addr, password: "secret123" })).error, null);
    assert.equal((await sb.auth.reauthenticate()).error, null);
    assert.equal((await client(confirming).auth.resetPasswordForEmail(addr)).error, null);
    const { entries } = await auditLog(confirming, `?query=author:${encodeURIComponent(addr)}`);
    assert.deepEqual(
      entries.map((e) => e.payload.action),
      [
        "user_recovery_requested",
        "user_reauthenticate_requested",
        "user_repeated_signup",
        "user_signedup",
        "user_confirmation_requested",
      ],
    );
    assert.deepEqual(entries[2]?.payload.traits, { provider: "email" });
  });

  test("GoTrue's answers for a bad query, bad paging and a caller who is not the service role", async () => {
    assertGoTrueError(
      await raw(s, "GET", "/admin/audit?query=nope", asAdmin(s)),
      400,
      "validation_failed",
      "Invalid query scope: nope",
    );
    assertGoTrueError(
      await raw(s, "GET", "/admin/audit?query=constructor:x", asAdmin(s)),
      400,
      "validation_failed",
      "Invalid query scope: constructor:x",
    );
    assertGoTrueError(
      await raw(s, "GET", "/admin/audit?page=x", asAdmin(s)),
      400,
      "validation_failed",
      'Bad Pagination Parameters: strconv.ParseUint: parsing "x": invalid syntax',
    );
    assertGoTrueError(
      await raw(s, "GET", "/admin/audit", { bearer: s.anonKey, headers: V2024 }),
      403,
      "not_admin",
      "User not allowed",
    );
    assert.equal((await raw(s, "GET", "/admin/audit/", asAdmin(s))).status, 200, "sub-routed");
  });
});

describe("a repeated sign-up in confirm mode", () => {
  test("costs the bcrypt work of a new one: one hash at the server's cost, the same answer", async () => {
    const registered = email("repeat");
    const made = await client(confirming, confirming.serviceRoleKey).auth.admin.createUser({
      email: registered,
      password_hash: CHEAP_HASH,
      email_confirm: true,
    });
    assert.equal(made.error, null);
    const work: string[] = [];
    const onHash = (m: unknown) => work.push(`hash:${(m as { rounds: number }).rounds}`);
    const onCompare = (m: unknown) => work.push(`compare:${(m as { rounds: number }).rounds}`);
    subscribe(BCRYPT_HASH_CHANNEL, onHash);
    subscribe(BCRYPT_COMPARE_CHANNEL, onCompare);
    try {
      const answers = [];
      const costs = [];
      for (const addr of [email("repeat-new"), registered]) {
        work.length = 0;
        const r = await client(confirming).auth.signUp({ email: addr, password: "another-secret" });
        assert.equal(r.error, null);
        answers.push({ session: r.data.session, keys: Object.keys(r.data.user ?? {}).sort() });
        costs.push([...work]);
      }
      assert.deepEqual(costs, [["hash:10"], ["hash:10"]]);
      assert.deepEqual(answers[1], answers[0], "the answers do not tell either");
    } finally {
      unsubscribe(BCRYPT_HASH_CHANNEL, onHash);
      unsubscribe(BCRYPT_COMPARE_CHANNEL, onCompare);
    }
  });
});

const idpMetadata = (entityId: string, descriptors = 1) =>
  `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">
${'  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/></md:IDPSSODescriptor>\n'.repeat(descriptors)}</md:EntityDescriptor>`;

describe("/admin/sso/providers (served by GoTrue with SAML off)", () => {
  test("register, list, read, change and remove a SAML identity provider; sign-in stays off", async () => {
    const admin = asAdmin(s);
    const post = (body: unknown) => raw(s, "POST", "/admin/sso/providers", { ...admin, body: JSON.stringify(body) });
    assert.deepEqual((await raw(s, "GET", "/admin/sso/providers", admin)).json, { items: [] });
    const entity = "https://idp.example.com/metadata";
    const created = await post({
      type: "saml",
      metadata_xml: idpMetadata(entity),
      domains: ["acme.example"],
      resource_id: "acme:1",
      attribute_mapping: { keys: { email: { name: "mail" } } },
    });
    assert.equal(created.status, 201, created.text);
    const id = String(created.json.id);
    assert.deepEqual(Object.keys(created.json), [
      "id",
      "resource_id",
      "disabled",
      "saml",
      "domains",
      "created_at",
      "updated_at",
    ]);
    assert.equal(created.json.disabled, null);
    assert.deepEqual(created.json.domains, [{ domain: "acme.example" }]);
    assert.deepEqual(created.json.saml, {
      entity_id: entity,
      metadata_xml: idpMetadata(entity),
      attribute_mapping: { keys: { email: { name: "mail" } } },
    });

    const listed = await raw(s, "GET", "/admin/sso/providers?resource_id_prefix=acme:", admin);
    assert.equal((listed.json.items as unknown[]).length, 1);
    const item = (listed.json.items as Record<string, Record<string, unknown>>[])[0]!;
    assert.equal(item.saml?.metadata_xml, undefined, "the list leaves the XML out");
    assert.deepEqual((await raw(s, "GET", "/admin/sso/providers?resource_id=other", admin)).json, { items: [] });
    assert.equal((await raw(s, "GET", `/admin/sso/providers/${id}`, admin)).json.id, id);
    assert.equal((await raw(s, "GET", "/admin/sso/providers/resource_acme:1", admin)).json.id, id);

    assertGoTrueError(
      await post({ type: "saml", metadata_xml: idpMetadata(entity) }),
      422,
      "saml_idp_already_exists",
      `SAML Identity Provider with this EntityID (${entity}) already exists`,
    );
    assertGoTrueError(
      await post({ type: "saml", metadata_xml: idpMetadata("https://other.example"), domains: ["acme.example"] }),
      400,
      "sso_domain_already_exists",
      `SSO Domain 'acme.example' is already assigned to an SSO identity provider (${id})`,
    );

    const changed = await raw(s, "PUT", `/admin/sso/providers/${id}`, {
      ...admin,
      body: JSON.stringify({ domains: ["acme.example", "acme.test"], disabled: true }),
    });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.json.disabled, true);
    assert.deepEqual(changed.json.domains, [{ domain: "acme.example" }, { domain: "acme.test" }]);
    assertGoTrueError(
      await raw(s, "PUT", `/admin/sso/providers/${id}`, {
        ...admin,
        body: JSON.stringify({ metadata_xml: idpMetadata("https://other.example") }),
      }),
      400,
      "saml_entity_id_mismatch",
      `SAML Metadata can be updated only if the EntityID matches for the provider; expected '${entity}' but got 'https://other.example'`,
    );

    const sso = await client(s).auth.signInWithSSO({ domain: "acme.test" });
    assert.equal(sso.error?.code, "saml_provider_disabled", "registered, but SAML sign-in is off");

    const removed = await raw(s, "DELETE", `/admin/sso/providers/${id}`, admin);
    assert.equal(removed.status, 200);
    assert.equal(removed.json.id, id);
    assertGoTrueError(
      await raw(s, "GET", `/admin/sso/providers/${id}`, admin),
      404,
      "sso_provider_not_found",
      "SSO Identity Provider not found",
    );
  });

  test("GoTrue's checks of the request and the metadata", async () => {
    const admin = asAdmin(s);
    const post = (body: unknown) => raw(s, "POST", "/admin/sso/providers", { ...admin, body: JSON.stringify(body) });
    const cases: [unknown, string][] = [
      [{}, "Only 'saml' supported for SSO provider type"],
      [{ type: "saml" }, "Either metadata_xml or metadata_url must be set"],
      [
        { type: "saml", metadata_xml: "<x/>", metadata_url: "https://x" },
        "Only one of metadata_xml or metadata_url needs to be set",
      ],
      [{ type: "saml", metadata_url: "http://idp.example" }, "metadata_url is not a HTTPS URL"],
      [{ type: "saml", metadata_url: "::nope" }, "metadata_url is not a valid URL"],
      [
        { type: "saml", metadata_xml: idpMetadata(""), name_id_format: "x" },
        `name_id_format must be unspecified or one of urn:oasis:names:tc:SAML:2.0:nameid-format:persistent, urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress, urn:oasis:names:tc:SAML:2.0:nameid-format:transient, urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified`,
      ],
      [{ type: "saml", metadata_xml: idpMetadata("") }, "SAML Metadata does not contain an EntityID"],
      [
        { type: "saml", metadata_xml: idpMetadata("https://none.example", 0) },
        "SAML Metadata does not contain any IDPSSODescriptor",
      ],
      [
        { type: "saml", metadata_xml: idpMetadata("https://two.example", 2) },
        "SAML Metadata contains multiple IDPSSODescriptors",
      ],
    ];
    for (const [body, message] of cases) {
      assertGoTrueError(await post(body), 400, "validation_failed", message);
    }
    assertGoTrueError(
      await post({ type: "saml", metadata_xml: "<nope" }),
      500,
      "unexpected_failure",
      "Unexpected failure, please check server logs for more information",
    );
    assertGoTrueError(
      await raw(s, "GET", "/admin/sso/providers/not-an-id", admin),
      404,
      "sso_provider_not_found",
      "SSO Identity Provider not found",
    );
    assertGoTrueError(
      await raw(s, "GET", `/admin/sso/providers/${crypto.randomUUID()}/more`, admin),
      404,
      "sso_provider_not_found",
      "SSO Identity Provider not found",
    );
    assertGoTrueError(
      await raw(s, "GET", "/admin/sso/providers", { headers: V2024 }),
      401,
      "no_authorization",
      "This endpoint requires a valid Bearer token",
    );
  });
});
