/**
 * TOTP MFA through the local Supabase Auth with the unmodified supabase-js client: enroll (secret,
 * otpauth:// URI, a scannable SVG QR code), challenge, verify (the same session at aal2 with a
 * totp AMR entry), refresh keeping aal2, unenroll needing aal2, the admin factor API, GoTrue's
 * limits and errors, and ours: a code is accepted once, five wrong codes for a factor void its
 * challenges and hold it for a challenge's lifetime.
 * Codes are computed with otpauth, as an authenticator app would.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { SupabaseClient } from "@supabase/supabase-js";
import { Secret, TOTP } from "otpauth";
import { decodeQR } from "qr/decode.js";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { client, email, raw, V2024 } from "./local-supabase-kit.js";

let s: LocalSupabase;
before(async () => {
  s = await startLocalSupabase({ port: 0 });
});
after(async () => {
  await s?.stop();
});

const PASSWORD = "correct-horse-7";

function claimsOf(jwt: string): Record<string, unknown> & { aal: string; amr: { method: string }[] } {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as never;
}

/**
 * An authenticator for one secret. The server accepts each time step once, so each code is for
 * a step after the last one used: the current step, else the next (within the one-step skew),
 * else it waits for the clock.
 */
function authenticator(secret: string) {
  let last = -Infinity;
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 });
  return {
    async code(): Promise<string> {
      for (;;) {
        const now = Math.floor(Date.now() / 30_000);
        const step = Math.max(now, last + 1);
        if (step <= now + 1) {
          last = step;
          return totp.generate({ timestamp: step * 30_000 });
        }
        await sleep(500);
      }
    },
    /** A code the server has already accepted. */
    used(): string {
      return totp.generate({ timestamp: last * 30_000 });
    },
  };
}

async function signedIn(tag: string): Promise<{ sb: SupabaseClient; addr: string }> {
  const addr = email(tag);
  const sb = client(s);
  const { error } = await sb.auth.signUp({ email: addr, password: PASSWORD });
  assert.equal(error, null);
  return { sb, addr };
}

async function logIn(addr: string): Promise<SupabaseClient> {
  const sb = client(s);
  const { error } = await sb.auth.signInWithPassword({ email: addr, password: PASSWORD });
  assert.equal(error, null);
  return sb;
}

async function accessToken(sb: SupabaseClient): Promise<string> {
  const { data } = await sb.auth.getSession();
  assert.ok(data.session);
  return data.session.access_token;
}

/** A user with a verified factor, signed in at aal2 in `sb`. */
async function mfaUser(tag: string) {
  const { sb, addr } = await signedIn(tag);
  const enrolled = await sb.auth.mfa.enroll({ factorType: "totp" });
  assert.equal(enrolled.error, null);
  const factorId = enrolled.data!.id;
  const app = authenticator(enrolled.data!.totp.secret);
  const verified = await sb.auth.mfa.challengeAndVerify({ factorId, code: await app.code() });
  assert.equal(verified.error, null);
  return { sb, addr, factorId, app };
}

/** The audit log (GET /admin/audit) for `query`, newest first. */
async function auditOf(query: string): Promise<{ payload: Record<string, unknown>; ip_address: string }[]> {
  const r = await raw(s, "GET", `/admin/audit?per_page=1000&query=${encodeURIComponent(query)}`, {
    apikey: s.serviceRoleKey,
    bearer: s.serviceRoleKey,
  });
  assert.equal(r.status, 200);
  return JSON.parse(r.text) as never;
}

/** Rasterises the SVG's black rects and reads the QR code back. */
function scanSvg(svg: string): string {
  const size = Number(/<svg width="(\d+)"/.exec(svg)?.[1]);
  const pixels = new Uint8Array(size * size * 3).fill(255);
  for (const m of svg.matchAll(/<rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)" style="fill:black/g)) {
    const [x, y, w, h] = m.slice(1).map(Number) as [number, number, number, number];
    for (let yy = y; yy < y + h; yy++) pixels.fill(0, (yy * size + x) * 3, (yy * size + x + w) * 3);
  }
  return decodeQR({ width: size, height: size, data: pixels }, { format: "RGB" });
}

