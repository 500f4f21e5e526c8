/**
 * `lgauth mfa …` and the second factor at login, run in process (lgauthInProcess: captured
 * streams, scripted prompts) against the real local Supabase Auth and the real supabase-js.
 * Tokens live 30 s, so every command that needs a token refreshes it first: each one also shows
 * that a refresh keeps the session's level. Codes come from otpauth, as an authenticator app's.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import bcrypt from "bcryptjs";
import { IOStreams } from "../../src/cli/io.js";
import { scriptedAsker } from "../../src/cli/prompter.js";
import { runLgauth } from "../../src/cli/run.js";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { type Authenticator, authenticator } from "../helpers/authenticator.js";
import { closedPort } from "../helpers/closed-port.js";
import { lgauthInProcess } from "../helpers/lgauth-in-process.js";
import { recordInProcessRun } from "../helpers/record-hooks.js";
import { filesUnder } from "../e2e/auth-harness.js";
import { client, email, outbox } from "../e2e/local-supabase-kit.js";

const PASSWORD = "mfa-cli-password-1";

let supabase: LocalSupabase;
let passwordHash: string;
let configDir: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  passwordHash = await bcrypt.hash(PASSWORD, 4);
  supabase = await startLocalSupabase({ port: 0, accessTokenTtl: 30 });
  configDir = await mkdtemp(join(tmpdir(), "lgauth-mfa-"));
  env = {
    PATH: process.env.PATH,
    HOME: configDir,
    LGAUTH_CONFIG_DIR: configDir,
    SUPABASE_URL: supabase.url,
    SUPABASE_ANON_KEY: supabase.anonKey,
    LANGGRAPH_URL: `http://127.0.0.1:${await closedPort()}`,
    LGAUTH_CREDENTIAL_STORE: "file",
    NO_COLOR: "1",
  };
});
after(async () => {
  await supabase?.stop();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  asked: string[];
}

async function lg(
  argv: string[],
  o: { stdin?: string; tty?: boolean; answers?: (string | boolean)[] } = {},
): Promise<Run> {
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
  const admin = client(supabase, supabase.serviceRoleKey).auth.admin;
  const { error } = await admin.createUser({ email: addr, password_hash: passwordHash, email_confirm: true });
  assert.equal(error, null);
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

    const gone = await lg(["--profile", "r", "mfa", "remove", first.id], { tty: true, answers: [true] });
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
    const both = await lg(["--profile", "b", "login", "--with-token", "--code-stdin"], { stdin: "x\n" });
    assert.equal(both.code, 2);
  });
});
