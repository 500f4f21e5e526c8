/**
 * Issue #14's findings against the local Supabase Auth server, end to end through the real
 * server and the unmodified supabase-js client: the dev outbox needs the service_role key (2),
 * code guessing on /verify is limited (3), a refresh-token family ends at detected reuse (4),
 * an unknown email costs a login the same bcrypt work as a wrong password (5), and a token has
 * one spelling (6). One server for the file, a second with GoTrue's default limits for the
 * rate-limit count.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { BCRYPT_COMPARE_CHANNEL } from "../../src/local-supabase/password.js";
import { client, email, outbox, raw, V2024 } from "./local-supabase-kit.js";

let s: LocalSupabase;

before(async () => {
  // GoTrue's default limits; no send interval, so a new code can be asked for at once; a short
  // refresh-token reuse interval to step past
  s = await startLocalSupabase({ port: 0, emailMaxFrequency: 0, refreshTokenReuseInterval: 1 });
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

async function lastCode(to: string): Promise<string> {
  const code = (await outbox(s, to)).at(-1)?.token;
  assert.match(code ?? "", /^\d{6}$/);
  return code as string;
}

/** Six-digit codes other than `right`. */
function wrongCodes(right: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const c = String((Number(right) + 1 + i * 7919) % 1_000_000).padStart(6, "0");
    if (c !== right) out.push(c);
  }
  return out;
}

/** A call to /verify from another loopback address: a second client of the per-IP limiter. */
function verifyFrom(
  localAddress: string,
  body: Record<string, string> | URLSearchParams,
): Promise<{ status: number; json: unknown }> {
  const url = new URL(`${s.url}/auth/v1/verify`);
  const get = body instanceof URLSearchParams;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: get ? `${url.pathname}?${body}` : url.pathname,
        method: get ? "GET" : "POST",
        localAddress,
        headers: { apikey: s.anonKey, ...V2024 },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString() || "null") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(get ? undefined : JSON.stringify(body));
  });
}

describe("#14.3 code guessing on /verify", () => {
  test("the fifth wrong code for an address voids its code; a new code survives four wrong ones", async () => {
    const addr = email("guess");
    const other = email("guess-other");
    const sb = client(s);
    assert.equal((await sb.auth.signInWithOtp({ email: addr })).error, null);
    assert.equal((await sb.auth.signInWithOtp({ email: other })).error, null);
    const code = await lastCode(addr);
    const otherCode = await lastCode(other);
    for (const wrong of wrongCodes(code, 5)) {
      const r = await sb.auth.verifyOtp({ email: addr, token: wrong, type: "email" });
      assert.equal(r.error?.status, 403);
      assert.equal(r.error?.code, "otp_expired");
    }
    const voided = await sb.auth.verifyOtp({ email: addr, token: code, type: "email" });
    assert.equal(voided.error?.code, "otp_expired", "the right code no longer works");
    assert.equal(voided.error?.message, "Token has expired or is invalid");
    const link = (await outbox(s, addr)).at(-1)?.link ?? "";
    const followed = await fetch(link, { redirect: "manual" });
    assert.match(followed.headers.get("location") ?? "", /error_code=otp_expired/, "nor its link");

    const untouched = await sb.auth.verifyOtp({ email: other, token: otherCode, type: "email" });
    assert.equal(untouched.error, null, "another address keeps its code");

    assert.equal((await sb.auth.signInWithOtp({ email: addr })).error, null);
    const fresh = await lastCode(addr);
    for (const wrong of wrongCodes(fresh, 4)) {
      assert.equal((await sb.auth.verifyOtp({ email: addr, token: wrong, type: "email" })).error?.code, "otp_expired");
    }
    const ok = await sb.auth.verifyOtp({ email: addr, token: fresh, type: "email" });
    assert.equal(ok.error, null, "a new code, right within five tries");
    assert.ok(ok.data.session?.access_token);
  });

  test("parallel guesses check no more than five codes", async () => {
    const addr = email("guess-parallel");
    const sb = client(s);
    assert.equal((await sb.auth.signInWithOtp({ email: addr })).error, null);
    const code = await lastCode(addr);
    const answers = await Promise.all(
      wrongCodes(code, 6).map((wrong) => sb.auth.verifyOtp({ email: addr, token: wrong, type: "email" })),
    );
    for (const a of answers) assert.equal(a.error?.code, "otp_expired");
    const late = await sb.auth.verifyOtp({ email: addr, token: code, type: "email" });
    assert.equal(late.error?.code, "otp_expired");
  });

  test("GoTrue's per-client limit: 30 verifications per 5 minutes, then 429 over_request_rate_limit", {
    skip: process.platform !== "linux" && "needs a second loopback address (127.0.0.2)",
  }, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await verifyFrom("127.0.0.2", { type: "email", email: email("rl"), token: "123456" });
      statuses.push(r.status);
    }
    assert.deepEqual(new Set(statuses), new Set([403]), "30 wrong codes are answered");
    const limited = await verifyFrom("127.0.0.2", { type: "email", email: email("rl"), token: "123456" });
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.json, { code: "over_request_rate_limit", message: "Request rate limit reached" });

    // the right code from the limited client is refused too; the link route shares the limit
    const addr = email("rl-right");
    assert.equal((await client(s).auth.signInWithOtp({ email: addr })).error, null);
    const code = await lastCode(addr);
    const refused = await verifyFrom("127.0.0.2", { type: "email", email: addr, token: code });
    assert.equal(refused.status, 429);
    const link = new URL((await outbox(s, addr)).at(-1)?.link ?? "");
    const linkRefused = await verifyFrom("127.0.0.2", link.searchParams);
    assert.equal(linkRefused.status, 429);
    assert.deepEqual(linkRefused.json, { code: "over_request_rate_limit", message: "Request rate limit reached" });
    // another client is not limited
    const ok = await client(s).auth.verifyOtp({ email: addr, token: code, type: "email" });
    assert.equal(ok.error, null);
  });
});