describe("enroll, challenge, verify with supabase-js", () => {
  test("enroll returns GoTrue's secret, otpauth URI and SVG QR code; verify raises the same session to aal2", async () => {
    const { sb, addr } = await signedIn("mfa-enroll");
    const before = await sb.auth.getSession();
    const aal1 = claimsOf(before.data.session!.access_token);
    assert.equal(aal1.aal, "aal1");

    const enrolled = await sb.auth.mfa.enroll({ factorType: "totp", friendlyName: "phone" });
    assert.equal(enrolled.error, null);
    const data = enrolled.data!;
    assert.equal(data.type, "totp");
    assert.equal(data.friendly_name, "phone");
    assert.match(data.totp.secret, /^[A-Z2-7]{32}$/);
    const site = "127.0.0.1:3000"; // the default site URL's host is the issuer
    assert.equal(
      data.totp.uri,
      `otpauth://totp/${site}:${addr}?algorithm=SHA1&digits=6&issuer=127.0.0.1:3000&period=30&secret=${data.totp.secret}`,
    );
    const prefix = 'data:image/svg+xml;utf-8,<?xml version="1.0"?>\n<!-- Generated by SVGo -->\n<svg width="';
    assert.ok(data.totp.qr_code.startsWith(prefix), "supabase-js's data: URL around GoTrue's SVGo text");
    assert.equal(scanSvg(data.totp.qr_code.slice("data:image/svg+xml;utf-8,".length)), data.totp.uri);

    const listed = await sb.auth.mfa.listFactors();
    assert.equal(listed.error, null);
    assert.deepEqual(
      listed.data!.all.map((f) => [f.id, f.status, f.factor_type, f.friendly_name]),
      [[data.id, "unverified", "totp", "phone"]],
    );
    assert.equal(listed.data!.totp.length, 0, "only verified factors are listed by type");

    const challenge = await sb.auth.mfa.challenge({ factorId: data.id });
    assert.equal(challenge.error, null);
    assert.equal(challenge.data!.type, "totp");
    const expiresIn = challenge.data!.expires_at - Date.now() / 1000;
    assert.ok(expiresIn > 290 && expiresIn <= 301, `challenge expires in 300 s, got ${expiresIn}`);

    const app = authenticator(data.totp.secret);
    const good = await app.code();
    const wrong = await sb.auth.mfa.verify({
      factorId: data.id,
      challengeId: challenge.data!.id,
      code: good === "000000" ? "111111" : "000000",
    });
    assert.equal(wrong.error?.status, 422);
    assert.equal(wrong.error?.code, "mfa_verification_failed");
    assert.equal(wrong.error?.message, "Invalid TOTP code entered");

    const ok = await sb.auth.mfa.verify({ factorId: data.id, challengeId: challenge.data!.id, code: good });
    assert.equal(ok.error, null);
    const claims = claimsOf(ok.data!.access_token);
    assert.equal(claims.aal, "aal2");
    assert.equal(claims.amr[0]?.method, "totp", "newest first");
    assert.deepEqual(claims.amr.map((e) => e.method).sort(), ["password", "totp"]);
    assert.equal(claims.session_id, aal1.session_id, "the same session, raised");
    assert.notEqual(ok.data!.refresh_token, before.data.session!.refresh_token, "the refresh token is rotated");

    const level = await sb.auth.mfa.getAuthenticatorAssuranceLevel();
    assert.equal(level.data?.currentLevel, "aal2");
    assert.equal(level.data?.nextLevel, "aal2");
    assert.equal((level.data?.currentAuthenticationMethods[0] as { method: string } | undefined)?.method, "totp");
    const after = await sb.auth.mfa.listFactors();
    assert.deepEqual(
      after.data!.totp.map((f) => [f.id, f.status]),
      [[data.id, "verified"]],
    );

    // a refresh keeps aal2: claims come from the session's AMR entries
    const refreshed = await sb.auth.refreshSession();
    assert.equal(refreshed.error, null);
    assert.equal(claimsOf(refreshed.data.session!.access_token).aal, "aal2");

    // the aal1 refresh token from before the step-up cannot obtain the aal2 session
    const stale = await raw(s, "POST", "/token?grant_type=refresh_token", {
      body: JSON.stringify({ refresh_token: before.data.session!.refresh_token }),
      headers: V2024,
    });
    assert.equal(stale.status, 400);
    assert.equal(stale.json.code, "refresh_token_already_used");
  });

  test("a code is accepted once, also on a new challenge", async () => {
    const { sb, factorId, app } = await mfaUser("mfa-replay");
    const again = await sb.auth.mfa.challengeAndVerify({ factorId, code: app.used() });
    assert.equal(again.error?.code, "mfa_verification_failed");
    const fresh = await sb.auth.mfa.challengeAndVerify({ factorId, code: await app.code() });
    assert.equal(fresh.error, null, "the next time step's code works");
  });
});

