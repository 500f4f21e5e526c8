/**
 * GoTrue's switches on the local Supabase Auth server, through the unmodified supabase-js client
 * (#15): anonymous sign-ins (and an anonymous user made permanent), sign-ups off, the email
 * provider off, and GoTrue's own answers for what the server never has on.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { client, email, outbox, raw, V2024 } from "./local-supabase-kit.js";

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
