/**
 * Property-based fuzzing of the local Supabase Auth server (fast-check): random requests to
 * every endpoint with wrong types, huge strings, unicode, nulls, duplicate keys, truncated JSON,
 * bytes that are not UTF-8, odd headers and query strings. Checks each answer: no 5xx, and every
 * error in one of GoTrue's shapes (2024-01-01 `{code,message}`, legacy `{code,error_code,msg}`,
 * OAuth `{error,error_description}`, the gateway's `{message,hint}`, the router's 404/405).
 * Real users created before the run must be unchanged after it.
 */
import { request } from "node:http";
import fc from "fast-check";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";

export interface FuzzReport {
  seed: number;
  requests: number;
  byStatus: Record<string, number>;
  failures: string[];
  internalErrors: string[];
  realUsersChanged: string[];
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

const ENDPOINTS = [
  "/health",
  "/settings",
  "/.well-known/jwks.json",
  "/signup",
  "/token",
  "/user",
  "/logout",
  "/verify",
  "/authorize",
  "/callback",
  "/admin/users",
  "/_dev/outbox",
  "/recover",
  "/otp",
  "/resend",
  "/reauthenticate",
  "/invite",
  "/admin/generate_link",
  "/magiclink",
  "/admin/audit",
  "/admin/sso/providers",
  "/.well-known/openid-configuration",
  "/nope",
];
const METHODS: Record<string, string[]> = {
  "/signup": ["POST"],
  "/token": ["POST"],
  "/user": ["GET", "PUT"],
  "/logout": ["POST"],
  "/verify": ["GET", "POST"],
  "/callback": ["GET", "POST"],
  "/admin/users": ["GET", "POST"],
  "/resend": ["POST"],
  "/recover": ["POST"],
  "/invite": ["POST"],
  "/admin/generate_link": ["POST"],
  "/magiclink": ["POST"],
  "/admin/sso/providers": ["GET", "POST"],
};
const FIELDS = [
  "email",
  "new_email",
  "password",
  "phone",
  "refresh_token",
  "data",
  "user_metadata",
  "app_metadata",
  "email_confirm",
  "ban_duration",
  "token",
  "token_hash",
  "type",
  "redirect_to",
  "code_challenge",
  "code_challenge_method",
  "auth_code",
  "code_verifier",
  "nonce",
  "gotrue_meta_security",
  "options",
  "role",
  "id",
];

function weirdString(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string(),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.constantFrom("", " ", "\u0000", "null", "undefined", "__proto__", "constructor", "%00", "../../etc/passwd"),
    fc.constantFrom("a@b.co", "User@Example.COM", "x@localhost", "@", "a@", "a".repeat(300) + "@example.com"),
    fc.nat({ max: 3 }).map((n) => "é".repeat([10, 1000, 70_000, 300_000][n] ?? 10)),
    fc.emailAddress(),
  );
}

function weirdValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: weirdString() },
    fc.constant(null),
    fc.boolean(),
    fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e308, -0, 2 ** 53 + 1)),
    fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
    fc.dictionary(weirdString(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    fc.jsonValue({ maxDepth: 4 }),
  );
}

function bodyArb(): fc.Arbitrary<Buffer | undefined> {
  const fieldObject = fc.dictionary(fc.constantFrom(...FIELDS), weirdValue(), { maxKeys: 6 });
  return fc.oneof(
    { weight: 5, arbitrary: fieldObject.map((o) => Buffer.from(JSON.stringify(o))) },
    fc.constant(undefined),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? "null")),
    // truncated JSON
    fc.tuple(fieldObject, fc.nat()).map(([o, n]) => {
      const s = JSON.stringify(o);
      return Buffer.from(s.slice(0, n % Math.max(1, s.length)));
    }),
    // duplicate keys
    fc
      .tuple(fc.constantFrom(...FIELDS), weirdValue(), weirdValue())
      .map(([k, a, b]) => Buffer.from(`{"${k}":${JSON.stringify(a) ?? "null"},"${k}":${JSON.stringify(b) ?? "null"}}`)),
    // not UTF-8, or not JSON at all
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    fc
      .constantFrom("{", "}", "[]", "null", '"str"', '{"email":', "\ufeff{}", '{"a":1}garbage')
      .map((s) => Buffer.from(s)),
    // bigger than the 1 MiB limit
    fc.constant(Buffer.alloc((1 << 20) + 10, 0x61)),
  );
}