describe("aal1 sessions of a user with a verified factor", () => {
  test("a password login is aal1 with aal2 next; aal2 is needed to change the password, enroll or unenroll; verifying ends the other aal1 sessions", async () => {
    const { addr, factorId, app } = await mfaUser("mfa-aal1");
    const sb = await logIn(addr);
    const other = await logIn(addr);
    const token = await accessToken(sb);
    assert.equal(claimsOf(token).aal, "aal1");
    const level = await sb.auth.mfa.getAuthenticatorAssuranceLevel();
    assert.equal(level.data?.currentLevel, "aal1");
    assert.equal(level.data?.nextLevel, "aal2");

    const pw = await sb.auth.updateUser({ password: "another-pass-9" });
    assert.equal(pw.error?.status, 401);
    assert.equal(pw.error?.code, "insufficient_aal");
    assert.equal(pw.error?.message, "AAL2 session is required to update email or password when MFA is enabled.");
    const meta = await sb.auth.updateUser({ data: { nick: "a" } });
    assert.equal(meta.error, null, "metadata needs no aal2");

    const second = await sb.auth.mfa.enroll({ factorType: "totp", friendlyName: "second" });
    assert.equal(second.error?.status, 403);
    assert.equal(second.error?.code, "insufficient_aal");
    assert.equal(second.error?.message, "AAL2 required to enroll a new factor");

    const remove = await sb.auth.mfa.unenroll({ factorId });
    assert.equal(remove.error?.status, 422);
    assert.equal(remove.error?.code, "insufficient_aal");
    assert.equal(remove.error?.message, "AAL2 required to unenroll verified factor");

    const up = await sb.auth.mfa.challengeAndVerify({ factorId, code: await app.code() });
    assert.equal(up.error, null);
    assert.equal(claimsOf(up.data!.access_token).aal, "aal2");
    const otherUser = await raw(s, "GET", "/user", { bearer: await accessToken(other), headers: V2024 });
    assert.equal(otherUser.status, 403);
    assert.equal(otherUser.json.code, "session_not_found", "the other aal1 session ended");

    const changed = await sb.auth.updateUser({ password: "another-pass-9" });
    assert.equal(changed.error, null, "aal2 may change the password");
  });

  test("unenroll at aal2 removes the factor and drops the session to aal1 at its next refresh", async () => {
    const { sb, factorId, addr } = await mfaUser("mfa-unenroll");
    const removed = await sb.auth.mfa.unenroll({ factorId });
    assert.equal(removed.error, null);
    assert.deepEqual(removed.data, { id: factorId });
    assert.equal(claimsOf(await accessToken(sb)).aal, "aal2", "the current token keeps its claims");
    const refreshed = await sb.auth.refreshSession();
    assert.equal(refreshed.error, null);
    const claims = claimsOf(refreshed.data.session!.access_token);
    assert.equal(claims.aal, "aal1");
    assert.deepEqual(
      claims.amr.map((e) => e.method),
      ["password"],
    );
    assert.equal((await sb.auth.mfa.listFactors()).data!.all.length, 0);
    const user = await raw(s, "GET", "/user", { bearer: refreshed.data.session!.access_token });
    assert.equal("factors" in user.json, false, "GoTrue omits an empty factor list");

    // the audit log has GoTrue's factor events, from the client's address
    const factorEvents = (await auditOf(`author:${addr}`)).filter((e) => e.payload.log_type === "factor");
    assert.deepEqual(
      factorEvents.map((e) => e.payload.action),
      ["factor_unenrolled", "verification_attempted", "challenge_created", "factor_in_progress"],
    );
    const unenrolled = factorEvents[0]!;
    assert.deepEqual(Object.keys(unenrolled.payload.traits as object), ["factor_id", "factor_status", "session_id"]);
    assert.equal((unenrolled.payload.traits as Record<string, unknown>).factor_status, "verified");
    assert.match(unenrolled.ip_address, /127\.0\.0\.1/);
  });
});

