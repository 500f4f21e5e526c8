// The environment scripts/test.mjs gives the tests. The tests set every variable lgauth, its
// servers and the chat graph read; the machine's own must not change what they see. CI=true turns
// prompts off (a test of a prompt at a terminal then sees none), a SUPABASE_URL or LANGGRAPH_URL
// points commands at another server, an OPENAI_API_KEY makes the chat graph call OpenAI,
// GITHUB_STEP_SUMMARY would get the demo's summary. The suite's own knobs (LGAUTH_TEST_*,
// _FUZZ_*, _KILL*, _LOAD_*, _SNAPSHOT_MB/TRIALS/KILLS, _RELIABILITY_FULL, _SHOW_ERRORS) stay.
// Whether this is CI (a missing keyring then fails instead of skipping) goes on as LGAUTH_TEST_CI.

const MACHINE_SETTING =
  /^(CI|CONTINUOUS_INTEGRATION|NO_COLOR|FORCE_COLOR|BROWSER|API_EXTERNAL_URL|(LGAUTH|SUPABASE|GOTRUE|LANGGRAPH|LANGSMITH|LANGCHAIN|OPENAI|ANTHROPIC|GITHUB|AUTH)_.*)$/;
const SUITE_KNOB = /^LGAUTH_(TEST_|FUZZ_|KILL|LOAD_|SNAPSHOT_(MB|TRIALS|KILLS)$|RELIABILITY_FULL$|SHOW_ERRORS$)/;

/**
 * @param {NodeJS.ProcessEnv} machine
 * @returns {{ env: NodeJS.ProcessEnv, removed: string[] }}
 */
export function testEnvironment(machine) {
  const inCI = machine.CI === "true" || machine.CI === "1" || machine.LGAUTH_TEST_CI === "1";
  const env = Object.fromEntries(
    Object.entries(machine).filter(([key]) => !MACHINE_SETTING.test(key) || SUITE_KNOB.test(key)),
  );
  const removed = Object.keys(machine)
    .filter((key) => !(key in env))
    .sort();
  return { env: { ...env, LGAUTH_TEST: "1", ...(inCI ? { LGAUTH_TEST_CI: "1" } : {}) }, removed };
}
