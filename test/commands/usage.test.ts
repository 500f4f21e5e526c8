/**
 * Bad usage of every command, in process (src/cli/run.ts with captured streams): each case is
 * refused while commander parses, before any action runs, with one line on stderr, exit 2,
 * nothing on stdout and nothing written to the config folder. No server is needed: a command
 * that got as far as its action would fail on the closed ports instead (exit 1 or 4).
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { closedPort } from "../helpers/closed-port.js";
import { lgauthInProcess } from "../helpers/lgauth-in-process.js";

const THREAD = "0f6b2c4a-5d6e-4f80-9a1b-2c3d4e5f6a7b";

/** [argv, what the one line must say] */
const CASES: [string[], RegExp][] = [
  [["nosuch"], /unknown command 'nosuch'/],
  [["whoami", "--nosuch"], /unknown option '--nosuch'/],
  [["--profile", "../etc", "whoami"], /invalid profile name "\.\.\/etc"/],
  [["--supabase-url", "not a url", "whoami"], /--supabase-url must be an http\(s\) URL/],
  [["--langgraph-url", "ftp://x", "whoami"], /--langgraph-url must be an http\(s\) URL/],
  [
    ["--supabase-url", "http://me:s3cr3t@127.0.0.1:1", "whoami"],
    /^lgauth: --supabase-url must not contain a user name or password \(/,
  ],
  [["login", "--password", "hunter2hunter2"], /passwords are never accepted as a flag/],
  [["signup", "--password", "hunter2hunter2"], /passwords are never accepted as a flag/],
  [["login", "--email", "not-an-email", "--password-stdin"], /"not-an-email" is not an email address/],
  [["login", "--otp", "--with-token"], /'--with-token' cannot be used with option '--otp'/],
  [["login", "--provider", "github", "--password-stdin"], /cannot be used with option/],
  [["login", "--no-browser"], /--no-browser goes with --provider/],
  [["login", "--scopes", "repo"], /--scopes goes with --provider/],
  [["login", "--with-token", "--code-stdin"], /'--code-stdin' cannot be used with option '--with-token'/],
  [["login", "--provider", "bad name"], /"bad name" is not a provider name/],
  [["login", "--provider", "github", "--timeout", "0"], /--timeout must be whole seconds from 1 to 3600/],
  [["logout", "--scope", "sideways"], /'sideways' is invalid\. Allowed choices are local, global/],
  [["threads", "list", "--limit", "0"], /--limit must be a whole number from 1 to 1000/],
  [["threads", "list", "--limit", "ten"], /--limit must be a whole number from 1 to 1000/],
  [["threads", "list", "--status", "sleeping"], /Allowed choices are idle, busy, interrupted, error/],
  [["threads", "list", "--metadata", "novalue"], /--metadata "novalue" is not key=value/],
  [["threads", "create", "--metadata", "=x"], /--metadata "=x" is not key=value/],
  [["threads", "show", "abc"], /"abc" is not a thread id/],
  [["threads", "show"], /missing required argument 'thread-id'/],
  [["threads", "delete", "../../etc/passwd", "--yes"], /is not a thread id/],
  [["threads", "history", THREAD, "--limit", "1001"], /--limit must be a whole number/],
  [["runs", "list", "' OR 1=1 --"], /is not a thread id/],
  [["runs", "create", THREAD], /required option '-m, --message <text>' not specified/],
  [["runs", "create", THREAD, "--message", "   "], /--message must not be empty/],
  [["runs", "cancel", THREAD, "not-a-run"], /"not-a-run" is not a run id/],
  [["chat", "nope", "--message", "hi"], /"nope" is not a thread id/],
  [["chat", "--message", ""], /--message must not be empty/],
  [["profiles", "remove", "../x"], /invalid profile name/],
  [["dev", "--auth-port", "65536"], /--auth-port must be a port number from 0 to 65535/],
  [["dev", "--langgraph-port", "-1"], /--langgraph-port must be a port number|unknown option/],
  [["dev", "--only", "web"], /Allowed choices are auth/],
  [["demo", "--email-domain", "nodot"], /--email-domain "nodot" is not a domain/],
  [["audit", "--as", "bob"], /required option '--other <profile>' not specified/],
  [["audit", "--as", "../b", "--other", "a"], /invalid profile name/],
  [["completion", "tcsh"], /Allowed choices are bash, zsh, fish/],
];

describe("bad usage is refused before any action: exit 2, one line, nothing stored", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lgauth-usage-"));
    const closed = `http://127.0.0.1:${await closedPort()}`;
    env = {
      PATH: process.env.PATH,
      HOME: dir,
      LGAUTH_CONFIG_DIR: join(dir, "config"),
      SUPABASE_URL: closed,
      SUPABASE_ANON_KEY: "anon",
      LANGGRAPH_URL: closed,
      LGAUTH_CREDENTIAL_STORE: "file",
      NO_COLOR: "1",
    };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [args, said] of CASES) {
    test(`lgauth ${args.join(" ")}`, async () => {
      const r = await lgauthInProcess(args, { env, stdin: "x\n" });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, "");
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0] ?? "", /^lgauth: /);
      assert.match(r.stderr, said);
      assert.doesNotMatch(r.stderr, /hunter2/, "a refused password is never repeated");
      assert.deepEqual(await readdir(dir), [], "nothing written");
    });
  }

  test("a missing value in a script names the flag that supplies it", async () => {
    for (const [args, flag] of [
      [["login"], "--email"],
      [["login", "--email", "a@example.com"], "--password-stdin"],
      [["signup", "--email", "a@example.com"], "--password-stdin"],
      [["login", "--otp", "--email", "a@example.com"], "--code-stdin"],
      [["chat"], "--message"],
      [["threads", "delete", THREAD], "--yes"],
    ] as const) {
      const r = await lgauthInProcess([...args], { env });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(flag), args.join(" "));
      assert.deepEqual(r.asked, [], "no prompt without a terminal");
    }
  });

  test("a usage error points at the help of the command it is about (#19 item 10)", async () => {
    for (const [args, help] of [
      [["threads", "show"], "lgauth threads show"],
      [["--profile", "x", "runs", "create", THREAD], "lgauth runs create"],
      [["-p", "threads", "threads", "list", "--limit", "0"], "lgauth threads list"],
      [["threads", "nosuch"], "lgauth threads"],
      [["nosuch"], "lgauth"],
      [["--langgraph-url", "http://x", "logout", "--scope", "sideways"], "lgauth logout"],
    ] as const) {
      const r = await lgauthInProcess([...args], { env });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.ok(r.stderr.trimEnd().endsWith(`(see \`${help} --help\`)`), `${args.join(" ")}: ${r.stderr}`);
    }
  });

  test("the URL flags' examples name a server of their kind: a LangGraph port for --langgraph-url", async () => {
    const lg = await lgauthInProcess(["--langgraph-url", "ftp://x", "whoami"], { env });
    assert.match(lg.stderr, /for example --langgraph-url http:\/\/127\.0\.0\.1:2024\)/);
    const sb = await lgauthInProcess(["--supabase-url", "ftp://x", "whoami"], { env });
    assert.match(sb.stderr, /for example --supabase-url http:\/\/127\.0\.0\.1:54321\)/);
  });

  test("LGAUTH_PROFILE is checked like --profile", async () => {
    const r = await lgauthInProcess(["whoami"], { env: { ...env, LGAUTH_PROFILE: "a b" } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid profile name "a b"/);
  });

  test("SUPABASE_URL and LANGGRAPH_URL are checked like their flags, before anything is asked or sent", async () => {
    const login = await lgauthInProcess(["login", "--email", "a@example.com", "--password-stdin"], {
      env: { ...env, SUPABASE_URL: "localhost:54321" },
      stdin: "pw-not-sent\n",
    });
    assert.equal(login.code, 2);
    assert.equal(
      login.stderr,
      "lgauth: SUPABASE_URL must be an http(s) URL (for example SUPABASE_URL=http://127.0.0.1:54321, or unset it)\n",
    );
    const list = await lgauthInProcess(["threads", "list"], { env: { ...env, LANGGRAPH_URL: "not a url" } });
    assert.equal(list.code, 2);
    assert.match(
      list.stderr,
      /^lgauth: LANGGRAPH_URL must be an http\(s\) URL \(for example LANGGRAPH_URL=http:\/\/127\.0\.0\.1:2024/,
    );
    // a URL with credentials: refused, and the password never repeated (fetch refuses it anyway)
    const creds = await lgauthInProcess(["threads", "list", "--debug"], {
      env: { ...env, LANGGRAPH_URL: "http://me:s3cr3t-pw@127.0.0.1:1" },
    });
    assert.equal(creds.code, 2);
    assert.match(creds.stderr, /^lgauth: LANGGRAPH_URL must not contain a user name or password/);
    assert.doesNotMatch(creds.stderr + creds.stdout, /s3cr3t/);
    const flagWins = await lgauthInProcess(["--supabase-url", "http://127.0.0.1:9", "status"], {
      env: { ...env, SUPABASE_URL: "nope" },
    });
    assert.doesNotMatch(flagWins.stderr, /SUPABASE_URL must be/);
  });

  test("--help and group help go to stdout, exit 0", async () => {
    const top = await lgauthInProcess(["--help"], { env });
    assert.equal(top.code, 0);
    assert.match(top.stdout, /^Usage: lgauth/m);
    assert.match(top.stdout, /Exit codes: 0 ok/);
    const group = await lgauthInProcess(["runs", "--help"], { env });
    assert.equal(group.code, 0);
    for (const sub of ["list", "create", "cancel"]) assert.match(group.stdout, new RegExp(`  ${sub}\\b`));
    assert.equal(group.stderr, "");
    // the groups of #16 and #17, and the flags their "Done when" names
    const groups: [string, string[]][] = [
      ["mfa", ["enroll", "verify", "list", "remove"]],
      ["account", ["update"]],
      ["password", ["change", "reset"]],
    ];
    for (const [name, subs] of groups) {
      const help = await lgauthInProcess([name, "--help"], { env });
      assert.equal(help.code, 0, name);
      for (const sub of subs) assert.match(help.stdout, new RegExp(`^  ${sub}\\b`, "m"), `${name} ${sub}`);
    }
    // a group with no subcommand shows its help, as gh does (it printed nothing before)
    for (const name of ["threads", "runs", "mfa", "profiles", "password", "assistants"]) {
      const bare = await lgauthInProcess([name], { env });
      assert.equal(bare.code, 0, name);
      assert.match(bare.stdout, new RegExp(`^Usage: lgauth ${name} \\[options\\] \\[command\\]`), name);
      assert.equal(bare.stderr, "", name);
    }
    const flags: [string[], string[]][] = [
      [["signup"], ["--name", "--data", "--confirm", "--resend", "--code-stdin"]],
      [["login"], ["--code-stdin", "--otp"]],
      [
        ["mfa", "enroll"],
        ["--name", "--code-stdin"],
      ],
      [["mfa", "verify"], ["--code-stdin"]],
      [
        ["mfa", "remove"],
        ["--yes", "--code-stdin"],
      ],
      [
        ["account", "update"],
        ["--name", "--data", "--unset", "--email", "--code-stdin"],
      ],
      [
        ["password", "change"],
        ["--password-stdin", "--code-stdin"],
      ],
      [
        ["password", "reset"],
        ["--email", "--code-stdin", "--password-stdin"],
      ],
    ];
    for (const [command, names] of flags) {
      const help = await lgauthInProcess([...command, "--help"], { env });
      assert.equal(help.code, 0, command.join(" "));
      for (const flag of names)
        assert.match(help.stdout, new RegExp(`^ +${flag}\\b`, "m"), `${command.join(" ")} ${flag}`);
    }
  });
});
