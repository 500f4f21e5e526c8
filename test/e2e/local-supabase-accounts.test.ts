/**
 * Account flows of the local Supabase Auth through the unmodified supabase-js client: password
 * recovery, reauthentication before a password change, resend with GoTrue's send interval,
 * email change (secure: both addresses confirm), invites and admin generateLink of every type.
 * Two in-process servers: "strict" (confirmation on, a nonce for every password change, GoTrue's
 * 60 s send interval, secure email change) and "relaxed" (autoconfirm, GoTrue's 24 h nonce rule,
 * no send interval, one-address email change, 8-digit codes).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { SupabaseClient } from "@supabase/supabase-js";
import bcrypt from "bcryptjs";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { client, email, outbox, raw, V2024 } from "./local-supabase-kit.js";

interface Message {
  to: string;
  type: string;
  token: string;
  link?: string;
}

const PASSWORD = "secret-123";
let strict: LocalSupabase;
let relaxed: LocalSupabase;
/**
 * PASSWORD at bcrypt cost 4, for the users the tests create through the admin API's
 * password_hash (GoTrue's import path): logins then cost milliseconds, not a cost-10 hash each.
 */
let passwordHash: string;

before(async () => {
  passwordHash = await bcrypt.hash(PASSWORD, 4);
  strict = await startLocalSupabase({
    port: 0,
    confirmEmail: true,
    passwordUpdateRequiresReauthentication: true,
    reauthenticationSessionAge: 0,
  });
  relaxed = await startLocalSupabase({
    port: 0,
    emailMaxFrequency: 0,
    secureEmailChange: false,
    passwordUpdateRequiresReauthentication: true,
    otpLength: 8,
  });
});
after(async () => {
  await Promise.all([strict?.stop(), relaxed?.stop()]);
});

const admin = (s: LocalSupabase) => client(s, s.serviceRoleKey).auth.admin;

const mailbox = (s: LocalSupabase, to: string): Promise<Message[]> => outbox(s, to);

async function lastMail(s: LocalSupabase, to: string, type: string): Promise<Message> {
  const last = (await mailbox(s, to)).filter((m) => m.type === type).at(-1);
  assert.ok(last, `a ${type} message to ${to}`);
  return last;
}

/** A confirmed password user, signed in on a fresh client. */
async function confirmedUser(s: LocalSupabase, tag: string): Promise<{ addr: string; id: string; sb: SupabaseClient }> {
  const addr = email(tag);
  const created = await admin(s).createUser({ email: addr, password_hash: passwordHash, email_confirm: true });
  assert.equal(created.error, null);
  const sb = client(s);
  assert.equal((await sb.auth.signInWithPassword({ email: addr, password: PASSWORD })).error, null);
  return { addr, id: created.data.user!.id, sb };
}

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());
/** The token of a /verify link: the code's hash, keyed with the server's secret (mail.ts tokenHash), 56 hex digits as GoTrue's. */
const tokenOf = (link: string) => new URL(link).searchParams.get("token") ?? "";
const TOKEN_HASH = /^[0-9a-f]{56}$/;

function secondsLeft(message: string | undefined): number {
  const m = /^For security purposes, you can only request this after (\d+) seconds\.$/.exec(message ?? "");
  assert.ok(m, `GoTrue's interval message, got ${message}`);
  return Number(m[1]);
}

async function follow(link: string): Promise<URLSearchParams> {
  const res = await fetch(link, { redirect: "manual" });
  assert.equal(res.status, 303);
  return new URLSearchParams(new URL(res.headers.get("location") ?? "").hash.slice(1));
}