describe("admin factor API", () => {
  test("auth.admin.mfa.listFactors and deleteFactor; a deleted factor's sessions drop to aal1", async () => {
    const { sb, factorId } = await mfaUser("mfa-admin");
    const { data: me } = await sb.auth.getUser();
    const admin = client(s, s.serviceRoleKey);
    const listed = await admin.auth.admin.mfa.listFactors({ userId: me.user!.id });
    assert.equal(listed.error, null);
    assert.deepEqual(
      listed.data!.factors.map((f) => [f.id, f.status, f.factor_type]),
      [[factorId, "verified", "totp"]],
    );
    const renamed = await raw(s, "PUT", `/admin/users/${me.user!.id}/factors/${factorId}`, {
      apikey: s.serviceRoleKey,
      bearer: s.serviceRoleKey,
      body: JSON.stringify({ friendly_name: "work phone" }),
    });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.json.friendly_name, "work phone");

    const deleted = await admin.auth.admin.mfa.deleteFactor({ userId: me.user!.id, id: factorId });
    assert.equal(deleted.error, null);
    // supabase-js wraps the deleted factor GoTrue answers with as { data, error }
    assert.equal((deleted.data as unknown as { data: { id: string } }).data.id, factorId);
    const refreshed = await sb.auth.refreshSession();
    assert.equal(claimsOf(refreshed.data.session!.access_token).aal, "aal1");
    const none = await admin.auth.admin.mfa.listFactors({ userId: me.user!.id });
    assert.deepEqual(none.data!.factors, []);

    const deletedEvent = (await auditOf("action:factor_deleted")).find(
      (e) => (e.payload.traits as Record<string, unknown>).factor_id === factorId,
    );
    assert.equal(deletedEvent?.payload.actor_id, me.user!.id, "GoTrue records the deletion as the user's");
    const updatedEvent = (await auditOf("action:factor_updated")).find(
      (e) => (e.payload.traits as Record<string, unknown>).factor_id === factorId,
    );
    assert.equal(updatedEvent?.payload.actor_username, "service_role");
    assert.equal((updatedEvent?.payload.traits as Record<string, unknown> | undefined)?.factor_type, "totp");

    const missing = await admin.auth.admin.mfa.deleteFactor({ userId: me.user!.id, id: factorId });
    assert.equal(missing.error?.status, 404);
    assert.equal(missing.error?.code, "mfa_factor_not_found");
    const badUser = await raw(s, "GET", "/admin/users/not-a-uuid/factors", {
      apikey: s.serviceRoleKey,
      bearer: s.serviceRoleKey,
    });
    assert.equal(badUser.status, 404);
    assert.equal(badUser.json.error_code, "validation_failed");
    const asUser = await raw(s, "GET", `/admin/users/${me.user!.id}/factors`, { bearer: await accessToken(sb) });
    assert.equal(asUser.status, 403);
    assert.equal(asUser.json.error_code, "not_admin");
  });
});

