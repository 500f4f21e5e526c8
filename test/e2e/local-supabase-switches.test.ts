/**
 * GoTrue's switches on the local Supabase Auth server, through the unmodified supabase-js client
 * (#15): anonymous sign-ins (and an anonymous user made permanent), sign-ups off, the email
 * provider off, GoTrue's own answers for what the server never has on, and the routes the
 * gateway opens without an apikey.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { client, email, outbox, type RawResponse, raw, V2024 } from "./local-supabase-kit.js";

/** anonymous sign-ins on, autoconfirm */
let anon: LocalSupabase;
/** anonymous sign-ins on, email confirmation required */
let anonConfirm: LocalSupabase;
/** sign-ups off (anonymous sign-ins on, so their order shows) */
let closed: LocalSupabase;
/** the email provider off; anonymous sign-ins at their default, off */
let noEmail: LocalSupabase;

before(async () => {
  [anon, anonConfirm, closed, noEmail] = await Promise.all([
    startLocalSupabase({ port: 0, anonymousSignInsEnabled: true }),
    startLocalSupabase({ port: 0, anonymousSignInsEnabled: true, confirmEmail: true }),
    startLocalSupabase({ port: 0, anonymousSignInsEnabled: true, signupEnabled: false }),
    startLocalSupabase({ port: 0, emailProviderEnabled: false }),
  ]);
});
after(async () => {
  await Promise.all([anon?.stop(), anonConfirm?.stop(), closed?.stop(), noEmail?.stop()]);
});

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;

describe("anonymous sign-ins", () => {
  test("signInAnonymously: an is_anonymous user and claim, amr anonymous, no email or identity", async () => {
    const sb = client(anon);
    const { data, error } = await sb.auth.signInAnonymously({ options: { data: { nickname: "guest" } } });
    assert.equal(error, null);
    const user = data.user!;
    assert.equal(user.is_anonymous, true);
    assert.equal(user.email, "");
    assert.equal(user.role, "authenticated");
    assert.deepEqual(user.app_metadata, {});
    assert.deepEqual(user.identities, []);
    assert.equal(user.user_metadata.nickname, "guest");
    const claims = claimsOf(data.session!.access_token);
    assert.equal(claims.is_anonymous, true);
    assert.equal(claims.aal, "aal1");
    assert.equal((claims.amr as { method: string }[])[0]?.method, "anonymous");
    assert.equal(claims.sub, user.id);

    const me = await sb.auth.getUser();
    assert.equal(me.data.user?.is_anonymous, true);
    const refreshed = await sb.auth.refreshSession();
    assert.equal(refreshed.error, null);
    assert.equal(claimsOf(refreshed.data.session!.access_token).is_anonymous, true);
    const settings = await raw(anon, "GET", "/settings");
    assert.equal((settings.json.external as Record<string, boolean>).anonymous_users, true);
    const listed = await client(anon, anon.serviceRoleKey).auth.admin.getUserById(user.id);
    assert.equal(listed.data.user?.is_anonymous, true);
  });

  test("a sign-up with a password but neither email nor phone is anonymous too", async () => {
    const r = await raw(anon, "POST", "/signup", { body: JSON.stringify({ password: "secret123" }), headers: V2024 });
    assert.equal(r.status, 200);
    assert.equal((r.json.user as { is_anonymous: boolean }).is_anonymous, true);
  });

  test("updateUser({email, password}) makes it permanent at once under autoconfirm; same id, password login works", async () => {
    const sb = client(anon);
    const { data } = await sb.auth.signInAnonymously();
    const id = data.user!.id;
    const passwordOnly = await sb.auth.updateUser({ password: "secret123" });
    assert.equal(passwordOnly.error?.status, 422);
    assert.equal(passwordOnly.error?.code, "validation_failed");
    assert.equal(
      passwordOnly.error?.message,
      "Updating password of an anonymous user without an email or phone is not allowed",
    );

    const addr = email("anon-upgrade");
    const upgraded = await sb.auth.updateUser({ email: addr, password: "secret123" });
    assert.equal(upgraded.error, null);
    const user = upgraded.data.user!;
    assert.equal(user.id, id);
    assert.equal(user.is_anonymous, false);
    assert.equal(user.email, addr);
    assert.ok(user.email_confirmed_at);
    assert.deepEqual(user.app_metadata, { provider: "email", providers: ["email"] });
    assert.deepEqual(
      user.identities?.map((i) => i.provider),
      ["email"],
    );
    const refreshed = await sb.auth.refreshSession();
    assert.equal(claimsOf(refreshed.data.session!.access_token).is_anonymous, false);
    const login = await client(anon).auth.signInWithPassword({ email: addr, password: "secret123" });
    assert.equal(login.error, null);
    assert.equal(login.data.user?.id, id);
  });

  test("with confirmation on, the emailed email_change code makes it permanent", async () => {
    const sb = client(anonConfirm);
    const { data, error } = await sb.auth.signInAnonymously();
    assert.equal(error, null);
    const addr = email("anon-confirm");
    const pending = await sb.auth.updateUser({ email: addr });
    assert.equal(pending.error, null);
    assert.equal(pending.data.user?.is_anonymous, true);
    assert.equal(pending.data.user?.new_email, addr);
    const mail = (await outbox(anonConfirm, addr)).at(-1);
    assert.equal(mail?.type, "email_change");
    const verified = await sb.auth.verifyOtp({ email: addr, token: mail!.token, type: "email_change" });
    assert.equal(verified.error, null);
    assert.equal(verified.data.user?.id, data.user!.id);
    assert.equal(verified.data.user?.is_anonymous, false);
    assert.equal(verified.data.user?.email, addr);
    assert.equal(claimsOf(verified.data.session!.access_token).is_anonymous, false);
    const withPassword = await sb.auth.updateUser({ password: "secret123" });
    assert.equal(withPassword.error, null, "now it has an email, a password may be set");
  });

  test("off by default: 422 anonymous_provider_disabled", async () => {
    const r = await client(noEmail).auth.signInAnonymously();
    assert.equal(r.error?.status, 422);
    assert.equal(r.error?.code, "anonymous_provider_disabled");
    assert.equal(r.error?.message, "Anonymous sign-ins are disabled");
    assert.equal(r.data.session, null);
    const settings = await raw(noEmail, "GET", "/settings");
    assert.equal((settings.json.external as Record<string, boolean>).anonymous_users, false);
  });
});

