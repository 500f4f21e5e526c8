/**
 * Password-login time by account (#14.5): a wrong password for a registered email against a
 * login for an email with no account, alternating, on the in-process local auth server. Both
 * run one bcrypt comparison at cost 10, so the ratio should be about 1 (it was ~0.03 before the
 * dummy hash: 2 ms vs 68 ms).
 */
import { pathToFileURL } from "node:url";
import { startLocalSupabase } from "../src/local-supabase/index.js";
import { compare, markdownTable, ratioRow, type Row } from "./lib.js";

export async function loginTiming(): Promise<Row[]> {
  const server = await startLocalSupabase({ port: 0, rateLimits: { token: 1_000_000 } });
  const headers = {
    apikey: server.anonKey,
    "Content-Type": "application/json",
    "X-Supabase-Api-Version": "2024-01-01",
  };
  const login = async (email: string): Promise<number> => {
    const began = performance.now();
    const res = await fetch(`${server.url}/auth/v1/token?grant_type=password`, {
      method: "POST",
      headers,
      body: JSON.stringify({ email, password: "not-the-password" }),
    });
    await res.arrayBuffer();
    if (res.status !== 400) throw new Error(`login answered ${res.status}, expected 400`);
    return performance.now() - began;
  };
  try {
    const signup = await fetch(`${server.url}/auth/v1/signup`, {
      method: "POST",
      headers,
      body: JSON.stringify({ email: "timing@example.com", password: "the-password" }),
    });
    if (signup.status !== 200) throw new Error(`signup answered ${signup.status}`);
    let n = 0;
    const c = await compare(
      () => login(`nobody-${n++}@example.com`),
      () => login("timing@example.com"),
      31,
      5,
    );
    return [
      ratioRow(
        "password login: unknown email vs wrong password (#14.5)",
        "wrong password for a registered email",
        c,
        "ms",
        "0.8x–1.25x (same bcrypt work)",
        (r) => r >= 0.8 && r <= 1.25,
      ),
    ];
  } finally {
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${markdownTable(await loginTiming())}\n`);
}