describe("password recovery", () => {
  test("the same {} for a known and an unknown address; only the known one gets a code and link", async () => {
    const { addr } = await confirmedUser(relaxed, "rec-known");
    const unknown = email("rec-unknown");
    const known = await raw(relaxed, "POST", "/recover", { body: JSON.stringify({ email: addr }), headers: V2024 });
    const none = await raw(relaxed, "POST", "/recover", { body: JSON.stringify({ email: unknown }), headers: V2024 });
    assert.deepEqual([known.status, known.text], [200, "{}"]);
    assert.deepEqual([none.status, none.text], [200, "{}"]);
    assert.deepEqual(await mailbox(relaxed, unknown), []);
    const msg = await lastMail(relaxed, addr, "recovery");
    assert.match(msg.token, /^\d{8}$/, "otpLength 8");
    assert.match(tokenOf(msg.link ?? ""), TOKEN_HASH);
    assert.equal(
      msg.link,
      `${relaxed.url}/auth/v1/verify?token=${tokenOf(msg.link ?? "")}&type=recovery&redirect_to=http://127.0.0.1:3000`,
    );
    const noEmail = await raw(relaxed, "POST", "/recover", { body: "{}", headers: V2024 });
    assert.deepEqual(
      [noEmail.status, noEmail.json.code, noEmail.json.message],
      [400, "validation_failed", "Password recovery requires an email"],
    );
  });

  test("resetPasswordForEmail + verifyOtp(recovery) + updateUser: a new session, the other sessions end", async () => {
    const { addr, id, sb: other } = await confirmedUser(relaxed, "rec-flow");
    const sb = client(relaxed);
    assert.equal((await sb.auth.resetPasswordForEmail(addr)).error, null);
    const { token } = await lastMail(relaxed, addr, "recovery");
    const events: string[] = [];
    sb.auth.onAuthStateChange((event) => events.push(event));
    const verified = await sb.auth.verifyOtp({ email: addr, token, type: "recovery" });
    assert.equal(verified.error, null);
    assert.equal(verified.data.user?.id, id);
    assert.ok(events.includes("PASSWORD_RECOVERY"));
    const jwt = claims(verified.data.session!.access_token);
    assert.equal(jwt.amr[0].method, "otp");
    assert.equal(jwt.aal, "aal1");

    const changed = await sb.auth.updateUser({ password: "brand-new-pass" });
    assert.equal(changed.error, null, "a fresh session needs no nonce under GoTrue's 24 h rule");
    assert.equal((await other.auth.getUser()).error?.name, "AuthSessionMissingError", "other sessions end");
    const old = await client(relaxed).auth.signInWithPassword({ email: addr, password: PASSWORD });
    assert.equal(old.error?.code, "invalid_credentials");
    assert.equal(
      (await client(relaxed).auth.signInWithPassword({ email: addr, password: "brand-new-pass" })).error,
      null,
    );
    const again = await client(relaxed).auth.verifyOtp({ email: addr, token, type: "recovery" });
    assert.equal(again.error?.code, "otp_expired", "a code works once");
  });

  test("a new code replaces the last one; token_hash and the emailed link verify too", async () => {
    const { addr } = await confirmedUser(relaxed, "rec-hash");
    const sb = client(relaxed);
    await sb.auth.resetPasswordForEmail(addr);
    const first = await lastMail(relaxed, addr, "recovery");
    await sb.auth.resetPasswordForEmail(addr, { redirectTo: "http://127.0.0.1:3000/reset" });
    const second = await lastMail(relaxed, addr, "recovery");
    const stale = await sb.auth.verifyOtp({ email: addr, token: first.token, type: "recovery" });
    assert.equal(stale.error?.code, "otp_expired");
    assert.equal(stale.error?.message, "Token has expired or is invalid");
    const byHash = await sb.auth.verifyOtp({ token_hash: tokenOf(second.link ?? ""), type: "recovery" });
    assert.equal(byHash.error, null);

    await sb.auth.resetPasswordForEmail(addr, { redirectTo: "http://127.0.0.1:3000/reset" });
    const link = (await lastMail(relaxed, addr, "recovery")).link!;
    const res = await fetch(link, { redirect: "manual" });
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get("location") ?? "");
    assert.equal(`${location.origin}${location.pathname}`, "http://127.0.0.1:3000/reset");
    const fragment = new URLSearchParams(location.hash.slice(1));
    assert.equal(fragment.get("type"), "recovery");
    assert.ok(fragment.get("access_token") && fragment.get("refresh_token"));
    const reused = await follow(link);
    assert.equal(reused.get("error_code"), "otp_expired");
  });

  test("a second request within the send interval: 429 with the seconds left (GoTrue's 60 s)", async () => {
    const { addr } = await confirmedUser(strict, "rec-often");
    const sb = client(strict);
    assert.equal((await sb.auth.resetPasswordForEmail(addr)).error, null);
    const second = await sb.auth.resetPasswordForEmail(addr);
    assert.equal(second.error?.status, 429);
    assert.equal(second.error?.code, "over_email_send_rate_limit");
    const left = secondsLeft(second.error?.message);
    assert.ok(left > 0 && left < 60, `${left} seconds left`);
    assert.equal((await mailbox(strict, addr)).length, 1);
  });
});

