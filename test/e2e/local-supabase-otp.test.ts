/**
 * Emailed login codes through the local Supabase Auth with the real supabase-js client:
 * signInWithOtp delivers a six-digit code to the local outbox, verifyOtp turns it into a
 * session once; wrong, used and expired codes are otp_expired; create_user:false and the
 * resend interval behave as GoTrue's.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { client, email, type OutboxMessage, outbox, raw, V2024 } from "./local-supabase-kit.js";

let s: LocalSupabase;
let shortLived: LocalSupabase;
let confirming: LocalSupabase;

before(async () => {
  [s, shortLived, confirming] = await Promise.all([
    startLocalSupabase({ port: 0 }),
    startLocalSupabase({ port: 0, otpTtl: 1 }),
    startLocalSupabase({ port: 0, confirmEmail: true }),
  ]);
});
after(async () => {
  await Promise.all([s?.stop(), shortLived?.stop(), confirming?.stop()]);
});

async function lastMessage(server: LocalSupabase, to: string): Promise<OutboxMessage> {
  const last = (await outbox(server, to)).at(-1);
  assert.ok(last, `a message to ${to}`);
  return last;
}

const otherCode = (code: string) => (code === "000000" ? "111111" : "000000");

describe("signInWithOtp and verifyOtp", () => {
  test("a new address: the code from the outbox gives a session once (amr otp)", async () => {
    const addr = email("otp-new");
    const sb = client(s);
    const sent = await sb.auth.signInWithOtp({ email: addr });
    assert.equal(sent.error, null);
    const msg = await lastMessage(s, addr);
    assert.equal(msg.type, "magiclink");
    assert.match(msg.token, /^\d{6}$/);
    assert.match(msg.link, new RegExp(`^${s.url}/auth/v1/verify\\?token=[0-9a-f]{56}&type=magiclink&redirect_to=`));

    const wrong = await sb.auth.verifyOtp({ email: addr, token: otherCode(msg.token), type: "email" });
    assert.equal(wrong.error?.status, 403);
    assert.equal(wrong.error?.code, "otp_expired");
    assert.equal(wrong.error?.message, "Token has expired or is invalid");

    const ok = await sb.auth.verifyOtp({ email: addr, token: msg.token, type: "email" });
    assert.equal(ok.error, null);
    assert.equal(ok.data.user?.email, addr);
    assert.ok(ok.data.user?.email_confirmed_at);
    const claims = JSON.parse(Buffer.from(ok.data.session!.access_token.split(".")[1]!, "base64url").toString());
    assert.equal(claims.amr[0].method, "otp");

    const again = await client(s).auth.verifyOtp({ email: addr, token: msg.token, type: "email" });
    assert.equal(again.error?.code, "otp_expired", "a code works once");
  });

  test("an existing password user logs in by code as the same user; the password still works", async () => {
    const addr = email("otp-pw");
    const signup = await client(s).auth.signUp({ email: addr, password: "secret123" });
    assert.equal(signup.error, null);
    const sb = client(s);
    assert.equal((await sb.auth.signInWithOtp({ email: addr, options: { shouldCreateUser: false } })).error, null);
    const msg = await lastMessage(s, addr);
    const ok = await sb.auth.verifyOtp({ email: addr, token: msg.token, type: "magiclink" });
    assert.equal(ok.error, null);
    assert.equal(ok.data.user?.id, signup.data.user?.id);
    const pw = await client(s).auth.signInWithPassword({ email: addr, password: "secret123" });
    assert.equal(pw.data.user?.id, signup.data.user?.id);
  });

  test("create_user:false for an unknown address is otp_disabled; no message is sent", async () => {
    const addr = email("otp-none");
    const r = await client(s).auth.signInWithOtp({ email: addr, options: { shouldCreateUser: false } });
    assert.equal(r.error?.status, 422);
    assert.equal(r.error?.code, "otp_disabled");
    assert.equal(r.error?.message, "Signups not allowed for otp");
    assert.deepEqual(await outbox(s, addr), []);
  });

  test("a second code within the resend interval is refused; the first one still works", async () => {
    const addr = email("otp-resend");
    const sb = client(s);
    assert.equal((await sb.auth.signInWithOtp({ email: addr })).error, null);
    const first = await lastMessage(s, addr);
    const second = await sb.auth.signInWithOtp({ email: addr });
    assert.equal(second.error?.status, 429);
    assert.equal(second.error?.code, "over_email_send_rate_limit");
    assert.equal((await sb.auth.verifyOtp({ email: addr, token: first.token, type: "email" })).error, null);
  });

  test("bad input: GoTrue's validation errors", async () => {
    const noEmail = await raw(s, "POST", "/otp", { body: JSON.stringify({}), headers: V2024 });
    assert.equal(noEmail.status, 400);
    assert.equal(noEmail.json.code, "validation_failed");
    const badEmail = await raw(s, "POST", "/otp", { body: JSON.stringify({ email: "nope" }), headers: V2024 });
    assert.equal(badEmail.status, 400);
    assert.equal(badEmail.json.code, "validation_failed");
    const badType = await raw(s, "POST", "/otp", {
      body: JSON.stringify({ email: email("t"), create_user: "yes" }),
      headers: V2024,
    });
    assert.equal(badType.status, 400);
    assert.equal(badType.json.code, "bad_json");
  });

  test("the emailed link logs in too (session in the fragment), once", async () => {
    const addr = email("otp-link");
    assert.equal((await client(s).auth.signInWithOtp({ email: addr })).error, null);
    const { link } = await lastMessage(s, addr);
    const followed = await fetch(link, { redirect: "manual" });
    assert.equal(followed.status, 303);
    const fragment = new URLSearchParams(new URL(followed.headers.get("location") ?? "").hash.slice(1));
    assert.equal(fragment.get("type"), "magiclink");
    assert.ok(fragment.get("access_token"));
    const reused = await fetch(link, { redirect: "manual" });
    const err = new URLSearchParams(new URL(reused.headers.get("location") ?? "").hash.slice(1));
    assert.equal(err.get("error_code"), "otp_expired");
  });

  test("with email confirmation on, a new address gets the signup code, which verifyOtp type email accepts", async () => {
    const addr = email("otp-confirm");
    const sb = client(confirming);
    assert.equal((await sb.auth.signInWithOtp({ email: addr })).error, null);
    const msg = await lastMessage(confirming, addr);
    assert.equal(msg.type, "signup");
    const ok = await sb.auth.verifyOtp({ email: addr, token: msg.token, type: "email" });
    assert.equal(ok.error, null);
    assert.ok(ok.data.user?.email_confirmed_at);
  });
});

describe("OTP expiry", () => {
  test("a code older than otpTtl is otp_expired", async () => {
    const addr = email("otp-late");
    const sb = client(shortLived);
    assert.equal((await sb.auth.signInWithOtp({ email: addr })).error, null);
    const msg = await lastMessage(shortLived, addr);
    await sleep(1_300);
    const late = await sb.auth.verifyOtp({ email: addr, token: msg.token, type: "email" });
    assert.equal(late.error?.status, 403);
    assert.equal(late.error?.code, "otp_expired");
  });
});
