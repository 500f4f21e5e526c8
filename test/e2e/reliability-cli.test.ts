/**
 * Bad input to the CLI, with a user logged in (0600 file store, real local Supabase Auth):
 * malformed config files, malformed credentials files, unknown flags, thread and run ids that
 * are not UUIDs, non-UTF-8 stdin for --password-stdin / --with-token. Every case: one line on
 * stderr, no stack trace, the promised exit code, and the stored credentials byte-for-byte
 * unchanged (a corrupt credentials file is left as it was, not overwritten or deleted). Every
 * run goes through the secret recorder; the scan at the end must find no secret. Commands run in
 * process (src/cli/run.ts with captured streams); the first signup runs the built binary.
 */
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { closedPort } from "../helpers/closed-port.js";
import { createRecorder } from "../helpers/recorder.js";

/** npm test runs a spread sample of the cases; test/stress runs them all (LGAUTH_RELIABILITY_FULL=1). */
const FULL = process.env.LGAUTH_RELIABILITY_FULL === "1";
function sample<T>(list: T[], n: number): T[] {
  if (FULL || list.length <= n) return list;
  const step = list.length / n;
  return Array.from({ length: n }, (_, i) => list[Math.floor(i * step)] as T);
}

const EMAIL = "alice.reliability@example.com";
const PASSWORD = "pw-alice-Reliable-123";
const NOT_UUIDS = [
  "abc",
  "../../etc/passwd",
  "0f6b2c4a-5d6e-4f80-9a1b-2c3d4e5f6a7bX",
  "0f6b2c4a5d6e4f809a1b2c3d4e5f6a7b",
  "' OR 1=1 --",
  "ünïcödé-🙂",
  "%2e%2e%2f",
  "-1",
];

