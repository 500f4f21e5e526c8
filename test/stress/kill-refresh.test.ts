/** Stress: 50 `kill -9`s of the CLI during a refresh (see test/e2e/reliability-kill.test.ts). */
process.env.LGAUTH_KILLS ??= "50";
await import("../e2e/reliability-kill.test.js");
