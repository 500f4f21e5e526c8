/**
 * The audit's probe table and its CI reports, in process: every placeholder a row uses is one
 * the runner fills, the rows that destroy data come last, and the JUnit XML and Markdown
 * survive names and answers with markup, quotes, pipes and control characters.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { junitXml, markdownSummary } from "../../src/audit/ci-formats.js";
import { probeFetch } from "../../src/audit/http.js";
import { PROBES } from "../../src/audit/probes.js";
import type { Check } from "../../src/audit/types.js";
import { makeContext } from "../../src/cli/context.js";
import { CliError } from "../../src/cli/errors.js";
import { testIO } from "../../src/cli/io.js";
import { reportChecks } from "../../src/cli/probe-report.js";

const FIXTURE_IDS = new Set([
  "owner_id",
  "owner_thread",
  "owner_run",
  "owner_unread_run",
  "owner_unread_run_2",
  "owner_join_thread",
  "owner_join_run",
  "attacker_thread",
  "assistant",
  "namespace",
  "marker",
]);
const placeholders = (text: string) => [...text.matchAll(/\{([a-z_0-9]+)\}/g)].map((m) => m[1] ?? "");

describe("probe table", () => {
  it("names every probe once, and only with {owner} and {attacker}", () => {
    const names = PROBES.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    for (const p of PROBES) {
      for (const text of [p.name, p.explanation, p.expected ?? ""]) {
        for (const key of placeholders(text)) assert.ok(["owner", "attacker"].includes(key), `${p.name}: {${key}}`);
      }
      assert.ok(!/alice|bob/i.test(`${p.name} ${p.explanation}`), `${p.name} names the real users, not alice or bob`);
    }
  });

  it("fills only ids the fixture makes into requests", () => {
    for (const p of PROBES) {
      const request = JSON.stringify([p.path, p.body ?? null, p.headers ?? null]);
      for (const key of placeholders(request)) assert.ok(FIXTURE_IDS.has(key), `${p.name}: {${key}}`);
    }
  });

  it("sends the probes that change or delete the owner's data last, deleting the thread at the very end", () => {
    assert.equal(PROBES.at(-1)?.name, "delete {owner}'s thread");
    const firstWrite = PROBES.findIndex((p) => p.method !== "GET" && p.aftermath !== undefined);
    for (const p of PROBES.slice(firstWrite)) assert.ok(!p.path.includes("runs/{owner_"), `${p.name} comes earlier`);
  });

  it("probes a run named through the attacker's own thread, with and without resumable replay", () => {
    const own = PROBES.filter((p) => p.path.startsWith("/threads/{attacker_thread}/runs/{owner_"));
    assert.deepEqual(
      own.map((p) => [p.path.split("/").at(-1), p.headers?.["Last-Event-ID"] ?? null]),
      [
        ["stream", null],
        ["stream", "-1"],
        ["join", null],
      ],
    );
  });
});

describe("probe requests", () => {
  // A stock server holds the stream of a finished run open after its last event; the judge only
  // needs to know whether the owner's marker is in it.
  it("stop reading a stream that is still open once the awaited text arrived", { timeout: 30_000 }, async () => {
    let clientLeft!: () => void;
    const left = new Promise<void>((resolve) => {
      clientLeft = resolve;
    });
    const server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("event: metadata\ndata: {}\n\n");
      setTimeout(() => res.write('event: values\ndata: {"marker":"lgauth-probe-x"}\n\n'), 20);
      req.socket.on("close", clientLeft); // never ended by the server
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await probeFetch(`http://127.0.0.1:${port}`, {
        method: "GET",
        path: "/threads/t/runs/r/stream",
        timeoutMs: 120_000, // far beyond the test's timeout: only the awaited text can end the read
        until: "lgauth-probe-x",
      });
      assert.equal(res.status, 200);
      assert.match(res.text, /lgauth-probe-x/);
      await left; // and the connection is given up, not left open
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("CI reports", () => {
  const checks: Check[] = [
    {
      name: 'read <carol>\'s thread & "more"',
      route: "GET /threads/{owner_thread}",
      expected: "404",
      actual: "404",
      ok: true,
      ms: 12,
    },
    {
      name: "join | pipe\u0001",
      route: "GET /a|b",
      expected: "refused or nothing of carol's",
      actual: "200 with carol's data <script>\u0007",
      ok: false,
      explanation: "dave received carol's run",
      ms: 1500,
    },
  ];
  const suite = { title: "lgauth audit", seconds: 3.25, timestamp: new Date("2026-01-02T03:04:05.678Z") };

  it("writes JUnit XML with one testcase per check and a failure with expected and actual", () => {
    const xml = junitXml(checks, suite);
    assert.match(
      xml,
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="lgauth audit" tests="2" failures="1"/,
    );
    assert.match(
      xml,
      /<testsuite name="lgauth audit" tests="2" failures="1" errors="0" skipped="0" time="3\.250" timestamp="2026-01-02T03:04:05">/,
    );
    assert.match(
      xml,
      /<testcase classname="lgauth\.audit" name="read &lt;carol&gt;&apos;s thread &amp; &quot;more&quot;" time="0\.012"\/>/,
    );
    assert.match(
      xml,
      /<testcase classname="lgauth\.audit" name="join \| pipe" time="1\.500">\n\s+<failure message="LEAK: dave received carol&apos;s run" type="leak">route: GET \/a\|b\nexpected: refused or nothing of carol&apos;s\nactual: 200 with carol&apos;s data &lt;script&gt;<\/failure>\n\s+<\/testcase>/,
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 cannot hold them
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });

  it("writes a Markdown table whose cells cannot break the table", () => {
    const md = markdownSummary(checks, suite);
    const lines = md.split("\n");
    assert.equal(lines[0], "### lgauth audit: isolation broken (1 of 2 checks leaked)");
    assert.equal(lines[2], "| result | what was tried | route | a private server answers | it answered |");
    assert.equal(lines.filter((l) => l.startsWith("| ")).length, 4, "header, rule and two rows");
    for (const row of lines.filter((l) => l.startsWith("| ✅") || l.startsWith("| ❌"))) {
      assert.equal(row.split(/(?<!\\)\|/).length, 7, row);
    }
    assert.match(md, /^\| ❌ LEAK \| join \\\| pipe/m);
    assert.ok(md.endsWith("\n\n"), "a later section starts on its own");
  });
});

describe("reportChecks (in process)", () => {
  const checks: Check[] = [
    { name: "read carol's thread", route: "GET /threads/{owner_thread}", expected: "404", actual: "404", ok: true },
    { name: "reach the data-wipe route", route: "POST /internal/truncate", expected: "403", actual: "200", ok: false },
  ];

  it("prints the table, writes --junit, appends to $GITHUB_STEP_SUMMARY and exits 5 on a leak", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lgauth-report-"));
    try {
      const summary = join(dir, "summary.md");
      await writeFile(summary, "before\n");
      const t = testIO();
      const ctx = makeContext({}, { io: t.io, env: { GITHUB_STEP_SUMMARY: summary }, configDir: dir });
      const code = await reportChecks(ctx, checks, { title: "lgauth audit", junit: join(dir, "r.xml"), seconds: 1 });
      assert.equal(code, 5);
      assert.match(t.stdout(), /^LEAK\s+reach the data-wipe route/m);
      assert.match(await readFile(join(dir, "r.xml"), "utf8"), /tests="2" failures="1"/);
      assert.match(
        await readFile(summary, "utf8"),
        /^before\n### lgauth audit: isolation broken \(1 of 2 checks leaked\)/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("shows a warning (an aal1 session accepted where the MFA policy is unknown) as a warn row that is no leak", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lgauth-report-"));
    try {
      const warned: Check[] = [
        checks[0] as Check,
        {
          name: "carol's password-only (aal1) token, carol has MFA",
          route: "POST /threads/search",
          expected: "403 MFA required",
          actual: "200 []",
          ok: true,
          warning: "the server accepts a session of carol's without the second factor carol turned on",
        },
      ];
      const summary = join(dir, "summary.md");
      const t = testIO();
      const ctx = makeContext({}, { io: t.io, env: { GITHUB_STEP_SUMMARY: summary }, configDir: dir });
      const code = await reportChecks(ctx, warned, { title: "lgauth audit", junit: join(dir, "r.xml"), seconds: 1 });
      assert.equal(code, 0);
      assert.match(t.stdout(), /^warn\s+carol's password-only \(aal1\) token/m);
      assert.match(t.stdout(), /^WARN POST \/threads\/search: the server accepts a session of carol's without/m);
      assert.match(t.stdout(), /Isolation holds: 2 of 2 checks \(1 warning\)/);
      const xml = await readFile(join(dir, "r.xml"), "utf8");
      assert.match(xml, /tests="2" failures="0"/);
      assert.match(xml, /<system-out>warning: the server accepts a session of carol&apos;s without/);
      assert.match(await readFile(summary, "utf8"), /^\| ⚠️ warn \| carol's password-only/m);
      const j = testIO();
      await reportChecks(makeContext({ json: true }, { io: j.io, env: {}, configDir: dir }), warned, {
        title: "lgauth audit",
        seconds: 1,
      });
      const doc = JSON.parse(j.stdout()) as { ok: boolean; checks: { warning?: string }[] };
      assert.equal(doc.ok, true);
      assert.match(doc.checks[1]?.warning ?? "", /without the second factor/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says in one error which report it could not write, after printing the checks", async () => {
    const t = testIO();
    const ctx = makeContext({ json: true }, { io: t.io, env: {}, configDir: tmpdir() });
    await assert.rejects(
      reportChecks(ctx, checks.slice(0, 1), { title: "lgauth demo", junit: "/nonexistent-dir/r.xml", seconds: 1 }),
      (err: unknown) =>
        err instanceof CliError &&
        /^cannot write the JUnit report to \/nonexistent-dir\/r\.xml \(ENOENT\)$/.test(err.message),
    );
    assert.equal((JSON.parse(t.stdout()) as { ok: boolean }).ok, true, "the JSON document came first");
  });
});