describe("reliability: bad input to the CLI", () => {
  let supabase: LocalSupabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let credsPath: string;
  let configPath: string;
  let creds: Buffer;
  const rec = createRecorder();
  const counts = { runs: 0, faults: 0, failures: 0 };

  /** In process (src/cli/run.ts), except the first signup, which is the built binary. */
  function cli(args: string[], stdin?: string | Buffer, printsToken = false, inProcess = true) {
    counts.runs += 1;
    return rec.run(args, { env, ...(stdin !== undefined ? { stdin } : {}), printsToken, inProcess });
  }

  /** One bad-input case: the exit code, one stderr line without a stack, credentials unchanged. */
  async function expectRefused(args: string[], code: number | number[], stdin?: string | Buffer) {
    counts.faults += 1;
    const r = await cli(args, stdin);
    const codes = Array.isArray(code) ? code : [code];
    const lines = r.stderr.trimEnd().split("\n");
    const ok = codes.includes(r.code ?? -1) && lines.length === 1 && !/\n\s+at /.test(r.stderr);
    if (!ok) counts.failures += 1;
    assert.ok(codes.includes(r.code ?? -1), `lgauth ${args.join(" ")}: exit ${r.code}, wanted ${codes}\n${r.stderr}`);
    assert.equal(lines.length, 1, `lgauth ${args.join(" ")}: expected one line\n${r.stderr}`);
    assert.match(lines[0] ?? "", /^lgauth: /);
    return r;
  }

  async function credsUnchanged(context: string) {
    assert.ok((await readFile(credsPath)).equals(creds), `credentials changed by ${context}`);
  }

  before(async () => {
    supabase = await startLocalSupabase({ port: 0 });
    dir = await mkdtemp(join(tmpdir(), "lgauth-rel-cli-"));
    env = {
      ...process.env,
      LGAUTH_CONFIG_DIR: join(dir, "config"),
      SUPABASE_URL: supabase.url,
      SUPABASE_ANON_KEY: supabase.anonKey,
      LANGGRAPH_URL: `http://127.0.0.1:${await closedPort()}`,
      LGAUTH_CREDENTIAL_STORE: "file",
      NO_COLOR: "1",
    };
    for (const k of ["LGAUTH_PROFILE", "LGAUTH_ACCESS_TOKEN", "DBUS_SESSION_BUS_ADDRESS", "CI"]) delete env[k];
    credsPath = join(dir, "config", "credentials.json");
    configPath = join(dir, "config", "config.json");
    rec.secrets.add(PASSWORD);
    const signup = await cli(["signup", "--email", EMAIL, "--password-stdin"], `${PASSWORD}\n`, false, false);
    assert.equal(signup.code, 0, signup.stderr);
    const token = await cli(["token"], undefined, true);
    assert.equal(token.code, 0, token.stderr);
    rec.secrets.add(token.stdout.trim());
    creds = await readFile(credsPath);
    // every entry of the store is a token (refresh token, access token) or a chunk of one
    const entries = (JSON.parse(creds.toString()) as { entries: Record<string, string> }).entries;
    for (const v of Object.values(entries)) if (v.length >= 8) rec.secrets.add(v);
    assert.ok(rec.secrets.size >= 3, "password, access token and refresh token are known to the recorder");
  });

  after(async () => {
    console.log(
      `reliability-cli: cli-runs=${counts.runs} bad-inputs=${counts.faults} failures=${counts.failures} ` +
        `recorded-bytes=${rec.bytes}`,
    );
    await supabase?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("malformed config files: one line naming the file, exit 1, credentials untouched", async () => {
    const good = await readFile(configPath);
    const cases: (string | Buffer)[] = [
      "",
      "{",
      "null",
      "[]",
      '"config"',
      '{"version":2}',
      '{"version":1,"profiles":"alice"}',
      '{"version":1,"profiles":{"default":{"supabaseUrl":"ftp://x"}}}',
      '{"version":1,"profiles":{"default":{"supabaseUrl":42}}}',
      '{"version":1,"profiles":{"default":{"surprise":true}}}',
      '{"version":1,"profiles":{"../evil":{}}}',
      '{"version":1,"defaults":[]}',
      '{"version":1,"version":"1"}',
      Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0xc3, 0x28]),
      `{"version":1,"profiles":{"default":{"userId":"${"x".repeat(200_000)}"`,
    ];
    try {
      for (const content of sample(cases, 5)) {
        await writeFile(configPath, content);
        const commands = FULL ? [["whoami"], ["token"], ["threads", "list"]] : [["token"], ["threads", "list"]];
        await Promise.all(
          commands.map(async (args) => {
            const r = await expectRefused(args, 1);
            assert.ok(r.stderr.includes("config"), `the error names the config file: ${r.stderr}`);
          }),
        );
        await credsUnchanged(`config ${String(content).slice(0, 30)}`);
      }
    } finally {
      await writeFile(configPath, good);
    }
    const ok = await cli(["whoami"]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  test("malformed credentials files: one line, exit 1 or 4, the file left exactly as it was", async () => {
    const cases: (string | Buffer)[] = [
      "",
      "{",
      "null",
      '{"version":2,"entries":{}}',
      '{"version":1,"entries":[]}',
      '{"version":1,"entries":{"x":1}}',
      Buffer.from([0x00, 0xff, 0xfe, 0xfd]),
      '{"version":1,"entries":{}}',
      '{"version":1,"entries":{"lgauth:default":"{not json"}}',
    ];
    try {
      for (const content of sample(cases, 4)) {
        await writeFile(credsPath, content, { mode: 0o600 });
        const bytes = await readFile(credsPath);
        for (const args of FULL ? [["token"], ["threads", "list"], ["status"]] : [["threads", "list"]]) {
          const r = await cli(args);
          counts.faults += 1;
          if (args[0] === "status" && r.code === 0) continue; // status reports, it does not need tokens
          const lines = r.stderr.trimEnd().split("\n");
          assert.ok(
            r.code === 1 || r.code === 4,
            `lgauth ${args.join(" ")} with ${String(content)}: exit ${r.code}\n${r.stderr}`,
          );
          assert.equal(lines.length, 1, r.stderr);
          assert.doesNotMatch(r.stderr, /\n\s+at /);
        }
        assert.ok(
          (await readFile(credsPath)).equals(bytes),
          `a corrupt credentials file was rewritten: ${String(content)}`,
        );
      }
    } finally {
      await writeFile(credsPath, creds, { mode: 0o600 });
    }
    const again = await cli(["token"], undefined, true);
    assert.equal(again.code, 0, `the restored credentials work again: ${again.stderr}`);
  });

  test("a credentials file loosened to 0644 is tightened back to 0600 and still works", async () => {
    await chmod(credsPath, 0o644);
    const r = await cli(["token"], undefined, true);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await stat(credsPath)).mode & 0o777, 0o600);
    await credsUnchanged("token after chmod");
  });

  test("unknown flags and missing values: exit 2, one line", async () => {
    const cases = [
      ["whoami", "--bogus"],
      ["threads", "list", "--nope"],
      ["threads", "list", "--limit"],
      ["login", "--password", "hunter2"],
      ["chat", "--message"],
      ["runs", "create"],
      ["token", "--json=yes"],
      ["--profile"],
      ["--profile", "bad/name", "whoami"],
      ["threads", "frobnicate"],
      ["logout", "--scope", "everyone"],
      ["--supabase-url", "not a url", "whoami"],
    ];
    await Promise.all(sample(cases, 6).map((args) => expectRefused(args, 2)));
    await credsUnchanged("unknown flags");
  });

  test("thread and run ids that are not UUIDs: exit 2 before any request, one line", async () => {
    const good = "0f6b2c4a-5d6e-4f80-9a1b-2c3d4e5f6a7b";
    const cmds = (id: string) => [
      ["threads", "show", id],
      ["threads", "delete", id, "--yes"],
      ["threads", "history", id],
      ["runs", "list", id],
      ["runs", "create", id, "--message", "hi"],
      ["runs", "cancel", good, id],
      ["chat", id, "--message", "hi"],
    ];
    // every command with one bad id, every bad id with a rotating command (all pairs in the full run)
    const pairs = FULL
      ? NOT_UUIDS.flatMap((id) => cmds(id))
      : [...cmds(NOT_UUIDS[0] ?? "abc"), ...NOT_UUIDS.slice(1).map((id, i) => cmds(id)[(i * 3) % 7] ?? [])].filter(
          (_, i) => i % 2 === 0 || i < 7,
        );
    for (let i = 0; i < pairs.length; i += 4) {
      await Promise.all(pairs.slice(i, i + 4).map((args) => expectRefused(args, 2)));
    }
    await credsUnchanged("non-UUID ids");
  });

  test("non-UTF-8 stdin for --password-stdin and --with-token: exit 2, one line, nothing stored", async () => {
    const allBad = [
      Buffer.from([0xc3, 0x28, 0x0a]),
      Buffer.from([0xff, 0xfe, 0x70, 0x77, 0x0a]),
      Buffer.concat([Buffer.from(PASSWORD), Buffer.from([0x80, 0x0a])]),
      Buffer.from([0xed, 0xa0, 0x80, 0x0a]), // a UTF-16 surrogate encoded in UTF-8
    ];
    const bad = sample(allBad, 2);
    for (const stdin of bad) {
      await Promise.all([
        expectRefused(["login", "--email", EMAIL, "--password-stdin"], 2, stdin),
        expectRefused(["signup", "--email", "new.user@example.com", "--password-stdin"], 2, stdin),
        expectRefused(["login", "--with-token"], 2, stdin),
      ]);
    }
    await expectRefused(["login", "--email", EMAIL, "--password-stdin"], 2, "");
    await credsUnchanged("non-UTF-8 stdin");
  });

  test("secrets: no password or token in any output, argv or config; secret files 0600 in a 0700 dir", async () => {
    await rec.addFile("config.json", configPath);
    const hits = rec.scan();
    console.log(
      `reliability-cli secrets: runs=${rec.runs} bytes-scanned=${rec.bytes} secrets=${rec.secrets.size} hits=${hits.length}`,
    );
    assert.deepEqual(hits, []);
    assert.equal((await stat(credsPath)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, "config"))).mode & 0o777, 0o700);
  });
});