describe("the PKCE flow (flowType 'pkce', as @supabase/ssr uses)", () => {
  test("recovery and email change links redirect with ?code=, which exchangeCodeForSession turns into a session", async () => {
    const { addr } = await confirmedUser(relaxed, "pkce");
    const sb = client(relaxed, relaxed.anonKey, "pkce");
    assert.equal(
      (await sb.auth.resetPasswordForEmail(addr, { redirectTo: "http://127.0.0.1:3000/reset" })).error,
      null,
    );
    const mail = await lastMail(relaxed, addr, "recovery");
    assert.match(tokenOf(mail.link!), /^pkce_[0-9a-f]{56}$/);
    const res = await fetch(mail.link!, { redirect: "manual" });
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get("location") ?? "");
    assert.equal(`${location.origin}${location.pathname}`, "http://127.0.0.1:3000/reset");
    assert.equal(location.hash, "", "no tokens in the URL");
    const code = location.searchParams.get("code") ?? "";
    const exchanged = await sb.auth.exchangeCodeForSession(code);
    assert.equal(exchanged.error, null);
    assert.equal(claims(exchanged.data.session!.access_token).amr[0].method, "recovery");
    const twice = await sb.auth.exchangeCodeForSession(code);
    assert.ok(twice.error, "an auth code works once");

    // supabase-js drops its own verifier when updateUser saves the session, so the email
    // change is driven by hand: PUT /user with a challenge, the link, the pkce grant
    const next = email("pkce-new");
    const verifier = "v".repeat(43);
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const bearer = (await sb.auth.getSession()).data.session!.access_token;
    const asked = await raw(relaxed, "PUT", "/user", {
      bearer,
      body: JSON.stringify({ email: next, code_challenge: challenge, code_challenge_method: "s256" }),
      headers: V2024,
    });
    assert.equal(asked.status, 200, asked.text);
    const change = await lastMail(relaxed, next, "email_change");
    const changed = new URL((await fetch(change.link!, { redirect: "manual" })).headers.get("location") ?? "");
    const grant = await raw(relaxed, "POST", "/token?grant_type=pkce", {
      body: JSON.stringify({ auth_code: changed.searchParams.get("code"), code_verifier: verifier }),
      headers: V2024,
    });
    assert.equal(grant.status, 200, grant.text);
    assert.equal((grant.json.user as { email: string }).email, next);
    assert.equal(claims(String(grant.json.access_token)).amr[0].method, "email_change");

    // a typed code works whichever flow mailed it
    await sb.auth.resetPasswordForEmail(next);
    const typed = await client(relaxed).auth.verifyOtp({
      email: next,
      token: (await lastMail(relaxed, next, "recovery")).token,
      type: "recovery",
    });
    assert.equal(typed.error, null);
  });
  test("signUp with confirmation: the confirmation link hands out a code for an email/signup session", async () => {
    const addr = email("pkce-signup");
    const sb = client(strict, strict.anonKey, "pkce");
    const signup = await sb.auth.signUp({ email: addr, password: PASSWORD });
    assert.equal(signup.error, null);
    assert.equal(signup.data.session, null);
    const { link } = await lastMail(strict, addr, "signup");
    const location = new URL((await fetch(link!, { redirect: "manual" })).headers.get("location") ?? "");
    const exchanged = await sb.auth.exchangeCodeForSession(location.searchParams.get("code") ?? "");
    assert.equal(exchanged.error, null);
    assert.ok(exchanged.data.user?.email_confirmed_at);
    assert.equal(claims(exchanged.data.session!.access_token).amr[0].method, "email/signup");
  });
});

