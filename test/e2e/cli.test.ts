import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli } from "../helpers/cli.js";

let dir: string;
let env: NodeJS.ProcessEnv;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lgauth-cli-"));
  env = { ...process.env, LGAUTH_CONFIG_DIR: dir, NO_COLOR: "1" };
  for (const k of ["LGAUTH_PROFILE", "SUPABASE_URL", "SUPABASE_ANON_KEY", "LANGGRAPH_URL"]) delete env[k];
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const BRIEF_COMMANDS = [
  "signup",
  "login",
  "logout",
  "whoami",
  "status",
  "token",
  "profiles",
  "threads",
  "runs",
  "chat",
  "assistants",
  "dev",
  "demo",
  "audit",
  "completion",
];

function assertOneLineError(stderr: string): void {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.match(lines[0] ?? "", /^lgauth: .+/);
  assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
}

describe("lgauth skeleton", () => {
  test("--help lists every command of the brief, exit 0", async () => {
    const r = await runCli(["--help"], { env });
    assert.equal(r.code, 0);
    for (const cmd of BRIEF_COMMANDS) assert.match(r.stdout, new RegExp(`^  ${cmd}\\b`, "m"), `missing ${cmd}`);
    assert.match(r.stdout, /Examples:/);
  });

  test("group help lists the subcommands", async () => {
    const r = await runCli(["threads", "--help"], { env });
    assert.equal(r.code, 0);
    for (const sub of ["list", "create", "show", "delete", "history"])
      assert.match(r.stdout, new RegExp(`  ${sub}\\b`));
  });

  test("--version prints the package version", async () => {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    const r = await runCli(["--version"], { env });
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  test("an unknown command exits 2 with one line on stderr", async () => {
    const r = await runCli(["nosuch"], { env });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assertOneLineError(r.stderr);
    assert.match(r.stderr, /unknown command 'nosuch'/);
  });

  test("an unknown option exits 2 with one line", async () => {
    const r = await runCli(["whoami", "--nosuch"], { env });
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr);
  });

  test("an invalid profile name is a usage error", async () => {
    const r = await runCli(["--profile", "../etc", "whoami"], { env });
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr);
  });

  test("a malformed --supabase-url is a usage error", async () => {
    const r = await runCli(["--supabase-url", "not a url", "whoami"], { env });
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr);
    assert.match(r.stderr, /--supabase-url must be an http\(s\) URL/);
  });

  test("whoami with no login exits 4 and says to run lgauth login", async () => {
    const r = await runCli(["--profile", "x", "whoami"], { env });
    assert.equal(r.code, 4);
    assertOneLineError(r.stderr);
    assert.match(r.stderr, /lgauth login --profile x/);
  });

  test("LGAUTH_PROFILE selects the profile; whoami --json reads stored state", async () => {
    await writeFile(
      join(dir, "config.json"),
      JSON.stringify({ version: 1, defaults: {}, profiles: { bob: { userId: "b-1", email: "bob@example.com" } } }),
      { mode: 0o600 },
    );
    const r = await runCli(["whoami", "--json"], { env: { ...env, LGAUTH_PROFILE: "bob" } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { profile: "bob", user_id: "b-1", email: "bob@example.com", aal: null });
    assert.equal(r.stderr, "");
  });

  test("a corrupt config gives one line naming file and field; --debug adds the stack", async () => {
    const file = join(dir, "config.json");
    const bad = '{"version":1,"profiles":{"bob":{"langgraphUrl":7}}}';
    await writeFile(file, bad);
    const r = await runCli(["--profile", "bob", "whoami"], { env });
    assert.equal(r.code, 1);
    assertOneLineError(r.stderr);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.*profiles\\.bob\\.langgraphUrl`));
    const d = await runCli(["--debug", "--profile", "bob", "whoami"], { env });
    assert.equal(d.code, 1);
    assert.match(d.stderr, /\n\s+at /, "--debug shows the stack");
    assert.equal(await readFile(file, "utf8"), bad, "the corrupt file is left as it was");
    await rm(file);
  });

  test("bash completion is derived from the program and completes commands and subcommands", async () => {
    const r = await runCli(["completion", "bash"], { env });
    assert.equal(r.code, 0);
    const script = join(dir, "lgauth.bash");
    await writeFile(script, r.stdout);
    const complete = (words: string[]) => {
      const out = spawnSync(
        "bash",
        [
          "-c",
          `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _lgauth_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { encoding: "utf8" },
      );
      assert.equal(out.status, 0, out.stderr);
      return out.stdout.trim().split("\n");
    };
    assert.deepEqual(complete(["lgauth", "th"]), ["threads"]);
    assert.deepEqual(complete(["lgauth", "threads", "h"]), ["history"]);
    assert.ok(complete(["lgauth", "--profile", "x", "threads", "list", "--l"]).includes("--limit"));
    const all = complete(["lgauth", ""]);
    for (const cmd of BRIEF_COMMANDS) assert.ok(all.includes(cmd), `completion lacks ${cmd}`);
  });

  test("zsh and fish completion scripts are produced; an unknown shell is a usage error", async () => {
    const z = await runCli(["completion", "zsh"], { env });
    assert.equal(z.code, 0);
    assert.match(z.stdout, /^#compdef lgauth/);
    const f = await runCli(["completion", "fish"], { env });
    assert.equal(f.code, 0);
    assert.match(f.stdout, /complete -c lgauth -n '__fish_seen_subcommand_from threads' -a list/);
    const bad = await runCli(["completion", "tcsh"], { env });
    assert.equal(bad.code, 2);
    assertOneLineError(bad.stderr);
  });
});