export function requestArb(keys: { anon: string; service: string; userToken: string }): fc.Arbitrary<FuzzRequest> {
  const path = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ENDPOINTS) },
    fc.oneof(fc.uuid(), weirdString().map(encodeURIComponent)).map((id) => `/admin/users/${id}`),
  );
  const query = fc.dictionary(
    fc.constantFrom(
      "grant_type",
      "redirect_to",
      "type",
      "token",
      "scope",
      "page",
      "per_page",
      "apikey",
      "provider",
      "x",
    ),
    fc.oneof(
      fc.constantFrom("password", "refresh_token", "pkce", "id_token", "local", "global", "others", "-1", "1e9"),
      weirdString(),
    ),
    { maxKeys: 3 },
  );
  const headers = fc.record(
    {
      apikey: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(keys.anon, keys.service) },
        fc.constantFrom("garbage", ""),
      ),
      authorization: fc.oneof(
        fc.constantFrom(
          `Bearer ${keys.userToken}`,
          `Bearer ${keys.service}`,
          `Bearer ${keys.anon}`,
          "Bearer",
          "Basic x",
        ),
        weirdString().map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, "")}`),
      ),
      "x-supabase-api-version": fc.constantFrom("2024-01-01", "2023-01-01", "garbage", "9999-99-99"),
      "content-type": fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", ""),
    },
    { requiredKeys: ["apikey"] },
  );
  return fc
    .record({
      anyMethod: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"),
      validMethod: fc.boolean(),
      path,
      query,
      headers,
      body: bodyArb(),
    })
    .map(({ anyMethod, validMethod, path: p, query: q, headers: h, body }) => {
      const own = p.startsWith("/admin/users/") ? ["GET", "PUT", "DELETE"] : (METHODS[p] ?? ["GET"]);
      const method = validMethod ? (own[anyMethod.length % own.length] ?? "GET") : anyMethod;
      const qs = new URLSearchParams(q).toString();
      const clean: Record<string, string> = {};
      for (const [k, v] of Object.entries(h)) if (v !== "") clean[k] = v;
      return {
        method,
        path: `/auth/v1${p}${qs ? `?${qs}` : ""}`,
        headers: clean,
        body: method === "GET" || method === "HEAD" ? undefined : body,
      };
    });
}

function send(base: URL, r: FuzzRequest): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method: r.method,
        path: r.path,
        headers: { ...r.headers, ...(r.body ? { "content-length": String(r.body.length) } : {}) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error("request timed out")));
    // the server may answer (413) and close before it has read an oversized body
    req.on("error", (err) => reject(err));
    req.end(r.body);
  });
}

/** Why an error answer is not in one of GoTrue's shapes, or undefined when it is. */
export function gotrueShapeProblem(
  status: number,
  contentType: string,
  body: Buffer,
  method: string,
): string | undefined {
  if (status < 400) return undefined;
  if (method === "HEAD") return undefined;
  if (status === 405) return body.length === 0 ? undefined : "405 with a body";
  if (status === 404 && contentType.startsWith("text/plain")) {
    return body.toString() === "404 page not found\n" ? undefined : "odd text 404";
  }
  if (!contentType.startsWith("application/json")) return `error with content-type ${contentType || "(none)"}`;
  let v: unknown;
  try {
    v = JSON.parse(body.toString("utf8"));
  } catch {
    return "error body is not JSON";
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "error body is not an object";
  const o = v as Record<string, unknown>;
  const str = (k: string) => typeof o[k] === "string" && (o[k] as string) !== "";
  if (str("code") && str("message")) return undefined; // 2024-01-01
  if (o.code === status && str("error_code") && str("msg")) return undefined; // legacy
  if (status === 400 && str("error") && typeof o.error_description === "string") return undefined; // OAuth
  if ((status === 401 || status === 404) && str("message")) return undefined; // gateway / no route
  return `unknown error shape ${JSON.stringify(o).slice(0, 200)}`;
}

async function adminGet(sb: LocalSupabase, id: string): Promise<string> {
  const res = await fetch(`${sb.url}/auth/v1/admin/users/${id}`, {
    headers: { apikey: sb.serviceRoleKey, authorization: `Bearer ${sb.serviceRoleKey}` },
  });
  return `${res.status} ${await res.text()}`;
}

async function passwordGrant(
  sb: LocalSupabase,
  email: string,
  password: string,
): Promise<{ status: number; token: string }> {
  const res = await fetch(`${sb.url}/auth/v1/token?grant_type=password`, {
    method: "POST",
    headers: { apikey: sb.anonKey, "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const body = (await res.json()) as { access_token?: string };
  return { status: res.status, token: body.access_token ?? "" };
}

export async function fuzzLocalSupabase(opts: {
  runs: number;
  seed?: number;
  concurrency?: number;
}): Promise<FuzzReport> {
  const seed = opts.seed ?? Date.now() % 2 ** 31;
  const internalErrors: string[] = [];
  const sb = await startLocalSupabase({
    port: 0,
    rateLimits: { token: 1_000_000, signup: 1_000_000, verify: 1_000_000 },
    log: (line) => {
      if (/internal error|unhandled|uncaught/i.test(line)) internalErrors.push(line);
    },
  });
  const report: FuzzReport = { seed, requests: 0, byStatus: {}, failures: [], internalErrors, realUsersChanged: [] };
  try {
    // real users, created before the run, with metadata
    const real: { id: string; email: string; password: string; before: string }[] = [];
    for (const name of ["alice", "bob"]) {
      const email = `${name}.fuzz@example.com`;
      const password = `pw-${name}-Fuzz-123`;
      const res = await fetch(`${sb.url}/auth/v1/signup`, {
        method: "POST",
        headers: { apikey: sb.anonKey, "content-type": "application/json" },
        body: JSON.stringify({ email, password, data: { name, plan: "pro" } }),
      });
      const body = (await res.json()) as { user?: { id: string }; id?: string };
      const id = body.user?.id ?? body.id;
      if (!id) throw new Error(`could not create ${name}: ${res.status}`);
      real.push({ id, email, password, before: await adminGet(sb, id) });
    }
    // a throwaway user whose token the fuzzer may use (and whose data it may change)
    await fetch(`${sb.url}/auth/v1/signup`, {
      method: "POST",
      headers: { apikey: sb.anonKey, "content-type": "application/json" },
      body: JSON.stringify({ email: "throwaway.fuzz@example.com", password: "pw-throwaway-123" }),
    });
    const userToken = (await passwordGrant(sb, "throwaway.fuzz@example.com", "pw-throwaway-123")).token;

    const base = new URL(sb.url);
    const arb = requestArb({ anon: sb.anonKey, service: sb.serviceRoleKey, userToken });
    // generated in batches (seed, seed+1, ...) so huge bodies are not all held at once
    const BATCH = 250;
    let batch: FuzzRequest[] = [];
    let taken = 0;
    let batchNo = 0;
    const nextRequest = (): FuzzRequest | undefined => {
      if (taken >= opts.runs) return undefined;
      if (batch.length === 0) {
        batch = fc.sample(arb, { numRuns: Math.min(BATCH, opts.runs - taken), seed: seed + batchNo++ }).reverse();
      }
      taken += 1;
      return batch.pop();
    };
    const worker = async () => {
      for (let r = nextRequest(); r; r = nextRequest()) {
        report.requests += 1;
        try {
          const res = await send(base, r);
          const what = `${r.method} ${r.path.slice(0, 120)}`;
          if (res.status >= 500)
            report.failures.push(`${res.status} for ${what}: ${res.body.toString().slice(0, 200)}`);
          const headBytes =
            r.path.length + Object.entries(r.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
          if ((res.status === 400 || res.status === 431) && res.body.length === 0 && headBytes > 16 * 1024) {
            // Node's HTTP parser refused a request line + headers over its 16 KB limit before the
            // app saw it (as Kong/Go would with 414/431): allowed, counted apart
            report.byStatus.parserRefused = (report.byStatus.parserRefused ?? 0) + 1;
            continue;
          }
          report.byStatus[res.status] = (report.byStatus[res.status] ?? 0) + 1;
          const problem = gotrueShapeProblem(res.status, String(res.headers["content-type"] ?? ""), res.body, r.method);
          if (problem) report.failures.push(`${res.status} for ${what}: ${problem}`);
        } catch (err) {
          if ((r.body?.length ?? 0) > 1 << 20) {
            report.byStatus.reset = (report.byStatus.reset ?? 0) + 1; // server closed on an oversized body: allowed
          } else {
            report.failures.push(`${r.method} ${r.path.slice(0, 120)}: ${(err as Error).message}`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 6 }, worker));

    const health = await fetch(`${sb.url}/auth/v1/health`, { headers: { apikey: sb.anonKey } });
    if (health.status !== 200) report.failures.push(`health answered ${health.status} after the run`);
    for (const u of real) {
      const after = await adminGet(sb, u.id);
      if (after !== u.before)
        report.realUsersChanged.push(`${u.email}: ${u.before.slice(0, 300)} -> ${after.slice(0, 300)}`);
      const login = await passwordGrant(sb, u.email, u.password);
      if (login.status !== 200) report.realUsersChanged.push(`${u.email} can no longer log in (${login.status})`);
    }
  } finally {
    await sb.stop();
  }
  return report;
}

export function formatFuzzReport(name: string, r: FuzzReport): string {
  return (
    `${name}: seed=${r.seed} requests=${r.requests} failures=${r.failures.length} ` +
    `internal-errors=${r.internalErrors.length} real-users-changed=${r.realUsersChanged.length} ` +
    `by-status=${JSON.stringify(r.byStatus)}`
  );
}