describe("sign-ups off", () => {
  test("every way to a new user is 422 signup_disabled; existing users, invites and the admin API work", async () => {
    const admin = client(closed, closed.serviceRoleKey);
    const existing = email("closed-existing");
    const created = await admin.auth.admin.createUser({ email: existing, password: "secret123", email_confirm: true });
    assert.equal(created.error, null, "the admin API still creates users");

    const expectDisabled = (r: { error: { status?: number; code?: string; message: string } | null }) => {
      assert.equal(r.error?.status, 422);
      assert.equal(r.error?.code, "signup_disabled");
    };
    const signup = await client(closed).auth.signUp({ email: email("closed-new"), password: "secret123" });
    expectDisabled(signup);
    assert.equal(signup.error?.message, "Signups not allowed for this instance");
    expectDisabled(await client(closed).auth.signInAnonymously());
    expectDisabled(await client(closed).auth.signInWithOtp({ email: email("closed-otp") }));
    const known = await raw(closed, "POST", "/signup", {
      body: JSON.stringify({ email: existing, password: "secret123" }),
      headers: V2024,
    });
    assert.equal(known.json.code, "signup_disabled", "checked before the address is looked up");

    const login = await client(closed).auth.signInWithPassword({ email: existing, password: "secret123" });
    assert.equal(login.error, null);
    const code = await client(closed).auth.signInWithOtp({ email: existing, options: { shouldCreateUser: false } });
    assert.equal(code.error, null, "an existing user still gets a login code");
    const invited = await admin.auth.admin.inviteUserByEmail(email("closed-invite"));
    assert.equal(invited.error, null, "invites ignore the switch");
    const settings = await raw(closed, "GET", "/settings");
    assert.equal(settings.json.disable_signup, true);
  });
});

