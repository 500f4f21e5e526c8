/**
 * Stress: 10,000 fuzzed requests to every endpoint of the local Supabase Auth server (see
 * test/helpers/auth-fuzz.ts): zero 5xx, zero internal errors, every error in GoTrue's shape,
 * real users unchanged. LGAUTH_FUZZ_SEED replays a run; LGAUTH_FUZZ_RUNS changes the count.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { formatFuzzReport, fuzzLocalSupabase } from "../helpers/auth-fuzz.js";

it("local Supabase Auth: 10,000 fuzzed requests, no 5xx, GoTrue-shaped errors, real users untouched", async () => {
  const seed = process.env.LGAUTH_FUZZ_SEED ? Number(process.env.LGAUTH_FUZZ_SEED) : undefined;
  const runs = Number(process.env.LGAUTH_FUZZ_RUNS ?? 10_000);
  const report = await fuzzLocalSupabase({ runs, seed, concurrency: 8 });
  console.log(formatFuzzReport("stress-auth-fuzz", report));
  assert.equal(report.requests, runs);
  assert.deepEqual(report.failures.slice(0, 10), [], `${report.failures.length} bad answers (seed ${report.seed})`);
  assert.deepEqual(report.internalErrors.slice(0, 10), []);
  assert.deepEqual(report.realUsersChanged, []);
});
