/**
 * AUTH_REVOCATION=strict on the real stack: with Supabase Auth down, a session whose
 * revocation answer is not cached is refused (the CLI prints one line, exit 1) instead of let
 * through; a session checked within the interval keeps working. (The default, fail-open, is
 * covered in test/e2e/reliability-faults.test.ts.)
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type FaultStack, startFaultStack } from "../helpers/fault-stack.js";
import { runCli } from "../helpers/cli.js";

describe("AUTH_REVOCATION=strict: Supabase Auth down fails closed", () => {
  let stack: FaultStack;
  const counts = { requests: 0, faults: 0, failures: 0 };
  const cli = (profile: string, args: string[], stdin?: string) => {
    counts.requests += 1;
    return runCli(["--profile", profile, ...args], { env: stack.env, ...(stdin !== undefined ? { stdin } : {}) });
  };

  before(async () => {
    stack = await startFaultStack({ langgraph: true, serverEnv: { AUTH_REVOCATION: "strict" } });
    for (const name of ["alice", "bob"]) {
      const r = await cli(
        name,
        ["signup", "--email", `${name}.strict@example.com`, "--password-stdin"],
        `pw-${name}-Strict-1\n`,
      );
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    console.log(
      `stress-revocation-strict: requests=${counts.requests} faults=${counts.faults} failures=${counts.failures}`,
    );
    await stack?.stop();
  });

  test("an unchecked session is refused with one line, exit 1; a checked one still works", async () => {
    const warm = await cli("alice", ["threads", "list"]);
    assert.equal(warm.code, 0, warm.stderr);
    await stack.stopAuth();
    counts.faults += 1;
    const alice = await cli("alice", ["threads", "list"]);
    assert.equal(alice.code, 0, `a session checked within the interval works: ${alice.stderr}`);
    const bob = await cli("bob", ["threads", "list"]);
    if (bob.code !== 1) counts.failures += 1;
    assert.equal(bob.code, 1, `strict refuses an unchecked session: ${bob.stderr}`);
    assert.equal(bob.stderr.trimEnd().split("\n").length, 1, bob.stderr);
    assert.ok(
      !stack.serverLog.some((l) => /letting locally verified tokens through/.test(l)),
      "no fail-open in strict mode",
    );
  });
});