describe("email provider off", () => {
  test("email sign-up, login, codes, recovery and resend answer email_provider_disabled; the admin API works", async () => {
    const admin = client(noEmail, noEmail.serviceRoleKey);
    const addr = email("noemail");
    assert.equal(
      (await admin.auth.admin.createUser({ email: addr, password: "secret123", email_confirm: true })).error,
      null,
    );

    const sb = client(noEmail);
    const signup = await sb.auth.signUp({ email: email("noemail-new"), password: "secret123" });
    assert.equal(signup.error?.status, 400);
    assert.equal(signup.error?.code, "email_provider_disabled");
    assert.equal(signup.error?.message, "Email signups are disabled");
    for (const r of [
      await sb.auth.signInWithPassword({ email: addr, password: "secret123" }),
      await sb.auth.signInWithOtp({ email: addr }),
    ]) {
      assert.equal(r.error?.status, 422);
      assert.equal(r.error?.code, "email_provider_disabled");
      assert.equal(r.error?.message, "Email logins are disabled");
    }
    for (const r of [
      await sb.auth.resetPasswordForEmail(addr),
      await sb.auth.resend({ type: "signup", email: addr }),
    ]) {
      assert.equal(r.error?.status, 400);
      assert.equal(r.error?.code, "email_provider_disabled");
      assert.equal(r.error?.message, "Email logins are disabled");
    }
    const settings = await raw(noEmail, "GET", "/settings");
    assert.equal((settings.json.external as Record<string, boolean>).email, false);
    assert.equal(settings.json.disable_signup, false);
  });
});

/** A raw answer that is GoTrue's JSON error (not a plain-text 404). */
function assertGoTrueError(r: RawResponse, status: number, code: string, message: string): void {
  assert.equal(r.status, status, r.text.slice(0, 200));
  assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual(r.json, { code, message });
  assert.equal(r.headers.get("x-sb-error-code"), code);
}