describe("reauthentication before a password change", () => {
  test("reauthentication_needed, reauthentication_not_valid, then the emailed nonce works once", async () => {
    const { addr, sb } = await confirmedUser(strict, "reauth");
    const weak = await sb.auth.updateUser({ password: "123" });
    assert.equal(weak.error?.status, 422);
    assert.equal(weak.error?.code, "weak_password");
    assert.deepEqual((weak.error as { reasons?: string[] }).reasons, ["length"]);

    const needed = await sb.auth.updateUser({ password: "changed-pass-1" });
    assert.equal(needed.error?.status, 400);
    assert.equal(needed.error?.code, "reauthentication_needed");
    assert.equal(needed.error?.message, "Password update requires reauthentication");
    const noneSent = await sb.auth.updateUser({ password: "changed-pass-1", nonce: "123456" });
    assert.equal(noneSent.error?.status, 422);
    assert.equal(noneSent.error?.code, "reauthentication_not_valid");
    assert.equal(noneSent.error?.message, "Nonce has expired or is invalid");

    assert.equal((await sb.auth.reauthenticate()).error, null);
    const mail = await lastMail(strict, addr, "reauthentication");
    assert.match(mail.token, /^\d{6}$/);
    assert.equal(mail.link, undefined, "the nonce comes without a link");
    const often = await sb.auth.reauthenticate();
    assert.equal(often.error?.code, "over_email_send_rate_limit");

    const wrong = await sb.auth.updateUser({ password: "changed-pass-1", nonce: mail.token === "000000" ? "1" : "0" });
    assert.equal(wrong.error?.code, "reauthentication_not_valid");
    const ok = await sb.auth.updateUser({ password: "changed-pass-1", nonce: mail.token });
    assert.equal(ok.error, null);
    assert.ok(ok.data.user?.updated_at);
    const reused = await sb.auth.updateUser({ password: "changed-pass-2", nonce: mail.token });
    assert.equal(reused.error?.code, "reauthentication_not_valid", "a nonce works once");
    assert.equal(
      (await client(strict).auth.signInWithPassword({ email: addr, password: "changed-pass-1" })).error,
      null,
    );
  });

  test("five wrong nonces void the nonce, as five wrong codes void an address's codes", async () => {
    const { addr, sb } = await confirmedUser(strict, "reauth-guess");
    assert.equal((await sb.auth.reauthenticate()).error, null);
    const { token } = await lastMail(strict, addr, "reauthentication");
    const wrongNonce = token === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      const wrong = await sb.auth.updateUser({ password: "guessed-pass-1", nonce: wrongNonce });
      assert.equal(wrong.error?.code, "reauthentication_not_valid");
    }
    const right = await sb.auth.updateUser({ password: "guessed-pass-1", nonce: token });
    assert.equal(right.error?.code, "reauthentication_not_valid", "the nonce is void");
  });

  test("same password: 422 same_password", async () => {
    const { sb } = await confirmedUser(relaxed, "same-pw");
    const same = await sb.auth.updateUser({ password: PASSWORD });
    assert.equal(same.error?.status, 422);
    assert.equal(same.error?.code, "same_password");
    assert.equal(same.error?.message, "New password should be different from the old password.");
  });
});

