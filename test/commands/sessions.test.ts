/**
 * What a new user trips over with sessions (#19 items 4-6), in process against the real local
 * Supabase Auth server: `status` asks the server whether each session is still alive (a session
 * ended elsewhere is exit 4, an unreachable server "could not check"), `whoami` says it did not
 * ask, `login --with-token` says what it stored and `logout` of such a profile only forgets it
 * unless --revoke, and keychain messages never contradict themselves or name flags the command
 * does not take. This process has no keychain (a D-Bus address that does not exist).
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { LocalSupabase } from "../../src/local-supabase/index.js";
import { type CommandWorld, startCommandWorld } from "../helpers/command-world.js";
import { startCountingProxy } from "../helpers/counting-proxy.js";

const USER = { email: "ada.sessions@example.com", password: "Ada-Sessions-Secret-1" };

interface StatusDoc {
  profiles: {
    name: string;
    logged_in: boolean;
    access_token_only: boolean | null;
    session: { state: string; reason: string | null } | null;
  }[];
}

describe("sessions as a new user meets them (#19 items 4-6)", () => {
  let world: CommandWorld;
  let supabase: LocalSupabase;
  let dir: string;
  const run: CommandWorld["run"] = (args, o) => world.run(args, o);
  const login = async (profile: string, extra: NodeJS.ProcessEnv = {}) => {
    const r = await run(["--profile", profile, "login", "--email", USER.email, "--password-stdin"], {
      stdin: `${USER.password}\n`,
      env: extra,
    });
    assert.equal(r.code, 0, r.stderr);
  };
  const sessionOf = async (profile: string, active = profile) => {
    const r = await run(["--profile", active, "--json", "status"]);
    const doc = JSON.parse(r.stdout) as StatusDoc;
    return { code: r.code, row: doc.profiles.find((p) => p.name === profile) };
  };

  before(async () => {
    world = await startCommandWorld("sessions");
    ({ supabase, dir } = world);
    const r = await run(["--profile", "laptop", "signup", "--email", USER.email, "--password-stdin"], {
      stdin: `${USER.password}\n`,
    });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => world?.stop());

  test("status asks the server: a session ended by `logout --all-devices` elsewhere is 'ended', exit 4; whoami says it did not ask", async () => {
    await login("desktop");
    const live = await sessionOf("laptop");
    assert.equal(live.code, 0);
    assert.deepEqual(live.row?.session, { state: "live", reason: null });

    const out = await run(["--profile", "desktop", "logout", "--all-devices"]);
    assert.equal(out.code, 0, out.stderr);

    // laptop still holds an access token valid for an hour; the server no longer knows its session
    const human = await run(["--profile", "laptop", "status"]);
    assert.equal(human.code, 4, "the active profile's session has ended");
    assert.match(
      human.stdout,
      /^ {2}session: {3}ended \(the session was revoked or logged out\); log in again with `lgauth login --profile laptop`$/m,
    );
    assert.deepEqual((await sessionOf("laptop")).row?.session, {
      state: "ended",
      reason: "the session was revoked or logged out",
    });
    // another profile's ended session does not fail the status of a profile that is fine
    await login("phone");
    const other = await sessionOf("laptop", "phone");
    assert.equal(other.code, 0);
    assert.equal(other.row?.session?.state, "ended");

    const who = await run(["--profile", "laptop", "whoami"]);
    assert.equal(who.code, 0, "whoami stays offline");
    assert.match(who.stdout, /^ada\.sessions@example\.com \(.{36}\) on profile "laptop"/);
    assert.match(
      who.stdout,
      /^\(from stored state, not checked with the server; `lgauth status` checks the session\)$/m,
    );
  });

  test("status of a server that cannot be reached says 'could not check' (exit 0); no session at all is exit 4", async () => {
    const proxy = await startCountingProxy(supabase.url);
    await login("train", { SUPABASE_URL: proxy.url });
    assert.equal((await sessionOf("train")).row?.session?.state, "live");
    await proxy.close();
    const r = await run(["--profile", "train", "status"]);
    assert.equal(r.code, 0, "offline is not a failure");
    assert.match(
      r.stdout,
      new RegExp(`^ {2}session: {3}could not check \\(.*${proxy.url.replace(/\./g, "\\.")}.*\\)$`, "m"),
    );
    const nobody = await run(["--profile", "nobody", "status"]);
    assert.equal(nobody.code, 4, "the active profile is not logged in");
    assert.match(nobody.stdout, /^nobody \(active\)\n {2}not logged in$/m);
  });

  test("login --with-token says it stored an access token only; logout forgets it and revokes only with --revoke", async () => {
    await login("source");
    const token = (await run(["--profile", "source", "token"])).stdout.trim();
    const ci = await run(["--profile", "ci", "login", "--with-token"], { stdin: `${token}\n` });
    assert.equal(ci.code, 0, ci.stderr);
    assert.match(
      ci.stdout,
      /^Logged in as ada\.sessions@example\.com on profile "ci" with an access token only, stored in a plain file \(0600\): no refresh token, so it cannot be renewed; it expires in (59|60) min \(\d{4}-\d\d-\d\dT[\d:.]+Z\), then log in again\.\n$/,
    );
    assert.doesNotMatch(ci.stdout, /refresh token in/);
    const row = (await sessionOf("ci")).row;
    assert.equal(row?.access_token_only, true);
    assert.equal(row?.session?.state, "live");
    const statusText = (await run(["--profile", "ci", "status"])).stdout;
    assert.match(statusText, /^ {2}token: {5}access token only \(--with-token, no refresh token\) expires in/m);
    assert.doesNotMatch(statusText, /no refresh token in the store/);

    const forget = await run(["--profile", "ci", "logout"]);
    assert.equal(forget.code, 0, forget.stderr);
    assert.match(forget.stdout, /^Forgot the access token of profile "ci" .*not revoked.*--revoke/);
    assert.equal(forget.stderr, "", "not revoking what was not asked is no failure to warn about");
    assert.equal((await sessionOf("source")).row?.session?.state, "live", "the session the token came from lives on");
    assert.equal((await run(["--profile", "ci", "whoami"])).code, 4, "forgotten here");

    const again = await run(["--profile", "ci", "--json", "login", "--with-token"], { stdin: `${token}\n` });
    assert.equal((JSON.parse(again.stdout) as { refresh_token: boolean }).refresh_token, false);
    const revoke = await run(["--profile", "ci", "--json", "logout", "--revoke"]);
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.deepEqual(JSON.parse(revoke.stdout), {
      profile: "ci",
      was_logged_in: true,
      revoked: true,
      scope: "local",
      tokens_removed: true,
      access_token_only: true,
    });
    assert.equal((await sessionOf("source")).row?.session?.state, "ended", "--revoke ended that session");
  });

  test("logging in as another user on a profile that has one asks first on a terminal, needs --force in scripts (#19 item 8)", async () => {
    const other = { email: "bea.sessions@example.com", password: "Bea-Sessions-Secret-2" };
    const made = await run(["--profile", "bea", "signup", "--email", other.email, "--password-stdin"], {
      stdin: `${other.password}\n`,
    });
    assert.equal(made.code, 0, made.stderr);
    await login("shared");
    const emailOf = async () =>
      (JSON.parse((await run(["--profile", "shared", "--json", "whoami"])).stdout) as { email: string }).email;
    const asBea = ["--profile", "shared", "login", "--email", other.email, "--password-stdin"];

    const script = await run(asBea, { stdin: `${other.password}\n` });
    assert.equal(script.code, 2, script.stderr);
    assert.equal(
      script.stderr,
      `lgauth: profile "shared" is logged in as ${USER.email}, not ${other.email} (pass --force to replace that login, or log in on another profile with --profile <name>)\n`,
    );
    const token = (await run(["--profile", "bea", "token"])).stdout.trim();
    const withToken = await run(["--profile", "shared", "login", "--with-token"], { stdin: `${token}\n` });
    assert.equal(withToken.code, 2, "a token's claims name its user before anything is sent");
    assert.equal(await emailOf(), USER.email);

    const no = await run(["--profile", "shared", "login", "--email", other.email], { tty: true, answers: [false] });
    assert.deepEqual(no.asked, [
      `Profile "shared" is logged in as ${USER.email}. Replace that login with ${other.email}?`,
    ]);
    assert.equal(no.code, 1);
    assert.match(no.stderr, /^lgauth: kept profile "shared" logged in as ada\.sessions@example\.com /);
    assert.equal(await emailOf(), USER.email);

    const same = await run(["--profile", "shared", "login", "--email", USER.email.toUpperCase()], {
      tty: true,
      answers: [USER.password],
    });
    assert.deepEqual(same.asked, ["Password:"], "the same user logs in again without a question");

    const yes = await run(["--profile", "shared", "login", "--email", other.email], {
      tty: true,
      answers: [true, other.password],
    });
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal(await emailOf(), other.email);
    const forced = await run(["--profile", "shared", "login", "--email", USER.email, "--password-stdin", "--force"], {
      stdin: `${USER.password}\n`,
    });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(await emailOf(), USER.email);
  });

  test("no keychain: status does not say both that the keychain answered and that there is none; token names no flag it lacks", async () => {
    const file = join(dir, "config", "config.json");
    const config = JSON.parse(await import("node:fs/promises").then((fs) => fs.readFile(file, "utf8"))) as {
      profiles: Record<string, unknown>;
    };
    config.profiles.kc = {
      supabaseUrl: supabase.url,
      supabaseAnonKey: supabase.anonKey,
      userId: "11111111-1111-4111-8111-111111111111",
      email: USER.email,
      expiresAt: Math.floor(Date.now() / 1000) + 1800,
      credentialStore: "keychain",
      credentialReason: "the keychain answered",
    };
    await writeFile(file, JSON.stringify(config));
    const status = await run(["--profile", "kc", "status"]);
    const block = status.stdout.split(/\n(?=\S)/).find((b) => b.startsWith("kc")) ?? "";
    assert.match(block, /no keychain available/);
    assert.doesNotMatch(block, /keychain answered/, block);

    const t = await run(["--profile", "kc", "token"]);
    assert.equal(t.code, 1, t.stderr);
    assert.match(t.stderr, /no keychain available/);
    assert.match(t.stderr, /`lgauth login --insecure-storage`/, "named with the command that takes it");
    assert.doesNotMatch(
      t.stderr.replace("`lgauth login --insecure-storage`", ""),
      /--insecure-storage/,
      "`token` has no --insecure-storage",
    );
  });
});
