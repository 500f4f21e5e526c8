/**
 * `lgauth demo` and `lgauth audit` end to end: the demo on its own local stack; the audit
 * against our server (no leak), the tutorial's published Auth on a stock server (each known
 * gap found, exit 5), and the demo against a server whose owner filter was removed (LEAK rows).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { type TestStack, startTestStack } from "../helpers/server-stack.js";

const STOCK_AUTH = `${fileURLToPath(new URL("../helpers/server-stock-auth.ts", import.meta.url))}:auth`;
const NO_OWNER_AUTH = `${fileURLToPath(new URL("../helpers/server-no-owner-auth.ts", import.meta.url))}:auth`;

interface Report {
  checks: { name: string; route: string; expected: string; actual: string; ok: boolean; explanation?: string }[];
  ok: boolean;
}

function parseReport(stdout: string): Report {
  const report = JSON.parse(stdout) as Report;
  assert.ok(Array.isArray(report.checks) && report.checks.length > 15, "a check per probe");
  for (const c of report.checks) {
    for (const k of ["name", "expected", "actual"] as const) assert.equal(typeof c[k], "string");
    assert.equal(typeof c.ok, "boolean");
  }
  return report;
}

describe("lgauth demo on the local stack", () => {
  test("passes every check, exit 0, one JSON document, and keeps out of the user's config", async () => {
    const config = await mkdtemp(join(tmpdir(), "lgauth-demo-test-"));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, LGAUTH_CONFIG_DIR: config };
      for (const k of ["SUPABASE_URL", "SUPABASE_ANON_KEY", "LANGGRAPH_URL", "LGAUTH_PROFILE"]) delete env[k];
      const r = await runCli(["demo", "--ci", "--json"], { env, timeoutMs: 120_000 });
      assert.equal(r.code, 0, r.stderr);
      const report = parseReport(r.stdout);
      assert.equal(report.ok, true);
      assert.deepEqual(
        report.checks.filter((c) => !c.ok),
        [],
      );
      const names = report.checks.map((c) => c.name);
      for (const n of [
        "expired token",
        "token after logout",
        "forged token (signed by another key)",
        "join alice's live run stream (run id only)",
      ]) {
        assert.ok(names.includes(n), `missing check ${n}`);
      }
      assert.match(r.stderr, /Hello alice\.[0-9a-f]+@example\.com/, "alice's streamed answer greets her");
      assert.doesNotMatch(r.stdout + r.stderr, /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, "no token printed");
      // the user's own config dir was not used
      const cfg = await runCli(["profiles", "list", "--json"], { env });
      assert.deepEqual(JSON.parse(cfg.stdout), { profiles: [] });
    } finally {
      await rm(config, { recursive: true, force: true });
    }
  });
});

describe("lgauth audit and the demo against other servers", () => {
  let stack: TestStack;
  let ours = "";
  let stock = "";
  let broken = "";
  let config = "";
  const env = (langgraphUrl: string): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = {
      ...process.env,
      LGAUTH_CONFIG_DIR: config,
      SUPABASE_URL: stack.auth.supabaseUrl,
      SUPABASE_ANON_KEY: stack.auth.anonKey,
      LANGGRAPH_URL: langgraphUrl,
      LGAUTH_CREDENTIAL_STORE: "file",
    };
    delete e.LGAUTH_PROFILE;
    return e;
  };

  before(async () => {
    stack = await startTestStack([
      {},
      { authPath: STOCK_AUTH, disableStudioAuth: false },
      { authPath: NO_OWNER_AUTH, disableStudioAuth: false },
    ]);
    [ours = "", stock = "", broken = ""] = stack.langgraph;
    config = await mkdtemp(join(tmpdir(), "lgauth-audit-test-"));
    for (const name of ["alice", "bob"]) {
      const r = await runCli(
        ["--profile", name, "signup", "--email", `${name}.audit@example.com`, "--password-stdin"],
        {
          env: env(ours),
          stdin: `${name}-Audit-Secret-1\n`,
        },
      );
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await stack?.stop();
    if (config) await rm(config, { recursive: true, force: true });
  });

  test("audit finds no leak on our server", async () => {
    const r = await runCli(["audit", "--as", "bob", "--other", "alice", "--json"], {
      env: env(ours),
      timeoutMs: 90_000,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = parseReport(r.stdout);
    assert.equal(report.ok, true);
  });

  test("audit finds each known gap of the tutorial's server and exits 5", async () => {
    const r = await runCli(["audit", "--as", "bob", "--other", "alice", "--json"], {
      env: env(stock),
      timeoutMs: 90_000,
    });
    assert.equal(r.code, 5, r.stderr);
    const report = parseReport(r.stdout);
    assert.equal(report.ok, false);
    const leaks = report.checks.filter((c) => !c.ok).map((c) => c.name);
    for (const gap of [
      "Studio bypass header (x-auth-scheme: langsmith)",
      "join alice's live run stream (run id only)",
      "protocol v2 state.get on alice's thread",
      "reach the data-wipe route",
    ]) {
      assert.ok(leaks.includes(gap), `expected LEAK for ${gap}; leaks: ${leaks.join(", ")}`);
    }
    // what the tutorial does get right stays right
    const byName = new Map(report.checks.map((c) => [c.name, c]));
    assert.equal(byName.get("read alice's thread")?.ok, true);
    assert.equal(byName.get("forged token (signed by another key)")?.ok, true);
    for (const c of report.checks.filter((x) => !x.ok)) assert.ok(c.explanation, "a LEAK row explains itself");
    const human = await runCli(["audit", "--as", "bob", "--other", "alice"], {
      env: { ...env(stock), NO_COLOR: "1" },
      timeoutMs: 90_000,
    });
    assert.equal(human.code, 5);
    assert.match(human.stdout, /^LEAK\s+reach the data-wipe route/m);
    assert.match(human.stdout, /Isolation broken: \d+ of \d+ checks leaked/);
  });

  test("the demo against a server without the owner filter exits 5 with LEAK rows", async () => {
    const e = env(broken);
    const r = await runCli(
      [
        "demo",
        "--ci",
        "--json",
        "--supabase-url",
        stack.auth.supabaseUrl,
        "--langgraph-url",
        broken,
        "--supabase-anon-key",
        stack.auth.anonKey,
      ],
      { env: { ...e, LGAUTH_CREDENTIAL_STORE: "" }, timeoutMs: 120_000 },
    );
    assert.equal(r.code, 5, r.stderr);
    const report = parseReport(r.stdout);
    const leaks = report.checks.filter((c) => !c.ok).map((c) => c.name);
    for (const n of ["read alice's thread", "search threads by alice's metadata", "delete alice's thread"]) {
      assert.ok(leaks.includes(n), `expected LEAK for ${n}; leaks: ${leaks.join(", ")}`);
    }
  });

  test("audit needs two different logged-in profiles", async () => {
    const same = await runCli(["audit", "--as", "bob", "--other", "bob"], { env: env(ours) });
    assert.equal(same.code, 2);
    const nobody = await runCli(["audit", "--as", "bob", "--other", "carol"], { env: env(ours) });
    assert.equal(nobody.code, 4);
  });
});
