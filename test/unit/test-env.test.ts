import assert from "node:assert/strict";
import { test } from "node:test";
// @ts-expect-error plain ESM script without types
import { testEnvironment } from "../../scripts/test-env.mjs";

type Split = (machine: NodeJS.ProcessEnv) => { env: NodeJS.ProcessEnv; removed: string[] };
const split = testEnvironment as Split;

test("the machine's CI, URLs, keys and colour settings stay out of the tests' environment", () => {
  const { env, removed } = split({
    PATH: "/usr/bin",
    HOME: "/home/x",
    CI: "true",
    GITHUB_STEP_SUMMARY: "/tmp/summary",
    NO_COLOR: "1",
    SUPABASE_URL: "https://abc.supabase.co",
    LANGGRAPH_URL: "https://x.langgraph.app",
    GOTRUE_JWT_EXP: "5",
    OPENAI_API_KEY: "sk-x",
    LGAUTH_PROFILE: "work",
    LGAUTH_CONFIG_DIR: "/home/x/.config/lgauth",
  });
  assert.deepEqual(env, { PATH: "/usr/bin", HOME: "/home/x", LGAUTH_TEST: "1", LGAUTH_TEST_CI: "1" });
  assert.deepEqual(removed, [
    "CI",
    "GITHUB_STEP_SUMMARY",
    "GOTRUE_JWT_EXP",
    "LANGGRAPH_URL",
    "LGAUTH_CONFIG_DIR",
    "LGAUTH_PROFILE",
    "NO_COLOR",
    "OPENAI_API_KEY",
    "SUPABASE_URL",
  ]);
});

test("the suite's own knobs stay, and without CI there is no LGAUTH_TEST_CI", () => {
  const knobs = {
    LGAUTH_TEST_CONCURRENCY: "1",
    LGAUTH_FUZZ_SEED: "7",
    LGAUTH_KILLS: "5",
    LGAUTH_LOAD_USERS: "3",
    LGAUTH_SNAPSHOT_MB: "2",
    LGAUTH_RELIABILITY_FULL: "1",
    LGAUTH_SHOW_ERRORS: "1",
  };
  const { env, removed } = split({ ...knobs, CI: "false", LGAUTH_SNAPSHOT_TRACE: "1" });
  assert.deepEqual(env, { ...knobs, LGAUTH_TEST: "1" });
  assert.deepEqual(removed, ["CI", "LGAUTH_SNAPSHOT_TRACE"]);
});
