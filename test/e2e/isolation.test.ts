/**
 * `lgauth demo` and `lgauth audit` end to end: the demo on its own local stack; the audit
 * against our server (no leak), the tutorial's published Auth on a stock server (each known
 * gap found, exit 5), and the demo against a server whose owner filter was removed (LEAK rows).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { authenticator } from "../helpers/authenticator.js";
import { startChild } from "../helpers/children.js";
import { LGAUTH_BIN, runCli } from "../helpers/cli.js";
import { lgauthInProcess } from "../helpers/lgauth-in-process.js";
import { type TestStack, startTestStack } from "../helpers/server-stack.js";
import { client } from "./local-supabase-kit.js";
import type { Check } from "../../src/audit/types.js";

const STOCK_AUTH = `${fileURLToPath(new URL("../helpers/server-stock-auth.ts", import.meta.url))}:auth`;
const NO_OWNER_AUTH = `${fileURLToPath(new URL("../helpers/server-no-owner-auth.ts", import.meta.url))}:auth`;

/** The `--json` document of demo and audit: the checks as src/audit reports them. */
interface Report {
  checks: Check[];
  ok: boolean;
}

/**
 * The JUnit report as CI systems read it: well-formed enough for a strict reader (one root,
 * every element closed, attributes quoted, entities escaped), one testcase per check, and a
 * failure with what was expected and what came back for each leak.
 */
