/**
 * The first sign-up on a new local auth server, as the demo and a new `lgauth dev` user do it.
 * Each run starts the stack's auth child (startStack({ only: "auth" }), in memory), sends three
 * raw POST /auth/v1/signup, and stops the child.
 *
 * The first sign-up is compared with the third on the same server. The auth child's CPU time
 * (all of its threads, from /proc on Linux) is reported too: it shows the background compile
 * work that wasm-tiering.ts removes, which wall time hides on an idle machine.
 *
 * This file, run alone at a load average of 25 to 28 on 2 cores, old build vs new:
 *  - before the fix: 5.8 s wall and 0.99 s CPU for the first sign-up, 0.8 s and 0.14 s for the
 *    third (7.2x);
 *  - after: 0.83 s and 0.14 s, against 0.54 s and 0.12 s (1.5x).
 * Run alone: npx tsx bench/first-signup.bench.ts
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startStack } from "../src/stack/index.js";
import { fmt, markdownTable, type Row, summarize } from "./lib.js";

/** CPU milliseconds used so far by a process (user + system, all threads), or NaN off Linux. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

interface Signup {
  wall: number;
  cpu: number;
}

async function oneServer(): Promise<Signup[]> {
  const dir = await mkdtemp(join(tmpdir(), "lgauth-bench-signup-"));
  const stack = await startStack({ dataDir: dir, authInMemory: true, authPort: 0, only: "auth", oidc: false });
  try {
    const out: Signup[] = [];
    for (let i = 0; i < 3; i++) {
      const cpu = cpuMs(stack.pids.auth);
      const began = performance.now();
      const res = await fetch(`${stack.supabaseUrl}/auth/v1/signup`, {
        method: "POST",
        headers: { apikey: stack.anonKey, "Content-Type": "application/json" },
        body: JSON.stringify({ email: `first-signup-${i}@example.com`, password: "bench-password-1" }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`signup answered ${res.status}`);
      out.push({ wall: performance.now() - began, cpu: cpuMs(stack.pids.auth) - cpu });
    }
    return out;
  } finally {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function firstSignup(runs = 3): Promise<Row[]> {
  const servers: Signup[][] = [];
  for (let i = 0; i < runs; i++) servers.push(await oneServer());
  const at = (k: number, f: keyof Signup) => summarize(servers.map((s) => s[k]?.[f] ?? Number.NaN));
  const first = at(0, "wall");
  const third = at(2, "wall");
  const firstCpu = at(0, "cpu");
  const thirdCpu = at(2, "cpu");
  const ratio = first.median / third.median;
  return [
    {
      figure: "first sign-up on a new local auth server (stack child), wall",
      baseline: "third sign-up, same server",
      value: `${fmt(ratio, 2)}x (${fmt(first.median, 0)} vs ${fmt(third.median, 0)} ms)`,
      spread: `first ${fmt(first.min, 0)}–${fmt(first.max, 0)}, third ${fmt(third.min, 0)}–${fmt(third.max, 0)} ms (min–max, n=${first.n})`,
      target: "<= 2x",
      ok: ratio <= 2,
    },
    {
      figure: "same, CPU of the auth child (all threads)",
      baseline: "third sign-up, same server",
      value: `${fmt(firstCpu.median, 0)} vs ${fmt(thirdCpu.median, 0)} ms`,
      spread: `first ${fmt(firstCpu.min, 0)}–${fmt(firstCpu.max, 0)}, third ${fmt(thirdCpu.min, 0)}–${fmt(thirdCpu.max, 0)} ms (min–max, n=${firstCpu.n})`,
      target: "report",
      ok: null,
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${markdownTable(await firstSignup())}\n`);
}
