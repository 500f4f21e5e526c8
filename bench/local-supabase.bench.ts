/**
 * Local auth server latency and memory: median password-login and refresh latency over 200
 * loopback requests each, and the server's memory after creating 1,000 users with the admin
 * API. Run: npx tsx bench/local-supabase.bench.ts
 */
import { startLocalSupabase } from "../src/local-supabase/index.js";

const N = 200;
const USERS = 1000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  const server = await startLocalSupabase({ port: 0 });
  const base = `${server.url}/auth/v1`;
  const headers = {
    apikey: server.anonKey,
    "Content-Type": "application/json",
    "X-Supabase-Api-Version": "2024-01-01",
  };
  const post = async (path: string, body: unknown) => {
    const t = performance.now();
    const res = await fetch(`${base}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return { ms: performance.now() - t, json };
  };
  try {
    const creds = { email: "bench@example.com", password: "bench-password" };
    await post("/signup", creds);
    const login: number[] = [];
    let refreshToken = "";
    for (let i = 0; i < N; i++) {
      const r = await post("/token?grant_type=password", creds);
      login.push(r.ms);
      refreshToken = String(r.json.refresh_token);
    }
    const refresh: number[] = [];
    for (let i = 0; i < N; i++) {
      const r = await post("/token?grant_type=refresh_token", { refresh_token: refreshToken });
      refresh.push(r.ms);
      refreshToken = String(r.json.refresh_token);
    }
    const before = process.memoryUsage();
    const adminHeaders = { ...headers, Authorization: `Bearer ${server.serviceRoleKey}` };
    const t0 = performance.now();
    for (let i = 0; i < USERS; i += 4) {
      await Promise.all(
        [0, 1, 2, 3].map((j) =>
          fetch(`${base}/admin/users`, {
            method: "POST",
            headers: adminHeaders,
            body: JSON.stringify({
              email: `user${i + j}@example.com`,
              password: "bench-password",
              email_confirm: true,
            }),
          }).then((r) => {
            if (r.status !== 200) throw new Error(`create user: ${r.status}`);
            return r.arrayBuffer();
          }),
        ),
      );
    }
    const createMs = performance.now() - t0;
    (globalThis as { gc?: () => void }).gc?.();
    const mem = process.memoryUsage();
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
    console.log(`local-supabase bench (in-memory PGlite, bcrypt cost 10, ${N} sequential requests each, loopback)`);
    console.table({
      "password login": {
        median_ms: median(login).toFixed(1),
        p90_ms: login.sort((a, b) => a - b)[Math.floor(N * 0.9)]!.toFixed(1),
      },
      "refresh_token grant": {
        median_ms: median(refresh).toFixed(1),
        p90_ms: refresh.sort((a, b) => a - b)[Math.floor(N * 0.9)]!.toFixed(1),
      },
    });
    console.table({
      "before creating users": { rss: mb(before.rss), heapUsed: mb(before.heapUsed), external: mb(before.external) },
      [`after ${USERS} users`]: { rss: mb(mem.rss), heapUsed: mb(mem.heapUsed), external: mb(mem.external) },
    });
    console.log(`created ${USERS} users via the admin API in ${(createMs / 1000).toFixed(1)} s (4 in flight)`);
    console.log("note: the server runs in this process, so RSS includes the benchmark client (small)");
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