describe("#14.4 a refresh-token family ends at detected reuse", () => {
  const refresh = (token: string) =>
    raw(s, "POST", "/token?grant_type=refresh_token", {
      body: JSON.stringify({ refresh_token: token }),
      headers: V2024,
    });

  test("after r1 is replayed past the reuse interval, r3 and the session's access token are dead too", async () => {
    const addr = email("family");
    const { data } = await client(s).auth.signUp({ email: addr, password: "secret123" });
    const r1 = data.session!.refresh_token;
    const other = await client(s).auth.signInWithPassword({ email: addr, password: "secret123" });
    const second = await refresh(r1);
    const r2 = String(second.json.refresh_token);
    const third = await refresh(r2);
    assert.equal(third.status, 200);
    const r3 = String(third.json.refresh_token);
    const a3 = String(third.json.access_token);

    await sleep(1300); // past the 1 s reuse interval of r1's rotation
    const replay = await refresh(r1);
    assert.equal(replay.status, 400);
    assert.deepEqual(replay.json, {
      code: "refresh_token_already_used",
      message: "Invalid Refresh Token: Already Used",
    });

    // at once, inside any reuse window: the newest token of the family no longer refreshes
    const newest = await refresh(r3);
    assert.equal(newest.status, 400, "r3 must not refresh after reuse was detected");
    assert.equal(newest.json.code, "refresh_token_not_found");
    assert.equal((await refresh(r2)).status, 400);
    const viaClient = await client(s).auth.refreshSession({ refresh_token: r3 });
    assert.equal(viaClient.error?.status, 400);
    assert.equal(viaClient.data.session, null);
    const me = await raw(s, "GET", "/user", { bearer: a3, headers: V2024 });
    assert.equal(me.status, 403);
    assert.equal(me.json.code, "session_not_found", "the session is over, access tokens included");

    // the user's other session is not the stolen one
    const otherRefresh = await refresh(other.data.session!.refresh_token);
    assert.equal(otherRefresh.status, 200);
  });
});

describe("#14.5 login time does not tell which emails have accounts", () => {
  test("an unknown email, a passwordless account and a wrong password cost the same bcrypt work and get one answer", async () => {
    const known = email("timing");
    assert.equal((await client(s).auth.signUp({ email: known, password: "secret123" })).error, null);
    const passwordless = email("timing-otp"); // created by an emailed-code login: no password
    assert.equal((await client(s).auth.signInWithOtp({ email: passwordless })).error, null);

    const rounds: unknown[] = [];
    const onCompare = (message: unknown) => rounds.push((message as { rounds?: number }).rounds);
    subscribe(BCRYPT_COMPARE_CHANNEL, onCompare);
    try {
      const answers: unknown[] = [];
      for (const [who, addr] of [
        ["wrong password", known],
        ["unknown email", email("timing-nobody")],
        ["no password", passwordless],
      ] as const) {
        rounds.length = 0;
        const r = await client(s).auth.signInWithPassword({ email: addr, password: "wrong-password" });
        assert.equal(r.error?.status, 400, who);
        answers.push([r.error?.code, r.error?.message]);
        assert.deepEqual(rounds, [10], `${who}: one bcrypt comparison at cost 10`);
      }
      assert.deepEqual(new Set(answers.map((a) => JSON.stringify(a))).size, 1, "one answer for all three");
      assert.deepEqual(answers[0], ["invalid_credentials", "Invalid login credentials"]);
    } finally {
      unsubscribe(BCRYPT_COMPARE_CHANNEL, onCompare);
    }
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

/**
 * The outside review of the day's additions (recovery, email change, invites, generated links,
 * MFA): holes found with the anon key and an account, each shown here through the real server.
 */
describe("red team: guessing around the five-wrong-codes rule", () => {
  test("a link's token hash cannot be computed from the address and a guessed code", async () => {
    // GoTrue's token hash is sha224(email + code): anyone could turn each guess of a six-digit
    // code into a token_hash, and /verify cannot tell whose address a wrong hash was for, so
    // those guesses never counted against the address (20 wrong ones, then the right one, logged
    // in); only the per-client limit slowed them, and every loopback address is a client
    const victim = email("hash-victim");
    const sb = client(s);
    assert.equal((await sb.auth.signUp({ email: victim, password: "secret123" })).error, null);
    assert.equal((await sb.auth.resetPasswordForEmail(victim)).error, null);
    const mail = (await outbox(s, victim)).at(-1);
    assert.equal(mail?.type, "recovery");
    const linkToken = new URL(mail?.link ?? "").searchParams.get("token") ?? "";
    const computed = createHash("sha224")
      .update(victim + (mail?.token ?? ""))
      .digest("hex");
    assert.match(linkToken, /^[0-9a-f]{56}$/, "a token hash as GoTrue's looks");
    assert.notEqual(linkToken, computed, "the link's token must not follow from the address and the code");
    const guessed = await sb.auth.verifyOtp({ token_hash: computed, type: "recovery" });
    assert.equal(guessed.error?.code, "otp_expired", "a computed hash of the right code opens nothing");
    const followed = await sb.auth.verifyOtp({ token_hash: linkToken, type: "recovery" });
    assert.equal(followed.error, null, "the link itself works");
    assert.equal(followed.data.user?.email, victim);
  });
});
