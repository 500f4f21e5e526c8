/**
 * `lgauth demo --ci` end to end from a cold start (every run starts a new temporary stack),
 * target <= 7 s (#19: 13.3 s before, 5.6 s of it waiting for a token to expire).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Row, fmt, summarize, timeCommand } from "./lib.js";

const BIN = fileURLToPath(new URL("../bin/lgauth.js", import.meta.url));

export async function demoTime(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), "lgauth-bench-demo-"));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, LGAUTH_CONFIG_DIR: dir };
    for (const k of ["SUPABASE_URL", "SUPABASE_ANON_KEY", "LANGGRAPH_URL"]) delete env[k];
    const runs: number[] = [];
    for (let i = 0; i < 3; i++)
      runs.push(await timeCommand({ cmd: process.execPath, args: [BIN, "demo", "--ci", "--json"], env }));
    const s = summarize(runs);
    return [
      {
        figure: "`lgauth demo --ci` end to end, cold",
        baseline: "-",
        value: `${fmt(s.median / 1000, 1)} s`,
        spread: `${fmt(s.min / 1000, 1)}–${fmt(s.max / 1000, 1)} s (min–max, n=${s.n})`,
        target: "<= 7 s",
        ok: s.median <= 7_000,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
