import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { emptyConfig, loadConfig, parseConfig, saveConfig, updateConfig } from "../../src/session/config.js";
import { configDir, configFile } from "../../src/session/paths.js";
import { sessionAccounts } from "../../src/session/accounts.js";
import { requireRunningStack } from "../../src/session/session.js";
import { resolveSettings } from "../../src/session/settings.js";
import { type StackState, writeStackState } from "../../src/stack/state.js";
import { UsageError } from "../../src/util/errors.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lgauth-config-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("config location", () => {
  test("LGAUTH_CONFIG_DIR beats XDG_CONFIG_HOME beats ~/.config", () => {
    assert.equal(configDir({ LGAUTH_CONFIG_DIR: "/a/b", XDG_CONFIG_HOME: "/x" }), "/a/b");
    assert.equal(configDir({ XDG_CONFIG_HOME: "/x" }), "/x/lgauth");
    assert.match(configDir({}), /\/\.config\/lgauth$/);
    // a relative XDG_CONFIG_HOME is invalid per the spec and ignored
    assert.match(configDir({ XDG_CONFIG_HOME: "rel" }), /\/\.config\/lgauth$/);
    assert.equal(configFile({ LGAUTH_CONFIG_DIR: "/a" }), "/a/config.json");
  });
});

describe("settings precedence: flags > env > profile > config defaults > built-in", () => {
  const config = emptyConfig();
  config.defaults = { supabaseUrl: "http://defaults:1", langgraphUrl: "http://defaults:2", supabaseAnonKey: "dkey" };
  config.profiles.work = { supabaseUrl: "http://profile:1", supabaseAnonKey: "pkey" };

  test("flag wins over everything", () => {
    const s = resolveSettings({ supabaseUrl: "http://flag:1" }, { SUPABASE_URL: "http://env:1" }, config, "work");
    assert.equal(s.supabaseUrl, "http://flag:1");
    assert.equal(s.sources.supabaseUrl, "flag");
  });
  test("env wins over profile", () => {
    const s = resolveSettings({}, { SUPABASE_URL: "http://env:1", SUPABASE_ANON_KEY: "ekey" }, config, "work");
    assert.equal(s.supabaseUrl, "http://env:1");
    assert.equal(s.supabaseAnonKey, "ekey");
    assert.equal(s.sources.supabaseAnonKey, "env");
  });
  test("profile wins over config defaults, defaults fill what the profile lacks", () => {
    const s = resolveSettings({}, {}, config, "work");
    assert.equal(s.supabaseUrl, "http://profile:1");
    assert.equal(s.sources.supabaseUrl, "profile");
    assert.equal(s.langgraphUrl, "http://defaults:2");
    assert.equal(s.sources.langgraphUrl, "config-default");
  });
  test("built-in defaults last; empty env values do not count", () => {
    const s = resolveSettings({}, { LANGGRAPH_URL: "" }, emptyConfig(), "default");
    assert.equal(s.supabaseUrl, "http://127.0.0.1:54321");
    assert.equal(s.langgraphUrl, "http://127.0.0.1:2024");
    assert.equal(s.sources.langgraphUrl, "builtin");
    assert.equal(s.supabaseAnonKey, undefined);
    assert.equal(s.sources.supabaseAnonKey, "unset");
  });
  test("a URL from the environment is checked as its flag is, only when it is the one in use", () => {
    for (const [name, value] of [
      ["SUPABASE_URL", "not a url"],
      ["SUPABASE_URL", "localhost:54321"],
      ["LANGGRAPH_URL", "ftp://x"],
    ] as const) {
      assert.throws(
        () => resolveSettings({}, { [name]: value }, config, "work"),
        (err: unknown) =>
          err instanceof UsageError &&
          err.message === `${name} must be an http(s) URL` &&
          /for example \w+_URL=http:\/\/127\.0\.0\.1:\d+/.test(err.hint ?? ""),
      );
    }
    const flagWins = resolveSettings({ supabaseUrl: "http://flag:1" }, { SUPABASE_URL: "nope" }, config, "work");
    assert.equal(flagWins.supabaseUrl, "http://flag:1");
  });
  test("trailing slashes are trimmed", () => {
    const s = resolveSettings({ supabaseUrl: "http://x:1/" }, {}, emptyConfig(), "default");
    assert.equal(s.supabaseUrl, "http://x:1");
  });
});

