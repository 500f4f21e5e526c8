/**
 * Bad input for the local Supabase Auth server, default-suite size (a few hundred requests;
 * `npm run test:stress` sends 10,000): zero 5xx, zero internal errors, every error in GoTrue's
 * shape, real users unchanged. Set LGAUTH_FUZZ_SEED to replay a run.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { it } from "node:test";
import { startLocalSupabase } from "../../src/local-supabase/index.js";
import { formatFuzzReport, fuzzLocalSupabase, gotrueShapeProblem } from "../helpers/auth-fuzz.js";

/** Sends raw bytes and reads until the server closes the connection (raw: fetch cannot send these). */
function rawExchange(url: string, request: string): Promise<{ head: string; body: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("the server kept the connection open"));
    }, 10_000);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const at = text.indexOf("\r\n\r\n");
      resolve({ head: text.slice(0, at), body: text.slice(at + 4), closed: true });
    });
    socket.end(request);
  });
}

it("local Supabase Auth: fuzzed requests to every endpoint get GoTrue-shaped 4xx, never 5xx, and real users are untouched", async () => {
  const seed = process.env.LGAUTH_FUZZ_SEED ? Number(process.env.LGAUTH_FUZZ_SEED) : undefined;
  const report = await fuzzLocalSupabase({ runs: 400, seed });
  console.log(formatFuzzReport("reliability-auth-fuzz", report));
  assert.equal(report.requests, 400);
  assert.deepEqual(report.failures.slice(0, 10), [], `${report.failures.length} bad answers (seed ${report.seed})`);
  assert.deepEqual(report.internalErrors.slice(0, 10), []);
  assert.deepEqual(report.realUsersChanged, []);
  const statuses = Object.keys(report.byStatus);
  assert.ok(
    statuses.some((s) => s.startsWith("4")),
    "the fuzzer reached error paths",
  );
  assert.ok(
    statuses.some((s) => s.startsWith("2")),
    "the fuzzer reached success paths",
  );
});

it("local Supabase Auth: a 64 KB header and malformed requests get GoTrue's legacy error shape and a closed connection", async () => {
  const sb = await startLocalSupabase({ port: 0 });
  try {
    const cases: { name: string; request: string; status: number; code: string }[] = [
      {
        name: "64 KB header",
        request: `GET /auth/v1/settings HTTP/1.1\r\nHost: x\r\napikey: ${sb.anonKey}\r\nx-big: ${"a".repeat(64 * 1024)}\r\n\r\n`,
        status: 431,
        code: "request_header_fields_too_large",
      },
      {
        name: "64 KB of small headers",
        request: `GET /auth/v1/settings HTTP/1.1\r\nHost: x\r\n${"x-h: 0123456789abcdef\r\n".repeat(2800)}\r\n`,
        status: 431,
        code: "request_header_fields_too_large",
      },
      { name: "malformed request line", request: "GARBAGE / NOT-HTTP\r\n\r\n", status: 400, code: "bad_request" },
      {
        name: "HEAD with a 64 KB header (no body in the answer)",
        request: `HEAD /auth/v1/settings HTTP/1.1\r\nHost: x\r\nx-big: ${"a".repeat(64 * 1024)}\r\n\r\n`,
        status: 431,
        code: "request_header_fields_too_large",
      },
      {
        name: "header without a colon",
        request: "GET /auth/v1/settings HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
        status: 400,
        code: "bad_request",
      },
    ];
    for (const c of cases) {
      const r = await rawExchange(sb.url, c.request);
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(r.head)?.[1]);
      assert.equal(status, c.status, `${c.name}: ${r.head}`);
      assert.match(r.head, /\r\nconnection: close/i, `${c.name}: the connection is closed`);
      assert.match(r.head, new RegExp(`\\r\\nx-sb-error-code: ${c.code}`, "i"), c.name);
      if (c.request.startsWith("HEAD ")) {
        assert.equal(r.body, "", `${c.name}: no body`);
        continue;
      }
      const contentType = /\r\ncontent-type: ([^\r]+)/i.exec(r.head)?.[1] ?? "";
      assert.equal(gotrueShapeProblem(status, contentType, Buffer.from(r.body), "GET"), undefined, c.name);
      const body = JSON.parse(r.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ["code", "error_code", "msg"], `${c.name}: legacy shape`);
      assert.equal(body.code, c.status);
      assert.equal(body.error_code, c.code);
    }
    // the server is still fine afterwards
    const ok = await fetch(`${sb.url}/auth/v1/settings`, { headers: { apikey: sb.anonKey } });
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
  } finally {
    await sb.stop();
  }
});

it("local Supabase Auth: NUL characters that reach the database are a 400, not a 500 (found by test:stress, seed 443692959)", async () => {
  const logged: string[] = [];
  const sb = await startLocalSupabase({ port: 0, log: (line) => logged.push(line) });
  try {
    const headers = { apikey: sb.anonKey, "content-type": "application/json", "x-supabase-api-version": "2024-01-01" };
    const bodies: [string, unknown][] = [
      ["/token?grant_type=password", { email: "a\u0000@example.com", password: "whatever-password" }],
      ["/signup", { email: "nul@example.com", password: "long enough password", data: { name: "a\u0000b" } }],
    ];
    for (const [path, body] of bodies) {
      const res = await fetch(`${sb.url}/auth/v1${path}`, { method: "POST", headers, body: JSON.stringify(body) });
      const json = (await res.json()) as { code?: string };
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(json)}`);
      assert.equal(json.code, "validation_failed");
    }
    assert.deepEqual(
      logged.filter((l) => /internal error/.test(l)),
      [],
    );
  } finally {
    await sb.stop();
  }
});