function checkJunit(xml: string, report: Report, suite: string): void {
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
  const body = xml.replace(/^<\?xml[^>]*\?>/, "");
  const stack: string[] = [];
  for (const tag of body.matchAll(
    /<(\/?)([a-z]+)((?:\s+[a-z]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*(\/?)>/g,
  )) {
    const [, close, name = "", , selfClose] = tag;
    if (close) assert.equal(stack.pop(), name, "tags close in order");
    else if (!selfClose) stack.push(name);
  }
  assert.deepEqual(stack, [], "every element is closed");
  assert.doesNotMatch(body.replace(/<[^>]*>/g, ""), /[<>]|&(?!(amp|lt|gt|quot|apos);)/, "text is escaped");
  const failures = report.checks.filter((c) => !c.ok).length;
  assert.match(
    xml,
    new RegExp(`<testsuite name="${suite}" tests="${report.checks.length}" failures="${failures}" errors="0"`),
  );
  assert.equal([...xml.matchAll(/<testcase /g)].length, report.checks.length);
  assert.equal([...xml.matchAll(/<failure /g)].length, failures);
  for (const c of report.checks.filter((x) => !x.ok)) {
    const esc = (t: string) =>
      t
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/'/g, "&apos;")
        .replace(/"/g, "&quot;");
    assert.ok(xml.includes(`expected: ${esc(c.expected)}`), `failure of ${c.name} says what was expected`);
    assert.ok(xml.includes(`actual: ${esc(c.actual)}`), `failure of ${c.name} says what came back`);
  }
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
      const junit = join(config, "demo.xml");
      const summary = join(config, "summary.md");
      // --keep: the stack stays up after the report, so its tokens and JWKS can be looked at
      const demo = startChild(process.execPath, [LGAUTH_BIN, "demo", "--ci", "--json", "--keep", "--junit", junit], {
        env: { ...env, GITHUB_STEP_SUMMARY: summary },
      });
      const r = { stdout: "", stderr: "" };
      demo.proc.stdout?.on("data", (c: string) => {
        r.stdout += c;
      });
      demo.proc.stderr?.on("data", (c: string) => {
        r.stderr += c;
      });
      let demoConfig: string;
      try {
        demoConfig = (await demo.waitFor(/export LGAUTH_CONFIG_DIR=(\S+)\n/, 120_000))[1] ?? "";
        const authUrl = /auth (http:\/\/127\.0\.0\.1:\d+),/.exec(r.stderr)?.[1] ?? "";
        // The stack signs as new Supabase projects do: asymmetric ES256 keys in the JWKS, no
        // shared secret. The demo's users' tokens name the key, and the JWKS verifies them.
        assert.match(
          r.stderr,
          /tokens: ES256, this run's key; the LangGraph server verifies them with the auth server's JWKS/,
        );
        const stored = await readFile(join(demoConfig, "credentials.json"), "utf8");
        const tokens = [...stored.matchAll(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/g)].map((m) => m[0]);
        assert.ok(tokens.length >= 2, "alice's and bob's access tokens are stored");
        const jwksUrl = new URL(`${authUrl}/auth/v1/.well-known/jwks.json`);
        const jwks = (await (await fetch(jwksUrl)).json()) as { keys: { kty: string; kid: string; alg: string }[] };
        assert.ok(jwks.keys.length > 0, "the auth server publishes its key");
        assert.ok(
          jwks.keys.every((k) => k.kty === "EC" && k.alg === "ES256"),
          "only ES256 keys, no HS256 secret",
        );
        const keySet = createRemoteJWKSet(jwksUrl);
        for (const token of tokens) {
          const header = decodeProtectedHeader(token);
          assert.equal(header.alg, "ES256");
          assert.ok(
            jwks.keys.some((k) => k.kid === header.kid),
            "the token's kid is in the JWKS",
          );
          await jwtVerify(token, keySet, { algorithms: ["ES256"] });
        }
      } finally {
        await demo.stop("SIGINT");
      }
      const exit = await demo.exited;
      assert.equal(exit.code, 0, r.stderr);
      // --keep: the temporary folder (tokens included) is gone once the stack stopped
      assert.equal(existsSync(demoConfig), false, "the demo's folder is removed");
      const report = parseReport(r.stdout);
      checkJunit(await readFile(junit, "utf8"), report, "lgauth demo");
      const table = await readFile(summary, "utf8");
      assert.match(table, /^### lgauth demo: isolation holds \(\d+ of \d+ checks\)/);
      assert.equal(table.split("\n").filter((l) => l.startsWith("| ✅ pass |")).length, report.checks.length);
      // the throwaway users' tokens: one plain line says where, no keychain warnings
      assert.match(
        r.stderr,
        /their tokens: \S+credentials\.json \(0600, in a temporary folder removed when the stack stops\)/,
      );
      assert.doesNotMatch(r.stderr, /warning|D-Bus|keychain/i);
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
        "join alice's run stream (run id only)",
        "join alice's run through bob's own thread",
        "join alice's run through bob's own thread (resumable replay)",
        "wait on alice's run through bob's own thread (/join)",
      ]) {
        assert.ok(names.includes(n), `missing check ${n}`);
      }
      // alice turned on MFA: her password-only session is refused for it, her aal2 one works
      const byName = new Map(report.checks.map((c) => [c.name, c]));
      assert.match(
        byName.get("alice's password-only (aal1) token, alice has MFA")?.actual ?? "",
        /^403 .*MFA required/,
      );
      assert.match(byName.get("alice's aal2 token (second factor verified)")?.actual ?? "", /^200/);
      assert.match(r.stderr, /alice has MFA: her session is aal2/);
      // the expired token is refused because it is expired (signed with the stack's own ES256
      // key, not forged), without the demo waiting for a token to expire
      assert.match(report.checks.find((c) => c.name === "expired token")?.actual ?? "", /^401 token expired/);
      assert.match(r.stderr, /Hello Alice! /, "alice's streamed answer greets her by her display name");
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
    // profiles named neither alice nor bob: the audit's reports must name these (#19)
    for (const name of ["carol", "dave"]) {
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
    const r = await runCli(["audit", "--as", "dave", "--other", "carol", "--json"], {
      env: env(ours),
      timeoutMs: 90_000,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = parseReport(r.stdout);
    assert.equal(report.ok, true);
  });

  /**
   * carol (the owner) gets two authenticator apps, logs in with the first one's code, and
   * removes it: her session is aal1 while she still has a verified factor, which the audit
   * probes with.
   */
  async function carolAtAal1WithMfa(): Promise<void> {
    const sb = client({ url: stack.auth.supabaseUrl, anonKey: stack.auth.anonKey });
    const password = "carol-Audit-Secret-1";
    assert.equal((await sb.auth.signInWithPassword({ email: "carol.audit@example.com", password })).error, null);
    const apps = [];
    for (const name of ["first", "second"]) {
      const { data, error } = await sb.auth.mfa.enroll({ factorType: "totp", friendlyName: name });
      assert.equal(error, null);
      assert.ok(data?.type === "totp");
      const app = authenticator(data.totp.secret);
      assert.equal((await sb.auth.mfa.challengeAndVerify({ factorId: data.id, code: await app.code() })).error, null);
      apps.push({ id: data.id, app });
    }
    const first = apps[0];
    assert.ok(first);
    const cli = (args: string[], stdin?: string) => lgauthInProcess(args, { env: env(stock), stdin });
    const login = await cli(
      ["--profile", "carol", "login", "--email", "carol.audit@example.com", "--password-stdin", "--code-stdin"],
      `${password}\n${await first.app.code()}\n`,
    );
    assert.equal(login.code, 0, login.stderr);
    const removed = await cli(["--profile", "carol", "mfa", "remove", first.id, "--yes"]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /this session is aal1/);
  }

  test("audit finds each known gap of the tutorial's server and exits 5; carol's aal1 session, accepted although she has MFA, is a warning", async () => {
    await carolAtAal1WithMfa();
    const r = await runCli(["audit", "--as", "dave", "--other", "carol", "--json"], {
      env: env(stock),
      timeoutMs: 90_000,
    });
    assert.equal(r.code, 5, r.stderr);
    const report = parseReport(r.stdout);
    assert.equal(report.ok, false);
    const leaks = report.checks.filter((c) => !c.ok).map((c) => c.name);
    for (const gap of [
      "Studio bypass header (x-auth-scheme: langsmith)",
      "join carol's run stream (run id only)",
      "join carol's run through dave's own thread",
      "join carol's run through dave's own thread (resumable replay)",
      "wait on carol's run through dave's own thread (/join)",
      "protocol v2 state.get on carol's thread",
      "reach the data-wipe route",
    ]) {
      assert.ok(leaks.includes(gap), `expected LEAK for ${gap}; leaks: ${leaks.join(", ")}`);
    }
    // what the tutorial does get right stays right
    const byName = new Map(report.checks.map((c) => [c.name, c]));
    assert.equal(byName.get("read carol's thread")?.ok, true);
    assert.equal(byName.get("forged token (signed by another key)")?.ok, true);
    assert.equal(byName.get("tampered token (dave's signature, carol's id)")?.ok, true);
    for (const c of report.checks.filter((x) => !x.ok)) assert.ok(c.explanation, "a LEAK row explains itself");
    const mfa = byName.get("carol's password-only (aal1) token, carol has MFA");
    assert.equal(mfa?.ok, true, "a server whose MFA policy is unknown: not a leak");
    assert.match(mfa?.warning ?? "", /accepts a session of carol's without the second factor/);
    assert.doesNotMatch(r.stdout, /alice|bob/i, "the report names the profiles it was given");

    const junit = join(config, "audit.xml");
    const summary = join(config, "summary.md");
    await writeFile(summary, "earlier step\n");
    const human = await runCli(["audit", "--as", "dave", "--other", "carol", "--junit", junit], {
      env: { ...env(stock), NO_COLOR: "1", GITHUB_STEP_SUMMARY: summary },
      timeoutMs: 90_000,
    });
    assert.equal(human.code, 5);
    assert.match(human.stdout, /^LEAK\s+reach the data-wipe route/m);
    assert.match(human.stdout, /^LEAK\s+join carol's run through dave's own thread\s/m);
    assert.match(human.stdout, /Isolation broken: \d+ of \d+ checks leaked/);
    assert.match(human.stdout, /^warn\s+carol's password-only \(aal1\) token, carol has MFA/m);
    assert.match(human.stdout, /^WARN POST \/threads\/search: the server accepts a session of carol's/m);
    assert.doesNotMatch(human.stdout + human.stderr, /alice|bob/i, "the report names the profiles it was given");
    const xml = await readFile(junit, "utf8");
    checkJunit(xml, { ...report, checks: report.checks.map((c) => ({ ...c, actual: "" })) }, "lgauth audit");
    assert.match(
      xml,
      /<testcase classname="lgauth\.audit" name="join carol&apos;s run through dave&apos;s own thread" time="[\d.]+">\n\s*<failure message="LEAK: [^"]+" type="leak">route: GET \/threads\/\{attacker_thread\}\/runs\/\{owner_unread_run_2\}\/stream\nexpected: [^\n]+\nactual: 200 with carol&apos;s data<\/failure>/,
    );
    const table = await readFile(summary, "utf8");
    assert.match(table, /^earlier step\n### lgauth audit: isolation broken \(\d+ of \d+ checks leaked\)\n/, "appended");
    assert.match(table, /^\| ❌ LEAK \| reach the data-wipe route \| `POST \/internal\/truncate` \|/m);
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
    const same = await runCli(["audit", "--as", "dave", "--other", "dave"], { env: env(ours) });
    assert.equal(same.code, 2);
    const nobody = await runCli(["audit", "--as", "dave", "--other", "erin"], { env: env(ours) });
    assert.equal(nobody.code, 4);
  });
});