describe("signup confirmation and resend", () => {
  test("the signup code verifies; resend is 429 within the interval, {} without mail when confirmed or unknown", async () => {
    const addr = email("signup");
    const sb = client(strict);
    const signup = await sb.auth.signUp({ email: addr, password: PASSWORD });
    assert.equal(signup.error, null);
    assert.equal(signup.data.session, null);
    const code = await lastMail(strict, addr, "signup");
    const early = await sb.auth.resend({ type: "signup", email: addr });
    assert.equal(early.error?.status, 429);
    assert.ok(secondsLeft(early.error?.message) < 60);

    const verified = await sb.auth.verifyOtp({ email: addr, token: code.token, type: "signup" });
    assert.equal(verified.error, null);
    assert.ok(verified.data.user?.email_confirmed_at);
    assert.equal(verified.data.user?.identities?.[0]?.identity_data?.email_verified, true);

    assert.equal((await sb.auth.resend({ type: "signup", email: addr })).error, null);
    const unknown = email("signup-unknown");
    assert.equal((await sb.auth.resend({ type: "signup", email: unknown })).error, null);
    assert.equal((await mailbox(strict, addr)).length, 1, "no mail for a confirmed user");
    assert.deepEqual(await mailbox(strict, unknown), []);

    const badType = await raw(strict, "POST", "/resend", {
      body: JSON.stringify({ type: "recovery", email: addr }),
      headers: V2024,
    });
    assert.deepEqual(
      [badType.status, badType.json.code, badType.json.message],
      [400, "validation_failed", "Missing one of these types: signup, email_change, sms, phone_change"],
    );
  });

  test("resend replaces the code: the old one stops working, the new one confirms", async () => {
    const addr = email("resend");
    assert.equal((await admin(relaxed).createUser({ email: addr, password_hash: passwordHash })).error, null);
    const sb = client(relaxed);
    assert.equal((await sb.auth.resend({ type: "signup", email: addr })).error, null);
    const first = await lastMail(relaxed, addr, "signup");
    assert.equal((await sb.auth.resend({ type: "signup", email: addr })).error, null);
    const second = await lastMail(relaxed, addr, "signup");
    assert.equal(
      (await sb.auth.verifyOtp({ email: addr, token: first.token, type: "signup" })).error?.code,
      "otp_expired",
    );
    const ok = await sb.auth.verifyOtp({ email: addr, token: second.token, type: "signup" });
    assert.equal(ok.error, null);
    assert.ok(ok.data.session?.access_token);
  });
});