describe("GoTrue's limits and errors, and ours", () => {
  test("friendly names are unique per user (two unnamed factors collide); at most 10 factors", async () => {
    const { sb } = await signedIn("mfa-limits");
    assert.equal((await sb.auth.mfa.enroll({ factorType: "totp" })).error, null);
    const unnamed = await sb.auth.mfa.enroll({ factorType: "totp" });
    assert.equal(unnamed.error?.status, 422);
    assert.equal(unnamed.error?.code, "mfa_factor_name_conflict");
    assert.equal(unnamed.error?.message, 'A factor with the friendly name "" for this user already exists');
    for (let i = 1; i < 10; i++) {
      assert.equal((await sb.auth.mfa.enroll({ factorType: "totp", friendlyName: `f${i}` })).error, null);
    }
    const tooMany = await sb.auth.mfa.enroll({ factorType: "totp", friendlyName: "f10" });
    assert.equal(tooMany.error?.status, 422);
    assert.equal(tooMany.error?.code, "too_many_enrolled_mfa_factors");
    const badType = await sb.auth.mfa.enroll({ factorType: "sms" as "totp" });
    assert.equal(badType.error?.status, 400);
    assert.equal(badType.error?.code, "validation_failed");
    const phone = await sb.auth.mfa.enroll({ factorType: "phone", phone: "+15555550100" });
    assert.equal(phone.error?.code, "mfa_phone_enroll_not_enabled");
  });

  test("factor and challenge lookups: not a UUID, someone else's, a verified challenge, an empty code", async () => {
    const alice = await mfaUser("mfa-errors-a");
    const bob = await signedIn("mfa-errors-b");
    const notMine = await bob.sb.auth.mfa.challenge({ factorId: alice.factorId });
    assert.equal(notMine.error?.status, 404);
    assert.equal(notMine.error?.code, "mfa_factor_not_found");
    const notUuid = await bob.sb.auth.mfa.challenge({ factorId: "nope" });
    assert.equal(notUuid.error?.status, 404);
    assert.equal(notUuid.error?.code, "validation_failed");

    const c = await alice.sb.auth.mfa.challenge({ factorId: alice.factorId });
    const empty = await alice.sb.auth.mfa.verify({ factorId: alice.factorId, challengeId: c.data!.id, code: "" });
    assert.equal(empty.error?.status, 400);
    assert.equal(empty.error?.code, "validation_failed");
    const ok = await alice.sb.auth.mfa.verify({
      factorId: alice.factorId,
      challengeId: c.data!.id,
      code: await alice.app.code(),
    });
    assert.equal(ok.error, null);
    const reused = await alice.sb.auth.mfa.verify({
      factorId: alice.factorId,
      challengeId: c.data!.id,
      code: "123456",
    });
    assert.equal(reused.error?.code, "mfa_ip_address_mismatch", "GoTrue's answer for a verified challenge");
    const unknown = await alice.sb.auth.mfa.verify({
      factorId: alice.factorId,
      challengeId: "00000000-0000-4000-8000-000000000000",
      code: "123456",
    });
    assert.equal(unknown.error?.status, 422);
    assert.equal(unknown.error?.code, "mfa_factor_not_found");
  });

  test("five wrong codes void the challenge: the right code then finds it expired, also on a new challenge", async () => {
    const { sb } = await signedIn("mfa-void");
    const e = await sb.auth.mfa.enroll({ factorType: "totp" });
    const factorId = e.data!.id;
    const app = authenticator(e.data!.totp.secret);
    const user = await raw(s, "GET", "/user", { bearer: await accessToken(sb) });
    assert.equal(user.text.includes(e.data!.totp.secret), false, "the user JSON never carries the TOTP secret");
    const c = await sb.auth.mfa.challenge({ factorId });
    const right = await app.code();
    for (let i = 0; i < 5; i++) {
      const code = String(100000 + i) === right ? "999999" : String(100000 + i);
      const wrong = await sb.auth.mfa.verify({ factorId, challengeId: c.data!.id, code });
      assert.equal(wrong.error?.code, "mfa_verification_failed");
    }
    const voided = await sb.auth.mfa.verify({ factorId, challengeId: c.data!.id, code: right });
    assert.equal(voided.error?.status, 422);
    assert.equal(voided.error?.code, "mfa_challenge_expired");
    assert.match(voided.error?.message ?? "", /verify against another challenge or create a new challenge/);
    const next = await sb.auth.mfa.challengeAndVerify({ factorId, code: right });
    assert.equal(next.error?.code, "mfa_challenge_expired", "the factor is held: a new challenge does not take it");
  });

  test("wrong codes count per factor: a stolen password cannot guess on with a new challenge after every four", async () => {
    const victim = await mfaUser("mfa-spread");
    const attacker = await logIn(victim.addr); // the password is all the attacker has: an aal1 session
    const right = await victim.app.code(); // kept as text: a refused code is not used up
    const guess = (i: number) => (String(200000 + i) === right ? "999999" : String(200000 + i));
    const first = await attacker.auth.mfa.challenge({ factorId: victim.factorId });
    for (let i = 0; i < 4; i++) {
      const r = await attacker.auth.mfa.verify({
        factorId: victim.factorId,
        challengeId: first.data!.id,
        code: guess(i),
      });
      assert.equal(r.error?.code, "mfa_verification_failed");
    }
    const second = await attacker.auth.mfa.challenge({ factorId: victim.factorId });
    assert.equal(second.error, null, "creating a challenge is GoTrue's, unchanged");
    const fifth = await attacker.auth.mfa.verify({
      factorId: victim.factorId,
      challengeId: second.data!.id,
      code: guess(4),
    });
    assert.equal(fifth.error?.code, "mfa_verification_failed");
    for (const c of [first.data!.id, second.data!.id]) {
      const voided = await attacker.auth.mfa.verify({ factorId: victim.factorId, challengeId: c, code: right });
      assert.equal(voided.error?.status, 422, "the fifth wrong code voids every open challenge of the factor");
      assert.equal(voided.error?.code, "mfa_challenge_expired");
    }
    const fresh = await attacker.auth.mfa.challengeAndVerify({ factorId: victim.factorId, code: right });
    assert.equal(fresh.error?.code, "mfa_challenge_expired", "a new challenge brings no new tries");
    assert.match(fresh.error?.message ?? "", /has expired, verify against another challenge or create a new challenge/);
    const claims = claimsOf((await attacker.auth.getSession()).data.session!.access_token);
    assert.equal(claims.aal, "aal1");
  });
});
