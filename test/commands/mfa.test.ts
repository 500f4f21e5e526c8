/**
 * `lgauth mfa …` and the second factor at login, run in process (lgauthInProcess: captured
 * streams, scripted prompts) against the real local Supabase Auth and the real supabase-js.
 * Tokens live 30 s, so every command that needs a token refreshes it first: each one also shows
 * that a refresh keeps the session's level. Codes come from otpauth, as an authenticator app's.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { IOStreams } from "../../src/cli/io.js";
import { scriptedAsker } from "../../src/cli/prompter.js";
import { runLgauth } from "../../src/cli/run.js";
import type { LocalSupabase } from "../../src/local-supabase/index.js";
import type { FactorSummary } from "../../src/session/mfa.js";
import { type Authenticator, authenticator } from "../helpers/authenticator.js";
import { type CommandWorld, startCommandWorld } from "../helpers/command-world.js";
import { type InProcessOptions, lgauthInProcess } from "../helpers/lgauth-in-process.js";
import { recordInProcessRun } from "../helpers/record-hooks.js";
import { filesUnder } from "../e2e/auth-harness.js";
import { client, email, outbox } from "../e2e/local-supabase-kit.js";

const PASSWORD = "mfa-cli-password-1";

let world: CommandWorld;
let supabase: LocalSupabase;
let configDir: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  // the MFA rate limit raised (bursts of 30 challenges and 30 verifies, refilled in 1.2 s): a
  // file of step-ups from one address, run concurrently with nothing, still bursts past 30
  world = await startCommandWorld("mfa", { accessTokenTtl: 30, rateLimits: { mfa: 1500 } });
  ({ supabase, env, config: configDir } = world);
});
after(async () => {
  await world?.stop();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  asked: string[];
}

async function lg(argv: string[], o: Omit<InProcessOptions, "env"> = {}): Promise<Run> {
  return lgauthInProcess(argv, { env, ...o });
}

function claims(jwt: string): { aal?: string; amr?: { method: string }[] } {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as never;
}

async function stored(): Promise<string> {
  const files = await filesUnder(configDir);
  return JSON.stringify(files.filter((f) => !f.path.includes("/locks/")).map((f) => [f.path, f.text]));
}

async function whoamiAal(profile: string): Promise<string | null> {
  const r = await lg(["--profile", profile, "whoami", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { aal: string | null }).aal;
}

/**
 * A confirmed user made through the admin API with PASSWORD at bcrypt cost 4 (GoTrue's
 * password_hash import), so each login costs milliseconds, not a cost-10 hash.
 */