describe("email change", () => {
  test("secure: both addresses confirm; new_email until then; email_exists for a taken address", async () => {
    const { addr, sb } = await confirmedUser(strict, "chg-old");
    const taken = await confirmedUser(strict, "chg-taken");
    const exists = await sb.auth.updateUser({ email: taken.addr });
    assert.equal(exists.error?.status, 422);
    assert.equal(exists.error?.code, "email_exists");

    const next = email("chg-new");
    const asked = await sb.auth.updateUser({ email: next });
    assert.equal(asked.error, null);
    assert.equal(asked.data.user?.email, addr);
    assert.equal(asked.data.user?.new_email, next);
    assert.ok(asked.data.user?.email_change_sent_at);
    assert.equal((await sb.auth.getUser()).data.user?.new_email, next);
    const resend = await sb.auth.resend({ type: "email_change", email: addr });
    assert.equal(resend.error?.code, "over_email_send_rate_limit");

    const toOld = await lastMail(strict, addr, "email_change");
    const toNew = await lastMail(strict, next, "email_change");
    assert.notEqual(toOld.token, toNew.token);
    // the current address confirms first, by its link: the other one still has to
    const first = await follow(toOld.link!);
    assert.equal(
      first.get("message"),
      "Confirmation link accepted. Please proceed to confirm link sent to the other email",
    );
    assert.equal(first.get("access_token"), null);
    assert.equal((await sb.auth.getUser()).data.user?.email, addr, "not changed yet");
    const again = await sb.auth.verifyOtp({ email: addr, token: toOld.token, type: "email_change" });
    assert.equal(again.error?.code, "otp_expired");

    const done = await sb.auth.verifyOtp({ email: next, token: toNew.token, type: "email_change" });
    assert.equal(done.error, null);
    assert.equal(done.data.user?.email, next);
    assert.equal(done.data.user?.new_email, undefined);
    assert.equal(done.data.user?.identities?.[0]?.identity_data?.email, next);
    assert.equal(done.data.user?.identities?.[0]?.identity_data?.email_verified, true);
    const login = await client(strict).auth.signInWithPassword({ email: next, password: PASSWORD });
    assert.equal(login.error, null);
    const oldLogin = await client(strict).auth.signInWithPassword({ email: addr, password: PASSWORD });
    assert.equal(oldLogin.error?.code, "invalid_credentials");
  });

  test("secure, first confirmation by verifyOtp: {msg, code} and no session", async () => {
    const { addr, sb } = await confirmedUser(strict, "chg-msg");
    const next = email("chg-msg-new");
    assert.equal((await sb.auth.updateUser({ email: next })).error, null);
    const toNew = await lastMail(strict, next, "email_change");
    const first = await raw(strict, "POST", "/verify", {
      body: JSON.stringify({ type: "email_change", email: next, token: toNew.token }),
      headers: V2024,
    });
    assert.deepEqual(first.json, {
      msg: "Confirmation link accepted. Please proceed to confirm link sent to the other email",
      code: "200",
    });
    const toOld = await lastMail(strict, addr, "email_change");
    const done = await sb.auth.verifyOtp({ email: addr, token: toOld.token, type: "email_change" });
    assert.equal(done.error, null);
    assert.equal(done.data.user?.email, next);
  });

  test("not secure: one mail to the new address; resend replaces its code", async () => {
    const { addr, sb } = await confirmedUser(relaxed, "chg1-old");
    const next = email("chg1-new");
    assert.equal((await sb.auth.updateUser({ email: next })).error, null);
    assert.deepEqual(
      (await mailbox(relaxed, addr)).filter((m) => m.type === "email_change"),
      [],
      "nothing to the current address",
    );
    const first = await lastMail(relaxed, next, "email_change");
    assert.equal((await sb.auth.resend({ type: "email_change", email: addr })).error, null);
    const second = await lastMail(relaxed, next, "email_change");
    const stale = await sb.auth.verifyOtp({ email: next, token: first.token, type: "email_change" });
    assert.equal(stale.error?.code, "otp_expired");
    const done = await sb.auth.verifyOtp({ email: next, token: second.token, type: "email_change" });
    assert.equal(done.error, null);
    assert.equal(done.data.user?.email, next);
  });
});

describe("invites", () => {
  test("inviteUserByEmail: a user with invited_at; the invite code opens a session and confirms", async () => {
    const addr = email("invite");
    const invited = await admin(strict).inviteUserByEmail(addr, {
      data: { team: "blue" },
      redirectTo: "http://127.0.0.1:3000/welcome",
    });
    assert.equal(invited.error, null);
    assert.equal(invited.data.user?.email, addr);
    assert.ok(invited.data.user?.invited_at);
    assert.ok(invited.data.user?.confirmation_sent_at);
    assert.equal(invited.data.user?.email_confirmed_at, undefined);
    assert.deepEqual(invited.data.user?.user_metadata, { team: "blue" });
    const msg = await lastMail(strict, addr, "invite");
    assert.match(msg.link ?? "", /type=invite&redirect_to=http:\/\/127\.0\.0\.1:3000\/welcome$/, "as GoTrue writes it");

    const sb = client(strict);
    const ok = await sb.auth.verifyOtp({ email: addr, token: msg.token, type: "invite" });
    assert.equal(ok.error, null);
    assert.ok(ok.data.user?.email_confirmed_at);
    assert.equal(ok.data.user?.identities?.[0]?.identity_data?.email_verified, true);

    const twice = await admin(strict).inviteUserByEmail(addr);
    assert.equal(twice.error?.status, 422);
    assert.equal(twice.error?.code, "email_exists");
    const notAdmin = await client(strict).auth.admin.inviteUserByEmail(email("invite-anon"));
    assert.equal(notAdmin.error?.status, 403);
    assert.equal(notAdmin.error?.code, "not_admin");
  });

  test("re-inviting an unconfirmed user sends a new code; its link logs in", async () => {
    const addr = email("reinvite");
    assert.equal((await admin(strict).inviteUserByEmail(addr)).error, null);
    assert.equal((await admin(strict).inviteUserByEmail(addr)).error, null, "no send interval for invites");
    const box = (await mailbox(strict, addr)).filter((m) => m.type === "invite");
    assert.equal(box.length, 2);
    assert.equal((await follow(box[0]!.link!)).get("error_code"), "otp_expired");
    const fragment = await follow(box[1]!.link!);
    assert.equal(fragment.get("type"), "invite");
    assert.ok(fragment.get("access_token"));
  });
});

