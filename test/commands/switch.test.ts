/**
 * `lgauth switch` in process, from a config folder written by the test (no server): the saved
 * active profile, what wins over it (--profile, LGAUTH_PROFILE), the pick list on a terminal,
 * and a name that is no profile (one line, exit 1, the config left as it was).
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { lgauthInProcess } from "../helpers/lgauth-in-process.js";

const SUPABASE = "http://127.0.0.1:9";

describe("lgauth switch", () => {
  let dir: string;
  let config: string;
  let env: NodeJS.ProcessEnv;
  const run = (args: string[], o: { env?: NodeJS.ProcessEnv; tty?: boolean; answers?: string[] } = {}) =>
    lgauthInProcess(args, { env: { ...env, ...o.env }, tty: o.tty, answers: o.answers });
  const file = () => join(config, "config.json");
  const saved = async () => JSON.parse(await readFile(file(), "utf8")) as { activeProfile?: string };
  const loggedIn = (email: string) => ({
    supabaseUrl: SUPABASE,
    userId: "11111111-1111-4111-8111-111111111111",
    email,
    expiresAt: Math.floor(Date.now() / 1000) + 1800,
    credentialStore: "file",
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lgauth-cmd-switch-"));
    config = join(dir, "config");
    env = { PATH: process.env.PATH, HOME: dir, LGAUTH_CONFIG_DIR: config, NO_COLOR: "1", LANGGRAPH_URL: SUPABASE };
    await mkdir(config, { recursive: true, mode: 0o700 });
    await writeFile(
      file(),
      JSON.stringify({
        version: 1,
        defaults: {},
        profiles: { work: loggedIn("ada@example.com"), idle: { supabaseUrl: SUPABASE } },
      }),
      { mode: 0o600 },
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("switch <profile> saves it; whoami, status and profiles list then use it; --profile and LGAUTH_PROFILE win", async () => {
    const sw = await run(["switch", "work"]);
    assert.equal(sw.code, 0, sw.stderr);
    assert.equal(sw.stdout, 'Switched to profile "work" (ada@example.com).\n');
    assert.equal(sw.stderr, "");
    assert.equal((await saved()).activeProfile, "work");

    const who = await run(["whoami"]);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /^ada@example\.com \(.{36}\) on profile "work"/);
    const status = await run(["status"]);
    assert.match(status.stdout, /^work \(active\)$/m);
    assert.match(status.stdout, /^idle$/m);
    assert.match((await run(["profiles", "list"])).stdout, /^\*\s+work\s/m);

    const flag = await run(["--profile", "idle", "whoami"]);
    assert.equal(flag.code, 4);
    assert.match(flag.stderr, /not logged in \(profile "idle"\)/);
    const fromEnv = await run(["whoami"], { env: { LGAUTH_PROFILE: "idle" } });
    assert.equal(fromEnv.code, 4);
    assert.match(fromEnv.stderr, /not logged in \(profile "idle"\)/);

    const again = await run(["switch", "work"]);
    assert.equal(again.stdout, 'Profile "work" is already the active one (ada@example.com).\n');
    const shadowed = await run(["--json", "switch", "idle"], { env: { LGAUTH_PROFILE: "work" } });
    assert.equal(shadowed.code, 0, shadowed.stderr);
    assert.deepEqual(JSON.parse(shadowed.stdout), {
      active_profile: "idle",
      previous: "work",
      logged_in: false,
      email: null,
    });
    assert.equal(
      shadowed.stderr,
      "lgauth: warning: LGAUTH_PROFILE=work is set, so commands in this shell still use that profile\n",
    );
    assert.equal((await saved()).activeProfile, "idle");
  });

  test("no such profile: one line, exit 1, nothing saved; a bad name is a usage error", async () => {
    const before = await readFile(file(), "utf8");
    const r = await run(["switch", "nope"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, 'lgauth: no profile named "nope" (see `lgauth profiles list`)\n');
    const bad = await run(["switch", "no/pe"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^lgauth: invalid profile name "no\/pe"/);
    assert.equal(await readFile(file(), "utf8"), before, "the config is as it was");
  });

  test("without a name: the other one of two, a pick list of more on a terminal, a usage error in scripts", async () => {
    await run(["switch", "work"]);
    const other = await run(["switch"]);
    assert.equal(other.code, 0, other.stderr);
    assert.equal(other.stdout, 'Switched to profile "idle" (not logged in: run `lgauth login`).\n');

    const c = JSON.parse(await readFile(file(), "utf8")) as { profiles: Record<string, unknown> };
    c.profiles.home = loggedIn("bob@example.com");
    await writeFile(file(), JSON.stringify(c));
    const script = await run(["switch"]);
    assert.equal(script.code, 2);
    assert.match(script.stderr, /^lgauth: name the profile to switch to when not running in a terminal/);
    const picked = await run(["switch"], { tty: true, answers: ["home"] });
    assert.equal(picked.code, 0, picked.stderr);
    assert.deepEqual(picked.asked, ["Switch to which profile?"]);
    assert.equal(picked.stdout, 'Switched to profile "home" (bob@example.com).\n');

    const back = await run(["switch", "default"]);
    assert.equal(back.code, 0, back.stderr);
    assert.equal((await saved()).activeProfile, undefined, "default is the absence of a choice");

    await run(["switch", "idle"]);
    const removed = await run(["profiles", "remove", "idle"]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await saved()).activeProfile, undefined, "removing the active profile forgets the choice");
  });
});
