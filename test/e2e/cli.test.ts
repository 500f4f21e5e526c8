import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { LGAUTH_BIN, runCli } from "../helpers/cli.js";
import { lgauthInProcess } from "../helpers/lgauth-in-process.js";
import { shellMissing } from "../helpers/shells.js";

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
  // the brief's second table (#16, #17)
  "mfa",
  "account",
  "password",
  "switch",
];

function assertOneLineError(stderr: string): void {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.match(lines[0] ?? "", /^lgauth: .+/);
  assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
}

// The built binary: help, version, the exit path of main.ts and a completion script run by
// bash. Bad usage of every command is in test/commands/usage.test.ts (in process).
describe("lgauth skeleton", () => {
  test("--help lists every command of the brief, exit 0", async () => {
    const r = await runCli(["--help"], { env });
    assert.equal(r.code, 0);
    for (const cmd of BRIEF_COMMANDS) assert.match(r.stdout, new RegExp(`^  ${cmd}\\b`, "m"), `missing ${cmd}`);
    assert.match(r.stdout, /Examples:/);
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

  test("a reader that went away (`lgauth --help | head`) ends lgauth quietly: exit 141, no stack trace", async () => {
    const child = spawn(process.execPath, [LGAUTH_BIN, "--help"], { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy(); // the reader is gone before lgauth writes: its writes fail with EPIPE
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(stderr, "");
    assert.equal(code, 141);
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
    assert.deepEqual(complete(["lgauth", "mfa", ""]), ["enroll", "verify", "list", "remove"], "flags wait for a dash");
    assert.deepEqual(complete(["lgauth", "completion", ""]), ["bash", "zsh", "fish"]);
  });

  test("zsh's script is bash's through bashcompinit, and loads in a zsh whose rc never ran compinit", {
    skip: shellMissing("zsh"),
  }, async () => {
    const z = await lgauthInProcess(["completion", "zsh"], { env });
    assert.equal(z.code, 0);
    assert.match(z.stdout, /^#compdef lgauth\n.*\n.*compinit.*\nautoload -U \+X bashcompinit && bashcompinit\n/);
    const script = join(dir, "lgauth.zsh");
    await writeFile(script, z.stdout);
    // zsh -f: no start-up files, so no compinit and no compdef (before: "command not found: compdef")
    const loaded = spawnSync("zsh", ["-f", "-c", `source ${script} && whence -w _lgauth_complete`], {
      encoding: "utf8",
      env: { ...env, HOME: dir, ZDOTDIR: dir },
    });
    assert.equal(loaded.stderr, "");
    assert.equal(loaded.stdout, "_lgauth_complete: function\n");
    const help = await lgauthInProcess(["completion", "--help"], { env });
    assert.match(help.stdout, /~\/\.zshrc +eval "\$\(lgauth completion zsh\)"/);
  });

  test("fish completes what bash completes: the command path typed so far decides", {
    skip: shellMissing("fish"),
  }, async () => {
    const r = await runCli(["completion", "fish"], { env });
    assert.equal(r.code, 0);
    const script = join(dir, "lgauth.fish");
    await writeFile(script, r.stdout);
    // `complete -C` asks fish's completion machinery what Tab would offer for a command line
    const complete = (line: string) => {
      const out = spawnSync("fish", ["--no-config", "-c", `source ${script}; complete -C '${line}'`], {
        encoding: "utf8",
      });
      assert.equal(out.status, 0, out.stderr);
      return out.stdout
        .trim()
        .split("\n")
        .map((l) => l.split("\t")[0]);
    };
    assert.deepEqual(complete("lgauth th"), ["threads"]);
    assert.deepEqual(complete("lgauth threads h"), ["history"]);
    assert.deepEqual(complete("lgauth runs list --l"), ["--limit", "--langgraph-url"].sort());
    // "list" is a subcommand of four groups: only mfa's flags (none but the global ones)
    assert.ok(!complete("lgauth mfa list --").includes("--limit"));
    assert.ok(complete("lgauth --profile x threads list --").includes("--limit"));
    assert.deepEqual(complete("lgauth mfa ").sort(), ["enroll", "list", "remove", "verify"]);
    assert.deepEqual(complete("lgauth login --passw"), ["--password-stdin"], "never the hidden --password");
    assert.deepEqual(complete("lgauth completion ").sort(), ["bash", "fish", "zsh"]);
    assert.deepEqual(complete("lgauth --supabase-url "), [""], "a flag's value is not a command");
    const all = complete("lgauth ");
    for (const cmd of BRIEF_COMMANDS) assert.ok(all.includes(cmd), `completion lacks ${cmd}`);
    const described = spawnSync("fish", ["--no-config", "-c", `source ${script}; complete -C 'lgauth thr'`], {
      encoding: "utf8",
    }).stdout;
    assert.equal(described, "threads\tyour threads on the LangGraph server\n", "subcommands carry their description");
  });
});