describe("admin generateLink", () => {
  function checkProperties(
    p: { action_link: string; email_otp: string; hashed_token: string; verification_type: string; redirect_to: string },
    type: string,
    linkType = type,
  ) {
    assert.equal(p.verification_type, type);
    assert.match(p.email_otp, /^\d{6}$/);
    assert.match(p.hashed_token, TOKEN_HASH);
    assert.equal(p.redirect_to, "http://127.0.0.1:3000/after");
    const url = new URL(p.action_link);
    assert.equal(`${url.origin}${url.pathname}`, `${strict.url}/auth/v1/verify`);
    assert.equal(url.searchParams.get("type"), linkType);
    assert.equal(url.searchParams.get("redirect_to"), "http://127.0.0.1:3000/after");
    if (type !== "email_change_new") assert.equal(url.searchParams.get("token"), p.hashed_token);
    // GoTrue's mailer writes a redirect without & = # as it is (encodeRedirectURL)
    assert.ok(p.action_link.endsWith("&redirect_to=http://127.0.0.1:3000/after"), p.action_link);
  }
  const options = { redirectTo: "http://127.0.0.1:3000/after" };

  test("signup and invite create the user and send nothing; email_otp and the action link verify", async () => {
    const addr = email("gl-signup");
    const noPassword = await admin(strict).generateLink({ type: "signup", email: addr, password: "" });
    assert.equal(noPassword.error?.status, 400);
    const signup = await admin(strict).generateLink({
      type: "signup",
      email: addr,
      password: PASSWORD,
      options: { ...options, data: { plan: "pro" } },
    });
    assert.equal(signup.error, null);
    checkProperties(signup.data.properties!, "signup");
    assert.equal(signup.data.user?.email, addr);
    assert.deepEqual(signup.data.user?.user_metadata, { plan: "pro" });
    assert.equal(signup.data.user?.email_confirmed_at, undefined);
    const ok = await client(strict).auth.verifyOtp({
      email: addr,
      token: signup.data.properties!.email_otp,
      type: "signup",
    });
    assert.equal(ok.error, null);
    assert.equal(ok.data.user?.email, addr);
    const again = await admin(strict).generateLink({ type: "signup", email: addr, password: PASSWORD });
    assert.equal(again.error?.code, "email_exists");

    const invitee = email("gl-invite");
    const invite = await admin(strict).generateLink({ type: "invite", email: invitee, options });
    assert.equal(invite.error, null);
    checkProperties(invite.data.properties!, "invite");
    assert.ok(invite.data.user?.invited_at);
    const fragment = await follow(invite.data.properties!.action_link);
    assert.equal(fragment.get("type"), "invite");
    assert.ok(fragment.get("access_token"));
    assert.deepEqual(await mailbox(strict, addr), []);
    assert.deepEqual(await mailbox(strict, invitee), []);
  });

  test("magiclink (an unknown address becomes a signup) and recovery (404 for an unknown one)", async () => {
    const { addr, id } = await confirmedUser(strict, "gl-magic");
    const magic = await admin(strict).generateLink({ type: "magiclink", email: addr, options });
    assert.equal(magic.error, null);
    checkProperties(magic.data.properties!, "magiclink");
    assert.equal(magic.data.user?.id, id);
    const byHash = await client(strict).auth.verifyOtp({
      token_hash: magic.data.properties!.hashed_token,
      type: "magiclink",
    });
    assert.equal(byHash.error, null);
    assert.equal(byHash.data.user?.id, id);

    const stranger = email("gl-magic-new");
    const created = await admin(strict).generateLink({ type: "magiclink", email: stranger, options });
    assert.equal(created.error, null);
    checkProperties(created.data.properties!, "signup");
    assert.equal(created.data.user?.email, stranger);

    const withQuery = await admin(strict).generateLink({
      type: "magiclink",
      email: addr,
      options: { redirectTo: "http://127.0.0.1:3000/after?next=/a b" },
    });
    assert.ok(
      withQuery.data.properties?.action_link.endsWith(
        "&redirect_to=http%3A%2F%2F127.0.0.1%3A3000%2Fafter%3Fnext%3D%2Fa+b",
      ),
      "a redirect with = is query-escaped, as Go's url.QueryEscape does",
    );

    const missing = await admin(strict).generateLink({ type: "recovery", email: email("gl-nobody") });
    assert.equal(missing.error?.status, 404);
    assert.equal(missing.error?.code, "user_not_found");
    assert.equal(missing.error?.message, "User with this email not found");
    const recovery = await admin(strict).generateLink({ type: "recovery", email: addr, options });
    assert.equal(recovery.error, null);
    checkProperties(recovery.data.properties!, "recovery");
    const fragment = await follow(recovery.data.properties!.action_link);
    assert.equal(fragment.get("type"), "recovery");
    assert.ok(fragment.get("access_token"));
    assert.equal((await mailbox(strict, addr)).length, 0);
  });

  test("email_change_current and email_change_new: both codes complete the change", async () => {
    const { addr, id } = await confirmedUser(strict, "gl-chg");
    const next = email("gl-chg-new");
    const taken = await confirmedUser(strict, "gl-chg-taken");
    const dup = await admin(strict).generateLink({ type: "email_change_new", email: addr, newEmail: taken.addr });
    assert.equal(dup.error?.code, "email_exists");
    const current = await admin(strict).generateLink({
      type: "email_change_current",
      email: addr,
      newEmail: next,
      options,
    });
    assert.equal(current.error, null);
    checkProperties(current.data.properties!, "email_change_current", "email_change");
    assert.equal(current.data.user?.new_email, next);
    const fresh = await admin(strict).generateLink({ type: "email_change_new", email: addr, newEmail: next, options });
    assert.equal(fresh.error, null);
    const p = fresh.data.properties!;
    checkProperties(p, "email_change_new", "email_change");
    // GoTrue's quirk: hashed_token is made from the current address, the link's token from the new one
    assert.match(tokenOf(p.action_link), TOKEN_HASH);
    assert.notEqual(tokenOf(p.action_link), p.hashed_token);

    const sb = client(strict);
    const first = await sb.auth.verifyOtp({
      email: addr,
      token: current.data.properties!.email_otp,
      type: "email_change",
    });
    assert.equal(first.error, null);
    assert.equal(first.data.session, null, "the first of two confirmations opens no session");
    const done = await sb.auth.verifyOtp({ email: next, token: p.email_otp, type: "email_change" });
    assert.equal(done.error, null);
    assert.equal(done.data.user?.id, id);
    assert.equal(done.data.user?.email, next);
    const missing = await admin(strict).generateLink({
      type: "email_change_new",
      email: email("gl-x"),
      newEmail: next,
    });
    assert.equal(missing.error?.code, "user_not_found");
  });

  test("an unknown type is 400; the anon key is not an admin", async () => {
    const bad = await raw(strict, "POST", "/admin/generate_link", {
      apikey: strict.serviceRoleKey,
      bearer: strict.serviceRoleKey,
      body: JSON.stringify({ type: "nope", email: email("gl-bad") }),
      headers: V2024,
    });
    assert.deepEqual(
      [bad.status, bad.json.code, bad.json.message],
      [400, "validation_failed", "Invalid email action link type requested: nope"],
    );
    const anon = await client(strict).auth.admin.generateLink({ type: "magiclink", email: email("gl-anon") });
    assert.equal(anon.error?.code, "not_admin");
  });
});
