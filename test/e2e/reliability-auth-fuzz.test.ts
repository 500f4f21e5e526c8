/**
 * Bad input for the local Supabase Auth server, default-suite size (a few hundred requests;
 * `npm run test:stress` sends 10,000): zero 5xx, zero internal errors, every error in GoTrue's
 * shape, real users unchanged. Set LGAUTH_FUZZ_SEED to replay a run.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { formatFuzzReport, fuzzLocalSupabase } from "../helpers/auth-fuzz.js";

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