/** The profile's level and verified factors as `status --json` shows them (it asks the server). */
async function statusLevel(profile: string): Promise<{ aal: string | null; verified_factors: number | null }> {
  const r = await lg(["--profile", profile, "status", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const row = (JSON.parse(r.stdout) as { profiles: Record<string, unknown>[] }).profiles.find(
    (p) => p.name === profile,
  );
  return { aal: row?.aal as string | null, verified_factors: row?.verified_factors as number | null };
}

async function signUp(tag: string): Promise<string> {
  const addr = email(tag);
  await world.account(addr, PASSWORD);
  return addr;
}

/**
 * Adds verified TOTP factors to `addr` from another client (apps the user set up elsewhere),
 * all in one session (aal2 after the first, as adding another needs). GoTrue then ends the
 * user's aal1 sessions. Each app has given one code; the tests ask each for at most one more,
 * so no code waits for the clock.
 */
async function addFactors(addr: string, names: string[]): Promise<{ id: string; app: Authenticator }[]> {
  const sb = client(supabase);
  assert.equal((await sb.auth.signInWithPassword({ email: addr, password: PASSWORD })).error, null);
  const added = [];
  for (const name of names) {
    const { data, error } = await sb.auth.mfa.enroll({ factorType: "totp", friendlyName: name });
    assert.equal(error, null);
    assert.ok(data?.type === "totp");
    const app = authenticator(data.totp.secret);
    const verified = await sb.auth.mfa.challengeAndVerify({ factorId: data.id, code: await app.code() });
    assert.equal(verified.error, null);
    added.push({ id: data.id, app });
  }
  return added;
}

async function addFactor(addr: string): Promise<{ id: string; app: Authenticator }> {
  const [factor] = await addFactors(addr, ["phone"]);
  assert.ok(factor);
  return factor;
}

async function login(profile: string, addr: string, stdinAfterPassword?: string): Promise<Run> {
  // --force: these logins replace another user's login on the profile on purpose (#19 item 8)
  const args = ["--profile", profile, "login", "--email", addr, "--password-stdin", "--force"];
  if (stdinAfterPassword !== undefined) args.push("--code-stdin");
  return lg(args, { stdin: `${PASSWORD}\n${stdinAfterPassword ?? ""}` });
}

/**
 * An account whose session on `profile` is aal1 while it has a verified factor ("second"): it
 * logged in with the code of its first factor and then removed that one (GoTrue lowers the
 * sessions verified with a removed factor). The other ways to such a session end at GoTrue,
 * which signs a user's aal1 sessions out when a factor is verified.
 */
async function aal1WithFactor(
  tag: string,
  profile: string,
): Promise<{ addr: string; factor: { id: string; app: Authenticator } }> {
  const addr = await signUp(tag);
  const [first, second] = await addFactors(addr, ["first", "second"]);
  assert.ok(first && second);
  const ok = await login(profile, addr, `${await first.app.code()}\n`);
  assert.equal(ok.code, 0, ok.stderr);
  const removed = await lg(["--profile", profile, "mfa", "remove", first.id, "--yes"]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(await whoamiAal(profile), "aal1");
  return { addr, factor: second };
}

/** The newest code mailed to `to` after `seen` messages (waits for it). */
const mailedCode = (to: string, seen: number) => world.mailedCode(to, seen);

/** The level in the profile's stored access token (what the LangGraph server will see). */
async function tokenAal(profile: string): Promise<string | undefined> {
  return claims(storedAccessToken(await readFile(join(configDir, "credentials.json"), "utf8"), profile)).aal;
}

function storedAccessToken(text: string, profile: string): string {
  const creds = JSON.parse(text) as Record<string, unknown>;
  const entry = Object.entries(creds.entries ?? creds).find(
    ([k]) => k.startsWith(`${profile}@`) && k.endsWith("#access"),
  );
  assert.ok(entry, `no access token stored for ${profile}`);
  return String(entry[1]);
}

describe("lgauth mfa", () => {
  test("enroll --json asks nothing and prints the factor; verify --code-stdin makes the session aal2; the secret is stored nowhere; refreshes keep aal2", async () => {
    const addr = await signUp("enroll");
    assert.equal((await login("en", addr)).code, 0);
    assert.equal(await whoamiAal("en"), "aal1");

    const e = await lg(["--profile", "en", "mfa", "enroll", "--json", "--name", "work phone"]);
    assert.equal(e.code, 0, e.stderr);
    assert.equal(e.stderr, "");
    const doc = JSON.parse(e.stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(doc).sort(), ["factor_id", "secret", "status", "type", "uri"]);
    assert.equal(doc.type, "totp");
    assert.equal(doc.status, "unverified");
    assert.match(doc.uri ?? "", /^otpauth:\/\/totp\//);
    assert.ok(doc.uri?.includes(`secret=${doc.secret}`));
    const secret = doc.secret ?? "";
    const factorId = doc.factor_id ?? "";

    const list = await lg(["--profile", "en", "mfa", "list", "--json"]);
    assert.equal(list.code, 0, list.stderr);
    const { factors } = JSON.parse(list.stdout) as { factors: Record<string, string>[] };
    assert.deepEqual(
      factors.map((f) => [f.id, f.type, f.friendly_name, f.status]),
      [[factorId, "totp", "work phone", "unverified"]],
    );
    assert.deepEqual(Object.keys(factors[0] ?? {}).sort(), ["created_at", "friendly_name", "id", "status", "type"]);

    const app = authenticator(secret);
    const v = await lg(["--profile", "en", "mfa", "verify", factorId, "--code-stdin"], {
      stdin: `${await app.code()}\n`,
    });
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /Verified factor "work phone" .* is now aal2/);
    assert.equal(await whoamiAal("en"), "aal2");
    assert.deepEqual(await statusLevel("en"), { aal: "aal2", verified_factors: 1 });

    // 30 s tokens: `token` refreshes (it wants 60 s left), and the refreshed token is still aal2
    const before = storedAccessToken(await readFile(join(configDir, "credentials.json"), "utf8"), "en");
    const t = await lg(["--profile", "en", "token"]);
    assert.equal(t.code, 0, t.stderr);
    const after = t.stdout.trim();
    assert.notEqual(after, before, "the token was refreshed");
    assert.equal(claims(after).aal, "aal2");
    assert.ok(claims(after).amr?.some((m) => m.method === "totp"));
    assert.equal(await whoamiAal("en"), "aal2");

    const text = await lg(["--profile", "en", "mfa", "list"]);
    assert.match(text.stdout, /work phone\s+verified/);
    assert.match(text.stdout, /This session: aal2/);

    assert.ok(!(await stored()).includes(secret), "the TOTP secret is in no file lgauth wrote");
  });

  test("a script logs an MFA user in only with the code on the line after the password; without it or with a wrong one nothing is stored and the old session stays", async () => {
    const other = await signUp("previous");
    assert.equal((await login("s", other)).code, 0);
    const untouched = await stored();

    const addr = await signUp("script");
    const { app } = await addFactor(addr);

    const none = await login("s", addr);
    assert.equal(none.code, 4);
    assert.equal(none.stderr.trimEnd().split("\n").length, 1, none.stderr);
    assert.match(none.stderr, /no authenticator code was given; nothing was stored.*--code-stdin/);
    assert.equal(await stored(), untouched, "nothing stored, nothing lost");

    const wrong = await login("s", addr, `${app.stale()}\n`);
    assert.equal(wrong.code, 4);
    assert.equal(wrong.stderr.trimEnd().split("\n").length, 1, wrong.stderr);
    assert.match(wrong.stderr, /authenticator code was not accepted.*nothing was stored/);
    assert.equal(await stored(), untouched);

    // the code the app showed a minute ago: out of the server's window, refused the same way
    const late = await login("s", addr, `${app.expired()}\n`);
    assert.equal(late.code, 4);
    assert.equal(late.stderr.trimEnd().split("\n").length, 1, late.stderr);
    assert.match(late.stderr, /authenticator code was not accepted \(wrong, expired,.*nothing was stored/);
    assert.equal(await stored(), untouched);

    const notDigits = await login("s", addr, "12ab56\n");
    assert.equal(notDigits.code, 4);
    assert.match(notDigits.stderr, /6 digits/);

    const ok = await login("s", addr, `${await app.code()}\n`);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Logged in as .* with your second factor/);
    assert.equal(await whoamiAal("s"), "aal2");
  });

  test("on a terminal the code is asked after the password: three tries, then it stops and stores nothing; a right code on a later try logs in", async () => {
    const addr = await signUp("tty");
    const { app } = await addFactor(addr);
    const args = ["--profile", "t", "login", "--email", addr];

    const gaveUp = await lg(args, { tty: true, answers: [PASSWORD, app.stale(), "000000", app.stale()] });
    assert.equal(gaveUp.code, 4, gaveUp.stderr);
    assert.deepEqual(gaveUp.asked.slice(1), Array(3).fill('Code from your authenticator app ("phone"):'));
    assert.match(gaveUp.stderr, /3 authenticator codes were not accepted; nothing was stored/);
    assert.equal(await lg(["--profile", "t", "whoami"]).then((r) => r.code), 4);

    const second = await lg(args, { tty: true, answers: [PASSWORD, app.stale(), await app.code()] });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /that code was not accepted .*try again/);
    assert.equal(await whoamiAal("t"), "aal2");
  });

  test("--otp: the emailed code, then the authenticator code on the next line of stdin, each read when it is needed", async () => {
    const addr = await signUp("otp");
    const { app } = await addFactor(addr);
    const stdin = new PassThrough();
    let err = "";
    const sink = (into: (s: string) => void) =>
      new Writable({
        write(chunk: Buffer, _e, done) {
          into(chunk.toString());
          done();
        },
      });
    const io = new IOStreams({
      stdin,
      stdout: sink(() => {}),
      stderr: sink((s) => {
        err += s;
      }),
      stdinIsTTY: false,
      stdoutIsTTY: false,
      stderrIsTTY: false,
      env: { NO_COLOR: "1" },
    });
    const run = runLgauth(["--profile", "o", "login", "--otp", "--email", addr, "--code-stdin"], {
      io,
      env,
      asker: scriptedAsker([]),
      configDir,
    });
    let mailed: string | undefined;
    for (let i = 0; i < 200 && !mailed; i++) {
      mailed = (await outbox(supabase, addr)).at(-1)?.token;
      if (!mailed) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(mailed, "the login code was mailed");
    stdin.write(`${mailed}\n${await app.code()}\n`);
    const r = await run;
    const args = ["--profile", "o", "login", "--otp", "--email", addr, "--code-stdin"];
    recordInProcessRun({ args, env, configDir, stdin: undefined, stdout: "", stderr: err });
    assert.equal(r.exitCode, 0, err);
    assert.equal(await whoamiAal("o"), "aal2");
  });

  test("remove: a script needs --yes, a terminal is asked first; removing the factor a session was verified with lowers it to aal1, and removing another verified factor then steps up with that factor's code first", async () => {
    const addr = await signUp("remove");
    const [first, second] = await addFactors(addr, ["first", "second"]);
    assert.ok(first && second);
    const ok = await login("r", addr, `${await first.app.code()}\n`); // verified with the oldest factor
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(await whoamiAal("r"), "aal2");

    const noYes = await lg(["--profile", "r", "mfa", "remove", first.id]);
    assert.equal(noYes.code, 2);
    assert.match(noYes.stderr, /--yes/);

    const declined = await lg(["--profile", "r", "mfa", "remove", first.id], { tty: true, answers: [false] });
    assert.equal(declined.code, 1);
    assert.match(declined.asked[0] ?? "", /Remove verified totp factor "first"/);

    // the start of an id names it, as for threads and runs
    const gone = await lg(["--profile", "r", "mfa", "remove", first.id.slice(0, 6)], { tty: true, answers: [true] });
    assert.equal(gone.code, 0, gone.stderr);
    assert.match(gone.stdout, /Removed factor "first" .*this session is aal1/);
    assert.equal(await whoamiAal("r"), "aal1");
    const status = await lg(["--profile", "r", "status"]);
    assert.match(
      status.stdout,
      /^r \(active\)\n(?:.*\n)*? {2}level: {5}aal1, but 1 verified second factor on the account: log in again with the code \(`lgauth login --profile r`\)$/m,
    );

    const noCode = await lg(["--profile", "r", "mfa", "remove", second.id, "--yes"]);
    assert.equal(noCode.code, 4);
    assert.match(noCode.stderr, /aal2.*--code-stdin/);

    const removed = await lg(["--profile", "r", "mfa", "remove", second.id, "--yes", "--code-stdin", "--json"], {
      stdin: `${await second.app.code()}\n`,
    });
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(JSON.parse(removed.stdout), { factor_id: second.id, removed: true, aal: "aal1" });
    const list = await lg(["--profile", "r", "mfa", "list", "--json"]);
    assert.deepEqual((JSON.parse(list.stdout) as { factors: unknown[] }).factors, []);
    // and the next login asks for nothing
    assert.equal((await login("r", addr)).code, 0);
  });

  test("mfa verify with a verified factor steps an aal1 session up to aal2; an expired code leaves it aal1, in a script and on a terminal", async () => {
    const { factor } = await aal1WithFactor("step-up", "v");
    const verify = ["--profile", "v", "mfa", "verify", factor.id];

    const late = await lg([...verify, "--code-stdin"], { stdin: `${factor.app.expired()}\n` });
    assert.equal(late.code, 4);
    assert.equal(late.stdout, "");
    assert.equal(late.stderr.trimEnd().split("\n").length, 1, late.stderr);
    assert.match(late.stderr, /^lgauth: the authenticator code was not accepted \(wrong, expired,/);
    assert.equal(await whoamiAal("v"), "aal1");
    assert.equal(await tokenAal("v"), "aal1", "the stored session is still the aal1 one");

    const none = await lg(verify);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--code-stdin/);

    const tty = await lg(verify, { tty: true, answers: [factor.app.expired(), await factor.app.code()] });
    assert.equal(tty.code, 0, tty.stderr);
    assert.deepEqual(tty.asked, Array(2).fill('Code from your authenticator app ("second"):'));
    assert.match(tty.stderr, /that code was not accepted \(wrong, expired,.*\); try again\./);
    assert.match(tty.stdout, /^Verified factor "second" \(.*\); the session of profile "v" is now aal2\.\n$/);
    assert.equal(await whoamiAal("v"), "aal2");
    assert.equal(await tokenAal("v"), "aal2");
    assert.deepEqual(await statusLevel("v"), { aal: "aal2", verified_factors: 1 });
  });

  test("an MFA challenge that expired before its code reached Supabase Auth: a terminal asks again, a script stops with one line and stores nothing", async () => {
    // GoTrue floors MFA_CHALLENGE_EXPIRY_DURATION at 300 s and lgauth makes each challenge
    // right before its verify, so no test can wait for one to expire. A FAKE stands in: a proxy
    // that answers verifies itself with GoTrue's 422 mfa_challenge_expired (the body the local
    // server gives a voided challenge, test/e2e/local-supabase-mfa.test.ts) while `expire` says
    // so, and passes everything else to the real server.
    let expire = 0;
    const proxy = createServer((req, res) => {
      const m = /^\/auth\/v1\/factors\/[^/]+\/verify$/.exec(req.url ?? "");
      if (m && req.method === "POST" && expire > 0) {
        expire--;
        req.resume();
        res.writeHead(422, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            code: 422,
            error_code: "mfa_challenge_expired",
            msg: "MFA challenge 00000000-0000-4000-8000-000000000000 has expired, verify against another challenge or create a new challenge.",
          }),
        );
        return;
      }
      const target = new URL(supabase.url);
      const up = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on("error", () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const viaProxy = { ...env, SUPABASE_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` };
      const addr = await signUp("expired-challenge");
      const { app } = await addFactor(addr);
      const other = await signUp("expired-challenge-before");
      assert.equal((await login("x", other)).code, 0);
      const untouched = await stored();
      const args = ["--profile", "x", "login", "--email", addr, "--force"];

      // the fake answers in place of the server, so this code never reaches it and stays good
      const unseen = await app.code();
      expire = 1;
      const script = await lgauthInProcess([...args, "--password-stdin", "--code-stdin"], {
        env: viaProxy,
        stdin: `${PASSWORD}\n${unseen}\n`,
      });
      assert.equal(script.code, 4);
      assert.equal(script.stderr.trimEnd().split("\n").length, 1, script.stderr);
      assert.match(
        script.stderr,
        /authenticator code was not accepted \(its challenge expired, or the factor is held after too many wrong codes: wait a few minutes\); nothing was stored/,
      );
      assert.equal(await stored(), untouched, "nothing stored, the previous login kept");

      expire = 1;
      const tty = await lgauthInProcess(args, {
        env: viaProxy,
        tty: true,
        answers: [PASSWORD, unseen, unseen],
      });
      assert.equal(tty.code, 0, tty.stderr);
      assert.match(
        tty.stderr,
        /that code was not accepted \(its challenge expired, or the factor is held after too many wrong codes: wait a few minutes\); try again\./,
      );
      assert.equal(expire, 0);
      assert.equal(await whoamiAal("x"), "aal2");
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  test("account update --email from an aal1 session of an account with a factor: the authenticator code comes first; a wrong one sends and changes nothing", async () => {
    const { addr, factor } = await aal1WithFactor("email-step-up", "e");
    const target = email("email-step-up-new");

    const wrong = await lg(["--profile", "e", "account", "update", "--email", target, "--code-stdin"], {
      stdin: `${factor.app.stale()}\n`,
    });
    assert.equal(wrong.code, 4);
    assert.equal(wrong.stderr.trimEnd().split("\n").length, 1, wrong.stderr);
    assert.match(wrong.stderr, /^lgauth: the authenticator code was not accepted/);
    assert.deepEqual(await outbox(supabase, target), [], "no code was sent to the new address");
    const shown = JSON.parse((await lg(["--profile", "e", "--json", "account"])).stdout) as {
      email: string;
      new_email?: string;
      aal: string;
    };
    assert.deepEqual([shown.email, shown.new_email ?? "", shown.aal], [addr, "", "aal1"]);

    // this project confirms addresses automatically, so only the new address confirms the change
    const tty = await lg(["--profile", "e", "account", "update", "--email", target], {
      tty: true,
      answers: [await factor.app.code(), () => mailedCode(target, 0)],
    });
    assert.equal(tty.code, 0, tty.stderr);
    assert.deepEqual(tty.asked, [
      'Code from your authenticator app ("second"):',
      `Code from the email sent to ${target}:`,
    ]);
    assert.equal(tty.stdout, `Account updated: email changed to ${target}.\n`);
    const me = await lg(["--profile", "e", "--json", "whoami"]);
    assert.deepEqual(
      [(JSON.parse(me.stdout) as { email: string }).email, await whoamiAal("e"), await tokenAal("e")],
      [target, "aal2", "aal2"],
    );
  });

  test("account update --email in a script from an aal1 session of an account with a factor: the authenticator code on the first --code-stdin line, then the emailed code; the session ends aal2", async () => {
    const { factor } = await aal1WithFactor("email-step-up-script", "es");
    const target = email("email-step-up-script-new");
    const r = await lg(["--profile", "es", "account", "update", "--email", target, "--code-stdin"], {
      // each line is read when the command wants it: the emailed code only after the mail went out
      stdin: [await factor.app.code(), () => mailedCode(target, 0)],
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.asked, []);
    assert.equal(r.stdout, `Account updated: email changed to ${target}.\n`);
    assert.doesNotMatch(r.stderr, /lgauth:/);
    assert.equal((await outbox(supabase, target)).length, 1, "one code, to the new address");
    const me = await lg(["--profile", "es", "--json", "whoami"]);
    assert.deepEqual(
      [(JSON.parse(me.stdout) as { email: string }).email, await whoamiAal("es"), await tokenAal("es")],
      [target, "aal2", "aal2"],
    );
  });

  test("password change from an aal1 session of an account with a factor: a terminal asks for the authenticator code after the new password; a script changes nothing and is told to step up with mfa verify", async () => {
    const { addr, factor } = await aal1WithFactor("password-step-up", "w");
    const NEW = "mfa-cli-password-2";
    const passwordWorks = async (password: string) =>
      (await client(supabase).auth.signInWithPassword({ email: addr, password })).error === null;

    // a script is told how to step up: its --code-stdin line is the reauthentication code
    const stepUpFirst = `(step this session up first with \`lgauth mfa verify ${factor.id} --code-stdin\`)\n`;
    const script = await lg(["--profile", "w", "password", "change", "--password-stdin"], { stdin: `${NEW}\n` });
    assert.equal(script.code, 4);
    assert.equal(
      script.stderr,
      `lgauth: this change needs a session verified with your second factor (aal2) ${stepUpFirst}`,
    );
    const withCode = await lg(["--profile", "w", "password", "change", "--password-stdin", "--code-stdin"], {
      stdin: `123456\n${NEW}\n`,
    });
    assert.equal(withCode.code, 4, withCode.stderr);
    assert.ok(withCode.stderr.endsWith(stepUpFirst), withCode.stderr);
    assert.equal(await passwordWorks(NEW), false, "the password is unchanged");

    const tty = await lg(["--profile", "w", "password", "change"], {
      tty: true,
      answers: [NEW, NEW, factor.app.stale(), await factor.app.code()],
    });
    assert.equal(tty.code, 0, tty.stderr);
    assert.deepEqual(tty.asked, [
      "New password:",
      "Repeat new password:",
      'Code from your authenticator app ("second"):',
      'Code from your authenticator app ("second"):',
    ]);
    assert.match(tty.stdout, /^Password changed for /);
    assert.equal(await passwordWorks(NEW), true);
    assert.equal(await whoamiAal("w"), "aal2");
  });

  test("mfa enroll of another factor from an aal1 session: a script gives a verified factor's code on the first --code-stdin line (without it, or with a wrong one, nothing is enrolled and the session stays aal1)", async () => {
    const { factor } = await aal1WithFactor("enroll-step-up", "s");
    const enroll = ["--profile", "s", "mfa", "enroll", "--json", "--name", "laptop"];
    const factorsNow = async () => {
      const r = await lg(["--profile", "s", "mfa", "list", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { factors: FactorSummary[] }).factors.map((f) => [f.friendly_name, f.status]);
    };
    assert.deepEqual(await factorsNow(), [["second", "verified"]]);

    const none = await lg(enroll);
    assert.equal(none.code, 4);
    assert.equal(none.stdout, "");
    assert.equal(none.stderr.trimEnd().split("\n").length, 1, none.stderr);
    assert.match(
      none.stderr,
      /^lgauth: adding another factor needs a session verified with your second factor \(aal2\).*--code-stdin/,
    );
    const wrong = await lg([...enroll, "--code-stdin"], { stdin: `${factor.app.stale()}\n` });
    assert.equal(wrong.code, 4);
    assert.equal(wrong.stdout, "");
    assert.equal(wrong.stderr.trimEnd().split("\n").length, 1, wrong.stderr);
    assert.match(wrong.stderr, /^lgauth: the authenticator code was not accepted \(wrong, expired,/);
    assert.deepEqual(await factorsNow(), [["second", "verified"]], "nothing enrolled");
    assert.equal(await tokenAal("s"), "aal1");

    const ok = await lg([...enroll, "--code-stdin"], { stdin: `${await factor.app.code()}\n` });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr, "");
    const doc = JSON.parse(ok.stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(doc).sort(), ["factor_id", "secret", "status", "type", "uri"]);
    assert.equal(doc.status, "unverified");
    assert.equal(await whoamiAal("s"), "aal2");
    assert.equal(await tokenAal("s"), "aal2", "the stepped-up session is stored");
    assert.deepEqual(await factorsNow(), [
      ["second", "verified"],
      ["laptop", "unverified"],
    ]);
    const v = await lg(["--profile", "s", "mfa", "verify", doc.factor_id ?? "", "--code-stdin"], {
      stdin: `${await authenticator(doc.secret ?? "").code()}\n`,
    });
    assert.equal(v.code, 0, v.stderr);
    assert.deepEqual(await statusLevel("s"), { aal: "aal2", verified_factors: 2 });
  });

  test("mfa enroll of another factor from an aal1 session on a terminal: the verified factor's code is asked (again after a wrong one) before the QR code is drawn, then the new app's code", async () => {
    const { factor } = await aal1WithFactor("enroll-step-up-tty", "t");
    let screen = () => "";
    const secretOnScreen = () =>
      new URL(/\(otpauth URI: (\S+)\)/.exec(screen())?.[1] ?? "x:").searchParams.get("secret") ?? "";
    const tty = await lg(["--profile", "t", "mfa", "enroll", "--name", "laptop"], {
      tty: true,
      watch: (o) => {
        screen = o.stdout;
      },
      answers: [
        async () => {
          assert.equal(screen(), "", "no QR code or secret before the step-up");
          return factor.app.stale();
        },
        await factor.app.code(),
        async () => authenticator(secretOnScreen()).code(),
      ],
    });
    assert.equal(tty.code, 0, tty.stderr);
    assert.deepEqual(tty.asked, [
      'Code from your authenticator app ("second"):',
      'Code from your authenticator app ("second"):',
      'Code from your authenticator app ("laptop"):',
    ]);
    assert.match(tty.stderr, /^lgauth: that code was not accepted \(wrong, expired,.*\); try again\.\n$/);
    assert.match(tty.stdout, /^Scan this QR code with your authenticator app:\n/);
    assert.match(tty.stdout, /\nFactor "laptop" \(.*\) is verified; this session is now aal2\.\n/);
    assert.equal(await whoamiAal("t"), "aal2");
    assert.deepEqual(await statusLevel("t"), { aal: "aal2", verified_factors: 2 });
  });

  test("bad input: a factor id that is no UUID, an unknown factor, --code-stdin with --with-token", async () => {
    const addr = await signUp("bad");
    assert.equal((await login("b", addr)).code, 0);
    const notId = await lg(["--profile", "b", "mfa", "verify", "nope", "--code-stdin"], { stdin: "123456\n" });
    assert.equal(notId.code, 2);
    assert.match(notId.stderr, /not a factor id/);
    const unknown = await lg(
      ["--profile", "b", "mfa", "verify", "00000000-0000-4000-8000-000000000000", "--code-stdin"],
      {
        stdin: "123456\n",
      },
    );
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no factor 00000000-.*lgauth mfa list/);
    const enrolled = await lg(["--profile", "b", "mfa", "enroll", "--json"]);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    const { factor_id: factorId } = JSON.parse(enrolled.stdout) as { factor_id: string };
    const other = factorId.startsWith("ffff") ? "0000" : "ffff";
    const noPrefix = await lg(["--profile", "b", "mfa", "verify", other, "--code-stdin"], { stdin: "123456\n" });
    assert.equal(noPrefix.code, 1);
    assert.match(
      noPrefix.stderr,
      new RegExp(`^lgauth: no factor on this account starts with "${other}" \\(see your factors`),
    );
    const short = await lg(["--profile", "b", "mfa", "verify", factorId.slice(0, 3), "--code-stdin"], {
      stdin: "123456\n",
    });
    assert.equal(short.code, 2, "fewer than 4 characters is no id");
    const both = await lg(["--profile", "b", "login", "--with-token", "--code-stdin"], { stdin: "x\n" });
    assert.equal(both.code, 2);
  });
});