describe("what is switched off answers as GoTrue does", () => {
  test("SAML SSO: signInWithSSO and every /sso path are 404 saml_provider_disabled", async () => {
    const r = await client(anon).auth.signInWithSSO({ domain: "example.com" });
    assert.equal(r.error?.status, 404);
    assert.equal(r.error?.code, "saml_provider_disabled");
    assert.equal(r.error?.message, "SAML 2.0 is disabled");
    for (const [method, path] of [
      ["POST", "/sso"],
      ["GET", "/sso/saml/metadata"],
      ["POST", "/sso/saml/acs"],
      ["DELETE", "/sso/anything/else"],
    ] as const) {
      assertGoTrueError(
        await raw(anon, method, path, { headers: V2024, body: method === "POST" ? "{}" : undefined }),
        404,
        "saml_provider_disabled",
        "SAML 2.0 is disabled",
      );
    }
  });

  test("web3 and id_token grants: GoTrue's disabled-provider answers", async () => {
    const sb = client(anon);
    const web3 = await sb.auth.signInWithWeb3({
      chain: "solana",
      message: "example.com wants you to sign in with your Solana account",
      signature: new Uint8Array(64),
    });
    assert.equal(web3.error?.status, 422);
    assert.equal(web3.error?.code, "web3_provider_disabled");
    assert.equal(web3.error?.message, "Web3 provider is disabled");

    const google = await sb.auth.signInWithIdToken({ provider: "google", token: "a.b.c" });
    assert.equal(google.error?.status, 400);
    assert.equal(google.error?.code, "provider_disabled");
    assert.equal(google.error?.message, 'Provider (issuer "https://accounts.google.com") is not enabled');
    const appleToken = `e30.${Buffer.from(JSON.stringify({ iss: "https://appleid.apple.com" })).toString("base64url")}.x`;
    const apple = await sb.auth.signInWithIdToken({ provider: "apple", token: appleToken });
    assert.equal(apple.error?.code, "provider_disabled");
    assert.equal(apple.error?.message, 'Provider (issuer "https://appleid.apple.com") is not enabled');
    const notApple = await sb.auth.signInWithIdToken({ provider: "apple", token: "not-a-jwt" });
    assert.equal(notApple.error?.code, "validation_failed");
    assert.equal(notApple.error?.message, "Unable to detect issuer in ID token for Apple provider");
    const other = await sb.auth.signInWithIdToken({ provider: "local" as never, token: "a.b.c" });
    assert.equal(other.error?.code, "validation_failed");
    assert.equal(other.error?.message, 'Custom OIDC provider "local" not allowed');
    const empty = await raw(anon, "POST", "/token?grant_type=id_token", { body: "{}", headers: V2024 });
    assert.equal(empty.status, 400);
    assert.deepEqual(empty.json, { error: "invalid request", error_description: "id_token required" });
  });

  test("manual identity linking: 404 manual_linking_disabled after the user is authenticated", async () => {
    const sb = client(anon);
    const { data } = await sb.auth.signUp({ email: email("linking"), password: "secret123" });
    const link = await sb.auth.linkIdentity({ provider: "github" });
    assert.equal(link.error?.status, 404);
    assert.equal(link.error?.code, "manual_linking_disabled");
    assert.equal(link.error?.message, "Manual linking is disabled");
    const identity = data.user!.identities![0]!;
    const unlink = await sb.auth.unlinkIdentity(identity);
    assert.equal(unlink.error?.code, "manual_linking_disabled");
    const anonymousCaller = await raw(anon, "GET", "/user/identities/authorize?provider=github", {
      bearer: anon.anonKey,
      headers: V2024,
    });
    assert.equal(anonymousCaller.status, 403, "the user is checked first");
    assert.equal(anonymousCaller.json.code, "bad_jwt");
  });

  test("phone sign-in and verify: phone_provider_disabled, E.164 for a malformed number, otp_expired for an unknown one", async () => {
    const sb = client(anon);
    const signup = await sb.auth.signUp({ phone: "+15555550100", password: "secret123" });
    assert.equal(signup.error?.status, 400);
    assert.equal(signup.error?.code, "phone_provider_disabled");
    const login = await sb.auth.signInWithPassword({ phone: "+15555550100", password: "secret123" });
    assert.equal(login.error?.status, 422);
    assert.equal(login.error?.code, "phone_provider_disabled");
    const otp = await sb.auth.signInWithOtp({ phone: "+15555550100" });
    assert.equal(otp.error?.status, 400);
    assert.equal(otp.error?.code, "phone_provider_disabled");
    assert.equal(otp.error?.message, "Unsupported phone provider");
    const noCreate = await sb.auth.signInWithOtp({ phone: "12-34", options: { shouldCreateUser: false } });
    assert.equal(noCreate.error?.status, 400);
    assert.equal(noCreate.error?.message, "Invalid phone number format (E.164 required)");

    const malformed = await sb.auth.verifyOtp({ phone: "not a number", token: "123456", type: "sms" });
    assert.equal(malformed.error?.status, 400);
    assert.equal(malformed.error?.code, "validation_failed");
    assert.equal(malformed.error?.message, "Invalid phone number format (E.164 required)");
    const unknown = await sb.auth.verifyOtp({ phone: "+1 555 555 0100", token: "123456", type: "sms" });
    assert.equal(unknown.error?.status, 403);
    assert.equal(unknown.error?.code, "otp_expired");
    assert.equal(unknown.error?.message, "Token has expired or is invalid");
  });

  test("passkeys, the OAuth 2.1 server and SCIM: GoTrue's 404s, as JSON", async () => {
    assertGoTrueError(
      await raw(anon, "POST", "/passkeys/authentication/options", { body: "{}", headers: V2024 }),
      404,
      "passkey_disabled",
      "Passkeys are disabled",
    );
    for (const path of ["/oauth/authorize?client_id=x", "/.well-known/oauth-authorization-server"]) {
      assertGoTrueError(
        await raw(anon, "GET", path, { headers: V2024 }),
        404,
        "feature_disabled",
        "OAuth server is disabled",
      );
    }
    const asAdmin = { apikey: anon.serviceRoleKey, bearer: anon.serviceRoleKey, headers: V2024 };
    assertGoTrueError(
      await raw(anon, "GET", "/admin/oauth/clients", asAdmin),
      404,
      "feature_disabled",
      "OAuth server is disabled",
    );
    const notAdmin = await raw(anon, "GET", "/admin/oauth/clients", { bearer: anon.anonKey, headers: V2024 });
    assert.equal(notAdmin.json.code, "not_admin", "the admin check comes first");
    assertGoTrueError(
      await raw(anon, "GET", "/scim/v2/Schemas", { headers: V2024 }),
      404,
      "feature_disabled",
      "SCIM server is disabled",
    );
  });
});