describe("profiles that follow a local stack (its URLs come from its state file)", () => {
  const stackState = (dataDir: string, pid: number, port: number) => ({
    version: 1,
    pid,
    startedAt: new Date().toISOString(),
    dataDir,
    supabaseUrl: `http://127.0.0.1:${port}`,
    anonKey: `anon-${port}`,
    serviceRoleKey: `service-${port}`,
    langgraphUrl: `http://127.0.0.1:${port + 1}`,
    oidcIssuer: null,
    pids: { auth: pid, langgraph: pid },
    detached: false,
    logFile: null,
  });

  test("a running stack's current URLs; the profile's own URLs beat them; the keychain entry is the stack's", async () => {
    const stack = join(dir, "stack-up");
    await writeStackState(stackState(stack, process.pid, 40001) as StackState);
    const config = emptyConfig();
    config.profiles.dev = { localStack: stack };
    config.profiles.mixed = { localStack: stack, langgraphUrl: "http://own:2" };
    const s = resolveSettings({}, {}, config, "dev");
    assert.equal(s.supabaseUrl, "http://127.0.0.1:40001");
    assert.equal(s.supabaseAnonKey, "anon-40001");
    assert.equal(s.langgraphUrl, "http://127.0.0.1:40002");
    assert.equal(s.sources.supabaseUrl, "local-stack");
    assert.equal(s.localStack, stack);
    assert.equal(s.localStackDown, undefined);
    const m = resolveSettings({}, {}, config, "mixed");
    assert.equal(m.langgraphUrl, "http://own:2");
    assert.equal(m.supabaseUrl, "http://127.0.0.1:40001");

    // the stack restarts on other ports: the profile follows
    await writeStackState(stackState(stack, process.pid, 40011) as StackState);
    assert.equal(resolveSettings({}, {}, config, "dev").supabaseUrl, "http://127.0.0.1:40011");

    // flags still win, and then the URL is not the stack's
    const f = resolveSettings({ supabaseUrl: "http://flag:1" }, {}, config, "dev");
    assert.equal(f.localStack, undefined);
    assert.equal(sessionAccounts("dev", "http://127.0.0.1:40001", true).refresh, "dev@lgauth-dev");
    assert.equal(sessionAccounts("dev", "http://127.0.0.1:40001").refresh, "dev@127.0.0.1:40001");
  });

  test("the defaults saved by lgauth dev name the stack; a stopped stack's URLs are not guessed", async () => {
    const up = join(dir, "stack-default");
    await writeStackState(stackState(up, process.pid, 40021) as StackState);
    const config = emptyConfig();
    config.defaults = { localStack: up };
    config.profiles.explicit = { supabaseUrl: "http://explicit:1" };
    assert.equal(resolveSettings({}, {}, config, "new").supabaseUrl, "http://127.0.0.1:40021");
    assert.equal(resolveSettings({}, {}, config, "explicit").supabaseUrl, "http://explicit:1");

    // no state file (stopped), or one whose process is gone (killed): not running
    const gone = join(dir, "stack-killed");
    await writeStackState(stackState(gone, 2 ** 22 + 12345, 40031) as StackState);
    for (const stack of [join(dir, "stack-never"), gone]) {
      config.profiles.dev = { localStack: stack };
      const s = resolveSettings({}, {}, config, "dev");
      assert.equal(s.localStackDown, stack, "even though the defaults' stack runs: the profile's is another");
      assert.throws(() => requireRunningStack(s), /the local stack in .* is not running/);
    }
    // an explicit flag does not depend on the stack
    assert.equal(resolveSettings({ supabaseUrl: "http://flag:1" }, {}, config, "dev").localStackDown, undefined);
  });

  test("localStack must be an absolute path", () => {
    assert.throws(
      () => parseConfig("/cfg/config.json", '{"version":1,"defaults":{"localStack":"rel/dir"}}'),
      /defaults\.localStack must be an absolute path/,
    );
  });
});

describe("config file", () => {
  test("a missing file is an empty config", async () => {
    assert.deepEqual(await loadConfig(join(dir, "none", "config.json")), emptyConfig());
  });

  test("save is atomic, dir 0700, file 0600, and round-trips", async () => {
    const file = join(dir, "fresh", "config.json");
    const config = emptyConfig();
    config.profiles.alice = { email: "alice@example.com", userId: "u1", credentialStore: "keychain" };
    await saveConfig(config, file);
    assert.equal((await stat(join(dir, "fresh"))).mode & 0o777, 0o700);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await loadConfig(file), config);
  });

  test("parallel updates from one process lose nothing", async () => {
    const file = join(dir, "parallel", "config.json");
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        updateConfig((c) => {
          c.profiles[`p${i}`] = { email: `p${i}@example.com` };
        }, file),
      ),
    );
    const config = await loadConfig(file);
    assert.equal(Object.keys(config.profiles).length, 10);
  });

  const corrupt: [string, string, RegExp][] = [
    ["truncated JSON", '{"version":1,"profiles":{', /not valid JSON/],
    ["wrong version", '{"version":2}', /: version must be 1/],
    [
      "bad URL",
      '{"version":1,"profiles":{"a":{"supabaseUrl":"ftp://x"}}}',
      /profiles\.a\.supabaseUrl must be an http\(s\) URL/,
    ],
    ["unknown field", '{"version":1,"profiles":{"a":{"token":"x"}}}', /profiles\.a\.token is not a known field/],
    ["bad store", '{"version":1,"profiles":{"a":{"credentialStore":"cloud"}}}', /profiles\.a\.credentialStore must be/],
    ["bad expiry", '{"version":1,"profiles":{"a":{"expiresAt":"soon"}}}', /profiles\.a\.expiresAt must be a unix time/],
    ["bad profile name", '{"version":1,"profiles":{"../x":{}}}', /profiles\.\.\.\/x is not a valid profile name/],
    ["array at top", "[]", /\(top level\) must be a JSON object/],
  ];
  for (const [name, text, pattern] of corrupt) {
    test(`corrupt config (${name}) names the file and the field`, () => {
      assert.throws(
        () => parseConfig("/cfg/config.json", text),
        (err: Error) => pattern.test(err.message) && err.message.includes("/cfg/config.json"),
      );
    });
  }

  test("a corrupt file is never overwritten by an update", async () => {
    const file = join(dir, "corrupt", "config.json");
    await saveConfig(emptyConfig(), file);
    const bad = '{"version":1,"profiles":{"a":{"supabaseUrl":42}}}';
    await writeFile(file, bad);
    await assert.rejects(
      updateConfig((c) => {
        c.profiles.b = {};
      }, file),
      /profiles\.a\.supabaseUrl must be a string/,
    );
    assert.equal(await readFile(file, "utf8"), bad);
  });
});
