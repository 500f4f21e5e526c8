/** Stress: every bad-input case of test/e2e/reliability-cli.test.ts against every command it names. */
process.env.LGAUTH_RELIABILITY_FULL = "1";
await import("../e2e/reliability-cli.test.js");