describe("routes open without an apikey, with and without a trailing slash", () => {
  test("the JWKS answers without an apikey; jose's createRemoteJWKSet verifies a session token with it", async () => {
    const jwksUrl = new URL(`${anon.url}/auth/v1/.well-known/jwks.json`);
    const plain = await fetch(jwksUrl);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get("cache-control"), "public, max-age=600");
    const { data } = await client(anon).auth.signUp({ email: email("jwks"), password: "secret123" });
    const { payload } = await jwtVerify(data.session!.access_token, createRemoteJWKSet(jwksUrl), {
      issuer: `${anon.url}/auth/v1`,
      audience: "authenticated",
    });
    assert.equal(payload.sub, data.user!.id);
    assert.equal((await fetch(`${anon.url}/auth/v1/settings`)).status, 401, "other routes still need the key");
  });

  test("/verify and /callback answer with and without a slash; /authorize/ is GoTrue's 404", async () => {
    const noKey = { apikey: null, headers: V2024 } as const;
    for (const path of ["/verify", "/verify/"]) {
      const link = await raw(anon, "GET", `${path}?type=signup&token=nope`, noKey);
      assert.equal(link.status, 303, path);
      assert.match(link.headers.get("location") ?? "", /error_code=otp_expired/);
      const typed = await raw(anon, "POST", path, {
        ...noKey,
        body: JSON.stringify({ type: "email", email: email("open"), token: "123456" }),
      });
      assert.equal(typed.status, 403, path);
      assert.equal(typed.json.code, "otp_expired");
    }
    for (const path of ["/callback", "/callback/"]) {
      assertGoTrueError(
        await raw(anon, "GET", path, noKey),
        400,
        "bad_oauth_callback",
        "OAuth state parameter missing",
      );
    }
    assertGoTrueError(
      await raw(anon, "GET", "/authorize?provider=nope", noKey),
      400,
      "validation_failed",
      "Unsupported provider: Provider nope could not be found",
    );
    const slashed = await raw(anon, "GET", "/authorize/?provider=nope", noKey);
    assert.equal(slashed.status, 404, "GoTrue routes /authorize exactly");
    assert.equal(slashed.text, "404 page not found\n");
    assert.equal((await raw(anon, "GET", "/token/", noKey)).status, 401, "a closed route stays closed");
  });

  test("GoTrue's sub-routed paths answer with a trailing slash too (/user/, /admin/users/)", async () => {
    const { data } = await client(anon).auth.signUp({ email: email("slash"), password: "secret123" });
    const me = await raw(anon, "GET", "/user/", { bearer: data.session!.access_token, headers: V2024 });
    assert.equal(me.status, 200);
    assert.equal(me.json.id, data.user!.id);
    const users = await raw(anon, "GET", "/admin/users/?per_page=1", {
      apikey: anon.serviceRoleKey,
      bearer: anon.serviceRoleKey,
      headers: V2024,
    });
    assert.equal(users.status, 200);
    assert.equal((await raw(anon, "GET", "/settings/", { headers: V2024 })).status, 404);
  });
});
