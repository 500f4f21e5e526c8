/**
 * The auth commands in process (src/cli/run.ts with captured streams and scripted prompts)
 * against the real local Supabase Auth server: what each prints on stdout and stderr, its exit
 * code, and what it leaves in the config folder (config.json, credentials.json). Prompts are
 * answered as a person at a terminal would; this process has no keychain (a D-Bus address that
 * does not exist), so the plain-file consent question is asked for real.
 */
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { LocalSupabase } from "../../src/local-supabase/index.js";
import { outbox } from "../e2e/local-supabase-kit.js";
import { type CommandWorld, startCommandWorld } from "../helpers/command-world.js";

const ALICE = { email: "alice.commands@example.com", password: "Alice-Commands-Secret-1" };

interface StoredConfig {
  profiles: Record<string, { userId?: string; email?: string; credentialStore?: string; credentialReason?: string }>;
}

describe("auth commands in process", () => {
  let world: CommandWorld;
  let supabase: LocalSupabase;
  let config: string;
  let host: string;

  const run: CommandWorld["run"] = (args, o) => world.run(args, o);
  const readConfig = async (): Promise<StoredConfig> =>
    JSON.parse(await readFile(join(config, "config.json"), "utf8")) as StoredConfig;
  const readEntries = () => world.readEntries();
  const accountsOf = (profile: string) => world.accountsOf(profile);

  before(async () => {
    world = await startCommandWorld("auth");
    ({ supabase, config } = world);
    host = new URL(supabase.url).host;
  });
  after(() => world?.stop());

  test("signup at a terminal asks again on a bad email, a weak password (before the confirmation) and a mismatch", async () => {
    const r = await run(["--profile", "alice", "signup"], {
      tty: true,
      answers: [
        "alice-at-example",
        ALICE.email,
        "abc",
        "password",
        ALICE.password,
        "Another-Password-9",
        ALICE.password,
        ALICE.password,
      ],
    });
    assert.deepEqual(r.asked, [
      "Email:",
      "Email:",
      "Password:",
      "Password:",
      "Password:",
      "Repeat password:",
      "Password:",
      "Repeat password:",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `Account created for ${ALICE.email}.\nLogged in as ${ALICE.email} on profile "alice" (token expires in 60 min; refresh token in a plain file (0600)).\n`,
    );
    assert.equal(
      r.stderr.replace(/^lgauth: warning: storing tokens in plain text in .*\n/m, ""),
      [
        "lgauth: that password is too weak (shorter than 6 characters); try again.",
        "lgauth: that password is too weak (one of the most common passwords); try again.",
        "lgauth: the two passwords differ; try again.",
        "",
      ].join("\n"),
    );
    const p = (await readConfig()).profiles.alice;
    assert.equal(p?.email, ALICE.email);
    assert.equal(p?.credentialStore, "file");
    assert.deepEqual((await accountsOf("alice")).sort(), [`alice@${host}`, `alice@${host}#access`]);
    assert.equal((await stat(join(config, "credentials.json"))).mode & 0o777, 0o600);
    assert.equal((await stat(config)).mode & 0o777, 0o700);
  });

  test("with no keychain, login at a terminal asks before it writes a plain file", async () => {
    const noStore = { LGAUTH_CREDENTIAL_STORE: undefined };
    const question = `Store your tokens in plain text in ${join(config, "credentials.json")} (mode 0600) instead?`;
    const no = await run(["--profile", "bob", "login", "--email", ALICE.email], {
      env: noStore,
      tty: true,
      answers: [false],
    });
    assert.deepEqual(no.asked, [question], "asked before the password");
    assert.equal(no.code, 1);
    assert.match(no.stderr, /^lgauth: no keychain available: .*\nlgauth: not logged in: no keychain and no consent/);
    assert.equal((await readConfig()).profiles.bob, undefined);
    assert.deepEqual(await accountsOf("bob"), []);

    const yes = await run(["--profile", "bob", "login", "--email", ALICE.email], {
      env: noStore,
      tty: true,
      answers: [true, ALICE.password],
    });
    assert.deepEqual(yes.asked, [question, "Password:"]);
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, /^Logged in as alice\.commands@example\.com on profile "bob"/);
    assert.match(yes.stderr, /warning: storing tokens in plain text .* because you agreed at the prompt/);
    assert.equal((await readConfig()).profiles.bob?.credentialReason, "no keychain answered; agreed at the prompt");
    assert.equal((await accountsOf("bob")).length, 2);

    const script = await run(["--profile", "carol", "login", "--email", ALICE.email, "--password-stdin"], {
      env: noStore,
      stdin: `${ALICE.password}\n`,
    });
    assert.equal(script.code, 1);
    assert.match(
      script.stderr,
      /no keychain available.*\(to store tokens in a 0600 plain file instead, pass --insecure-storage/,
    );
    assert.deepEqual(script.asked, [], "no prompt in a script");
  });

  test("scripts: each command's stdout, stderr, exit code and stored state", async () => {
    const entriesBefore = await readEntries();
    const cases: {
      args: string[];
      stdin?: string;
      code: number;
      stdout?: RegExp;
      json?: (doc: Record<string, unknown>) => void;
      stderr?: RegExp;
    }[] = [
      {
        args: ["--profile", "alice", "whoami"],
        code: 0,
        stdout: /^alice\.commands@example\.com \(.{36}\) on profile "alice"; access token expires in/,
      },
      {
        args: ["--profile", "alice", "--json", "whoami"],
        code: 0,
        json: (d) => assert.deepEqual(Object.keys(d), ["profile", "user_id", "email", "aal", "display_name"]),
      },
      { args: ["--profile", "alice", "--json", "token"], code: 0, json: (d) => assert.equal(d.source, "file") },
      {
        args: ["--profile", "nobody", "whoami"],
        code: 4,
        stderr: /^lgauth: not logged in \(profile "nobody"\) \(run `lgauth login --profile nobody`\)\n$/,
      },
      { args: ["--profile", "nobody", "token"], code: 4, stderr: /run `lgauth login --profile nobody`/ },
      {
        args: ["--profile", "alice", "login", "--email", ALICE.email, "--password-stdin"],
        stdin: "not the password\n",
        code: 4,
        stderr: /^lgauth: wrong email or password \(check both, or create an account with `lgauth signup`\)\n$/,
      },
      {
        args: ["--profile", "x", "signup", "--email", ALICE.email, "--password-stdin"],
        stdin: `${ALICE.password}\n`,
        code: 1,
        stderr: /an account with this email already exists \(run `lgauth login` instead\)/,
      },
      {
        args: ["--profile", "x", "signup", "--email", "weak.commands@example.com", "--password-stdin"],
        stdin: "abc\n",
        code: 1,
        stderr: /password is too weak: too short/,
      },
      {
        args: ["--profile", "x", "login", "--email", ALICE.email, "--password-stdin"],
        stdin: "",
        code: 2,
        stderr: /no password on stdin/,
      },
      {
        args: ["--profile", "alice", "--json", "status"],
        code: 0,
        json: (d) => {
          const alice = (d.profiles as { name: string; logged_in: boolean; tokens: { store: string } }[]).find(
            (p) => p.name === "alice",
          );
          assert.equal(alice?.logged_in, true);
          assert.equal(alice?.tokens.store, "file");
        },
      },
    ];
    for (const c of cases) {
      const r = await run(c.args, c.stdin === undefined ? {} : { stdin: c.stdin });
      const what = `lgauth ${c.args.join(" ")}`;
      assert.equal(r.code, c.code, `${what}: ${r.stderr}`);
      if (c.stdout) assert.match(r.stdout, c.stdout, what);
      if (c.json) c.json(JSON.parse(r.stdout) as Record<string, unknown>);
      if (c.stderr) assert.match(r.stderr, c.stderr, what);
      else if (c.code === 0) assert.equal(r.stderr, "", what);
      if (c.code !== 0) assert.equal(r.stdout, "", `${what}: nothing on stdout when it fails`);
    }
    assert.deepEqual(await readEntries(), entriesBefore, "no failure touched the stored tokens");
  });

  test("login --otp at a terminal: the code is typed at the prompt", async () => {
    const before = (await outbox(supabase, ALICE.email)).length;
    const code = async () => {
      for (let i = 0; i < 100; i++) {
        const mail = await outbox(supabase, ALICE.email);
        if (mail.length > before) return mail[mail.length - 1]?.token ?? "";
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("no code arrived");
    };
    const r = await run(["--profile", "otp", "login", "--otp", "--email", ALICE.email], { tty: true, answers: [code] });
    assert.deepEqual(r.asked, ["Code from the email:"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`A login code was sent to ${ALICE.email.replace(".", "\\.")}\\.`));
    assert.match(r.stdout, /^Logged in as alice\.commands@example\.com on profile "otp"/);
    assert.equal((await readConfig()).profiles.otp?.email, ALICE.email);
  });

  test("login --with-token, logout and profiles remove leave the stored state they promise", async () => {
    const token = (await run(["--profile", "alice", "token"])).stdout.trim();
    const ci = await run(["--profile", "ci", "--json", "login", "--with-token"], { stdin: `${token}\n` });
    assert.equal(ci.code, 0, ci.stderr);
    assert.equal((JSON.parse(ci.stdout) as { status: string }).status, "logged_in");
    assert.deepEqual(await accountsOf("ci"), [`ci@${host}#access`], "an access token and no refresh token");

    const out = await run(["--profile", "alice", "logout"]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(
      out.stdout,
      `Logged out ${ALICE.email} from profile "alice"; this session was revoked. Stored tokens removed.\n`,
    );
    assert.deepEqual(await accountsOf("alice"), []);
    const alice = (await readConfig()).profiles.alice;
    assert.equal(alice?.userId, undefined);
    assert.equal(alice?.credentialStore, undefined);
    assert.equal((await run(["--profile", "alice", "whoami"])).code, 4);

    // a logged-in profile is removed only after a yes (terminal) or with --yes (scripts)
    const bobEntries = await accountsOf("bob");
    assert.notDeepEqual(bobEntries, []);
    const script = await run(["profiles", "remove", "bob"]);
    assert.equal(script.code, 2);
    assert.match(
      script.stderr,
      /^lgauth: removing profile "bob" logs \S+ out and needs confirmation \(pass --yes\)\n$/,
    );
    const declined = await run(["profiles", "remove", "bob"], { tty: true, answers: [false] });
    assert.equal(declined.code, 1);
    assert.match(declined.asked[0] ?? "", /^Log \S+ out and remove profile "bob"\?$/);
    assert.equal(declined.stdout, "kept\n");
    assert.deepEqual(await accountsOf("bob"), bobEntries, "nothing removed before a yes");
    assert.notEqual((await readConfig()).profiles.bob?.userId, undefined);

    const removed = await run(["--json", "profiles", "remove", "bob", "--yes"]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(JSON.parse(removed.stdout), { removed: "bob", was_logged_in: true, revoked: true });
    assert.equal((await readConfig()).profiles.bob, undefined);
    assert.deepEqual(await accountsOf("bob"), []);
    const again = await run(["profiles", "remove", "bob"]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'lgauth: no profile named "bob" (see `lgauth profiles list`)\n');
  });
  test("login at a terminal asks again after a wrong password, three tries in all; --password-stdin gets one", async () => {
    const login = ["--profile", "retry", "login", "--email", ALICE.email];
    const wrong = "lgauth: wrong email or password; try again.\n";
    const third = await run(login, { tty: true, answers: ["Wrong-Password-1", "Wrong-Password-2", ALICE.password] });
    assert.deepEqual(third.asked, ["Password:", "Password:", "Password:"]);
    assert.equal(third.code, 0, third.stderr);
    assert.equal(third.stderr.replace(/^lgauth: warning: storing tokens in plain text .*\n/m, ""), wrong + wrong);
    assert.match(third.stdout, /^Logged in as alice\.commands@example\.com on profile "retry"/);
    assert.equal((await run(["--profile", "retry", "logout"])).code, 0);

    const given = "lgauth: wrong email or password (check both, or create an account with `lgauth signup`)\n";
    const never = await run(login, {
      tty: true,
      answers: ["Wrong-Password-1", "Wrong-Password-2", "Wrong-Password-3"],
    });
    assert.deepEqual(never.asked, ["Password:", "Password:", "Password:"]);
    assert.equal(never.code, 4);
    assert.equal(never.stderr, wrong + wrong + given);
    assert.equal(never.stdout, "");
    assert.deepEqual(await accountsOf("retry"), [], "nothing stored");
    assert.equal((await readConfig()).profiles.retry?.userId, undefined);

    const script = await run([...login, "--password-stdin"], { stdin: `Wrong-Password-1\n${ALICE.password}\n` });
    assert.equal(script.code, 4);
    assert.equal(script.stderr, given, "one try: the next line of stdin is not a password");
    assert.deepEqual(await accountsOf("retry"), []);
  });
});
