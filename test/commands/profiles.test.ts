/**
 * profiles, whoami and status in process, from a config folder written by the test: the tables
 * and JSON documents they print, their exit codes, and a corrupt config (one line naming the
 * file and field, the stack only with --debug, the file left as it was). No server answers:
 * its ports are closed, which status reports.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { closedPort } from "../helpers/closed-port.js";
import { lgauthInProcess } from "../helpers/lgauth-in-process.js";

const SUPABASE = "http://127.0.0.1:9";
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("profiles, whoami and status from stored state", () => {
  let dir: string;
  let config: string;
  let env: NodeJS.ProcessEnv;
  let langgraph: string;
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => lgauthInProcess(args, { env: { ...env, ...extra } });
  const exp = Math.floor(Date.now() / 1000) + 1800;
  const seeded = () => ({
    version: 1,
    defaults: {},
    profiles: {
      work: {
        supabaseUrl: SUPABASE,
        supabaseAnonKey: "anon-key",
        langgraphUrl: "http://127.0.0.1:8",
        userId: "11111111-1111-4111-8111-111111111111",
        email: "ada@example.com",
        expiresAt: exp,
        credentialStore: "file",
        credentialReason: "LGAUTH_CREDENTIAL_STORE=file",
      },
      idle: { supabaseUrl: SUPABASE },
    },
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lgauth-cmd-profiles-"));
    config = join(dir, "config");
    langgraph = `http://127.0.0.1:${await closedPort()}`;
    env = { PATH: process.env.PATH, HOME: dir, LGAUTH_CONFIG_DIR: config, NO_COLOR: "1", LANGGRAPH_URL: langgraph };
    await mkdir(config, { recursive: true, mode: 0o700 });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("no config yet: profiles list says how to start, whoami exits 4", async () => {
    const list = await run(["profiles", "list"]);
    assert.equal(list.code, 0);
    assert.equal(list.stdout, "no profiles yet (run `lgauth login` to create one)\n");
    assert.deepEqual(JSON.parse((await run(["--json", "profiles", "list"])).stdout), { profiles: [] });
    const who = await run(["whoami"]);
    assert.equal(who.code, 4);
    assert.equal(who.stderr, 'lgauth: not logged in (profile "default") (run `lgauth login`)\n');
  });

  test("profiles list, whoami and status read the seeded profiles", async () => {
    await writeFile(join(config, "config.json"), JSON.stringify(seeded()), { mode: 0o600 });
    const list = await run(["--profile", "work", "profiles", "list"]);
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^\s+PROFILE\s+EMAIL\s+TOKENS\s+SUPABASE\s+LANGGRAPH$/);
    assert.match(lines[1] ?? "", /^\s+idle\s+\(not logged in\)\s+-\s+http:\/\/127\.0\.0\.1:9\s/);
    assert.match(
      lines[2] ?? "",
      /^\*\s+work\s+ada@example\.com\s+file\s+http:\/\/127\.0\.0\.1:9\s+http:\/\/127\.0\.0\.1:8$/,
    );

    const json = JSON.parse((await run(["--json", "profiles", "list"])).stdout) as {
      profiles: { name: string; logged_in: boolean; active: boolean }[];
    };
    assert.deepEqual(
      json.profiles.map((p) => [p.name, p.logged_in, p.active]),
      [
        ["idle", false, false],
        ["work", true, false],
      ],
    );

    for (const [args, extra] of [
      [["--profile", "work", "whoami"], {}],
      [["whoami"], { LGAUTH_PROFILE: "work" }],
    ] as const) {
      const who = await run([...args], extra);
      assert.equal(who.code, 0, who.stderr);
      assert.match(
        who.stdout,
        /^ada@example\.com \(11111111-1111-4111-8111-111111111111\) on profile "work"; access token expires in (29|30) min\n\(from stored state, not checked with the server; `lgauth status` checks the session\)\n$/,
      );
    }

    const status = await run(["--profile", "work", "status"]);
    // the seeded profile has no tokens in its store: its session cannot be used (#19 item 4)
    assert.equal(status.code, 4, status.stderr);
    assert.match(status.stdout, /^ {2}session: {3}ended \(no stored session for profile "work"\); log in again/m);
    assert.match(status.stdout, /^work \(active\)$/m);
    assert.match(status.stdout, /^ {2}stored in: plain file .*credentials\.json \(LGAUTH_CREDENTIAL_STORE=file\)$/m);
    assert.match(status.stdout, /^ {2}warning: {3}tokens are stored in plain text \(0600\); prefer the keychain$/m);
    assert.match(status.stdout, /^ {2}supabase: {2}http:\/\/127\.0\.0\.1:9 unreachable \(/m);
    assert.match(status.stdout, /^idle\n {2}not logged in$/m);
  });

  /** A config folder `own` whose profile alice (and the defaults) follow the local stack in `stack`, which has no state.json: not running. */
  async function followingStoppedStack(ownName: string, stackName: string): Promise<{ own: string; stack: string }> {
    const own = join(dir, ownName);
    const stack = join(dir, stackName);
    await mkdir(join(own, "config"), { recursive: true, mode: 0o700 });
    await mkdir(stack, { mode: 0o700 });
    const followed = {
      version: 1,
      defaults: { localStack: stack },
      profiles: {
        alice: {
          localStack: stack,
          userId: "11111111-1111-4111-8111-111111111111",
          email: "alice@example.com",
          expiresAt: exp,
          credentialStore: "file",
        },
      },
    };
    await writeFile(join(own, "config", "config.json"), JSON.stringify(followed), { mode: 0o600 });
    return { own, stack };
  }

  test("status of profiles that follow a stopped local stack: says so, and asks no built-in URL", async () => {
    const { own, stack } = await followingStoppedStack("follows", "stack");
    const { LANGGRAPH_URL: _, ...noUrls } = env;
    const r = await lgauthInProcess(["status"], { env: { ...noUrls, LGAUTH_CONFIG_DIR: join(own, "config") } });
    assert.equal(r.code, 4, r.stderr); // the active profile (default) is not logged in
    const down = `the local stack in ${stack} is not running (start it with \`lgauth dev --data-dir ${stack}\`, or in the background with --detach)`;
    for (const name of ["alice", "default \\(active\\)"]) {
      assert.match(
        r.stdout,
        new RegExp(`^${name}\\n(  .*\\n)*  supabase:  ${literal(down)}\\n  langgraph: ${literal(down)}$`, "m"),
      );
    }
    assert.doesNotMatch(r.stdout, /54321|2024/);
    const json = JSON.parse(
      (await lgauthInProcess(["--json", "status"], { env: { ...noUrls, LGAUTH_CONFIG_DIR: join(own, "config") } }))
        .stdout,
    ) as { profiles: { supabase: { url: string | null; error: string } }[] };
    for (const p of json.profiles) {
      assert.equal(p.supabase.url, null);
      assert.equal(p.supabase.error, `the local stack in ${stack} is not running`);
    }
  });

  test("login, signup and password commands for a stopped local stack say so before asking anything", async () => {
    const { own, stack } = await followingStoppedStack("asks", "stopped");
    const { LANGGRAPH_URL: _, ...noUrls } = env;
    const line = `lgauth: the local stack in ${stack} is not running (start it with \`lgauth dev --data-dir ${stack}\`, or in the background with --detach)\n`;
    for (const args of [
      ["login"],
      ["signup"],
      ["signup", "--resend"],
      ["password", "reset"],
      ["--profile", "alice", "password", "change"],
    ]) {
      const r = await lgauthInProcess(args, {
        env: { ...noUrls, LGAUTH_CONFIG_DIR: join(own, "config") },
        tty: true,
        answers: ["carol@example.com", "Typed-for-nothing-1", "Typed-for-nothing-1"],
      });
      assert.deepEqual([r.code, r.asked, r.stderr], [1, [], line], args.join(" "));
    }
  });

  test("LGAUTH_ACCESS_TOKEN: whoami reads its claims; a token that is not a JWT is exit 4", async () => {
    const claims = Buffer.from(JSON.stringify({ sub: "env-user", email: "env@example.com", exp })).toString(
      "base64url",
    );
    const token = `eyJhbGciOiJIUzI1NiJ9.${claims}.c2lnbmF0dXJl`;
    const who = await run(["--json", "whoami"], { LGAUTH_ACCESS_TOKEN: token });
    assert.equal(who.code, 0, who.stderr);
    assert.deepEqual(JSON.parse(who.stdout), {
      profile: "default",
      user_id: "env-user",
      email: "env@example.com",
      display_name: null,
      expires_at: new Date(exp * 1000).toISOString(),
      aal: null,
      source: "env",
    });
    const human = await run(["whoami"], { LGAUTH_ACCESS_TOKEN: token });
    assert.match(human.stdout, /^\(from LGAUTH_ACCESS_TOKEN, not checked with the server/m, "not 'from stored state'");
    const bad = await run(["whoami"], { LGAUTH_ACCESS_TOKEN: "not-a-jwt" });
    assert.equal(bad.code, 4);
    // logging in cannot help while the variable is set: the hint says what can
    assert.equal(
      bad.stderr,
      "lgauth: LGAUTH_ACCESS_TOKEN is set but is not a JWT with a subject (give a valid access token in LGAUTH_ACCESS_TOKEN, or unset it to use the profile's login)\n",
    );
  });

  test("a corrupt config: one line naming the file and the field; --debug adds the stack; the file is kept", async () => {
    const file = join(config, "config.json");
    const bad = '{"version":1,"profiles":{"bob":{"langgraphUrl":7}}}';
    await writeFile(file, bad);
    for (const args of [["--profile", "bob", "whoami"], ["profiles", "list"], ["status"]]) {
      const r = await run(args);
      assert.equal(r.code, 1, args.join(" "));
      assert.equal(
        r.stderr,
        `lgauth: config file ${file} is invalid: profiles.bob.langgraphUrl must be a string (fix or remove that field; lgauth will not overwrite the file until then)\n`,
      );
    }
    const debug = await run(["--debug", "--profile", "bob", "whoami"]);
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /\n\s+at /, "--debug shows the stack");
    assert.equal(await readFile(file, "utf8"), bad, "the corrupt file is left as it was");
    await rm(file);
  });
});
