/**
 * `lgauth dev` restarted, as a user meets it (the built CLI): a profile made against the stack
 * follows it to new ports, a profile made against explicit URLs keeps them, a second
 * `lgauth dev` on one data directory says who holds it, and a killed `lgauth dev` left as a
 * zombie (its parent never reaps it, as in a container without an init) blocks nothing: its
 * servers stop and a restart on the same data directory works. Every process is stopped by pid
 * at the end (test/helpers/children.ts).
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { procState } from "../../src/util/process.js";
import { type Child, startChild, stopAllChildren } from "../helpers/children.js";
import { LGAUTH_BIN, runCli } from "../helpers/cli.js";

let dir: string;
let env: NodeJS.ProcessEnv;
const PASSWORD = "pw-Restart-alice-123";

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lgauth-restart-test-"));
  env = { ...process.env, LGAUTH_CONFIG_DIR: join(dir, "config"), LGAUTH_CREDENTIAL_STORE: "file", NO_COLOR: "1" };
  for (const k of [
    "SUPABASE_URL",
    "SUPABASE_ANON_KEY",
    "LANGGRAPH_URL",
    "LGAUTH_PROFILE",
    "LGAUTH_ACCESS_TOKEN",
    "LGAUTH_DATA_DIR",
  ]) {
    delete env[k];
  }
});
after(async () => {
  await stopAllChildren();
  await rm(dir, { recursive: true, force: true });
});

interface Ready {
  supabase_url: string;
  supabase_anon_key: string;
  langgraph_url: string;
  replaced_default_stack: string | null;
}

async function readyLine(child: Child): Promise<Ready> {
  const [line] = await child.waitFor(/^\{"supabase_url".*\}$/m, 90_000);
  return JSON.parse(line) as Ready;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

describe("lgauth dev across restarts", () => {
  it("profiles follow the stack to new ports; a second dev is refused; a zombie blocks nothing", async () => {
    const dataDir = join(dir, "data");
    const devArgs = ["dev", "--json", "--data-dir", dataDir, "--auth-port", "0", "--langgraph-port", "0"];
    // `lgauth dev` under a parent that never reaps it: `sh` starts it, then becomes `sleep`
    const first = startChild(
      "/bin/sh",
      ["-c", `"$0" "$@" & echo "dev pid $!" >&2; exec sleep 600`, process.execPath, LGAUTH_BIN, ...devArgs],
      { env },
    );
    const [, pidText] = await first.waitFor(/dev pid (\d+)/);
    const devPid = Number(pidText);
    const one = await readyLine(first);

    // a profile made against `lgauth dev` records the stack, not its URLs
    const signup = await runCli(["signup", "--email", "alice@example.com", "--password-stdin"], {
      env,
      stdin: `${PASSWORD}\n`,
    });
    assert.equal(signup.code, 0, signup.stderr);
    const created = await runCli(["threads", "create", "--json"], { env });
    assert.equal(created.code, 0, created.stderr);
    const threadId = (JSON.parse(created.stdout) as { thread_id: string }).thread_id;
    // a profile made against explicit URLs keeps them
    const explicit = await runCli(
      [
        "--profile",
        "explicit",
        "--supabase-url",
        one.supabase_url,
        "--supabase-anon-key",
        one.supabase_anon_key,
        "--langgraph-url",
        one.langgraph_url,
        "login",
        "--email",
        "alice@example.com",
        "--password-stdin",
      ],
      { env, stdin: `${PASSWORD}\n` },
    );
    assert.equal(explicit.code, 0, explicit.stderr);
    const config = JSON.parse(await readFile(join(dir, "config", "config.json"), "utf8"));
    assert.equal(config.profiles.default.localStack, dataDir);
    assert.equal(config.profiles.default.supabaseUrl, undefined);
    assert.equal(config.profiles.default.langgraphUrl, undefined);
    assert.equal(config.profiles.explicit.supabaseUrl, one.supabase_url);
    assert.equal(config.profiles.explicit.langgraphUrl, one.langgraph_url);
    assert.equal(config.profiles.explicit.localStack, undefined);

    // a second `lgauth dev` on the same data directory names the first
    const second = await runCli(devArgs, { env });
    assert.equal(second.code, 1);
    assert.equal(second.stderr.trim().split("\n").length, 1, second.stderr);
    assert.ok(
      second.stderr.startsWith(
        `lgauth: data directory ${dataDir} is in use by another lgauth dev (pid ${devPid}) (\`lgauth dev status --data-dir ${dataDir}\` shows it`,
      ),
      second.stderr,
    );
    assert.equal(second.stdout, "");

    // kill -9: nobody reaps it, so it stays a zombie; its servers see their parent gone
    const state = JSON.parse(await readFile(join(dataDir, "state.json"), "utf8")) as {
      pids: { auth: number; langgraph: number };
    };
    process.kill(devPid, "SIGKILL");
    assert.ok(await until(() => procState(devPid) === "Z", 5_000), "lgauth dev is a zombie");
    for (const pid of [state.pids.auth, state.pids.langgraph]) {
      assert.ok(await until(() => procState(pid) === undefined, 5_000), `server ${pid} stopped`);
    }
    const down = await runCli(["threads", "list"], { env });
    assert.equal(down.code, 1);
    assert.match(down.stderr, new RegExp(`^lgauth: the local stack in ${dataDir} is not running \\(start it with`));

    // restart on the same data directory while the zombie is still there, on other ports
    assert.equal(procState(devPid), "Z");
    const restarted = startChild(process.execPath, [LGAUTH_BIN, ...devArgs], { env });
    const two = await readyLine(restarted);
    assert.notEqual(two.langgraph_url, one.langgraph_url);
    assert.notEqual(two.supabase_url, one.supabase_url);
    const listed = await runCli(["threads", "list", "--json"], { env });
    assert.equal(listed.code, 0, listed.stderr);
    const ids = (JSON.parse(listed.stdout) as { threads: { thread_id: string }[] }).threads.map((t) => t.thread_id);
    assert.ok(ids.includes(threadId), "the default profile follows the stack and finds its thread");
    const kept = JSON.parse(await readFile(join(dir, "config", "config.json"), "utf8"));
    assert.equal(kept.profiles.explicit.supabaseUrl, one.supabase_url, "explicit URLs are kept");
    assert.equal(one.replaced_default_stack, null);
    assert.equal(two.replaced_default_stack, null, "a restart on the same data directory replaces nothing");

    // a second stack on another data directory takes new logins, and says so while the first runs
    const otherDir = join(dir, "other-data");
    const other = startChild(
      process.execPath,
      [LGAUTH_BIN, "dev", "--data-dir", otherDir, "--auth-port", "0", "--langgraph-port", "0"],
      { env },
    );
    const [said] = await other.waitFor(/^Profiles without servers of their own.*$/m, 90_000);
    assert.equal(
      said,
      `Profiles without servers of their own now follow this stack, not the one still running in ${dataDir} (profiles logged in there stay with it). Try:`,
    );
    const stays = await runCli(["threads", "list", "--json"], { env });
    assert.equal(stays.code, 0, stays.stderr);
    assert.ok(stays.stdout.includes(threadId), "the logged-in profile stays with its stack");
    process.kill(other.pid, "SIGINT");
    assert.equal((await other.exited).code, 0, other.output().slice(-1000));

    process.kill(restarted.pid, "SIGINT");
    assert.equal((await restarted.exited).code, 0, restarted.output().slice(-1000));
  });
});
