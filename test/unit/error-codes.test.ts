/**
 * The CLI's one error table: every code has its row (exit code and hint), and an LgauthError
 * is recognised even when it comes from another copy of src/util/errors.ts (the built CLI's
 * start-up bundle and its on-demand modules each have one, scripts/build.mjs).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ERROR_TABLE, formatError } from "../../src/cli/errors.js";
import { ERROR_CODES, LgauthError, NotLoggedInError, UsageError } from "../../src/util/errors.js";

describe("error codes", () => {
  test("every code maps to an exit code; usage is 2, not logged in is 4", () => {
    for (const code of ERROR_CODES) assert.ok(ERROR_TABLE[code], code);
    assert.deepEqual(formatError(new UsageError("bad")), { line: "lgauth: bad (see `lgauth --help`)", exitCode: 2 });
    assert.deepEqual(formatError(new NotLoggedInError("work")), {
      line: 'lgauth: not logged in (profile "work") (run `lgauth login --profile work`)',
      exitCode: 4,
    });
    assert.equal(formatError(new LgauthError("usage", "x", { hint: "own hint" })).line, "lgauth: x (own hint)");
  });

  test("an error of another copy of the module is an LgauthError; subclasses still check their prototype", async () => {
    const other = (await import(
      `../../src/util/errors.ts?copy=${Date.now()}`
    )) as typeof import("../../src/util/errors.js");
    assert.notEqual(other.LgauthError, LgauthError, "a second copy of the module");
    const err = new other.NotLoggedInError("work");
    assert.ok(err instanceof LgauthError);
    assert.equal(formatError(err).exitCode, 4);
    assert.equal(err instanceof UsageError, false);
    assert.equal(new UsageError("x") instanceof NotLoggedInError, false);
    assert.equal(new Error("plain") instanceof LgauthError, false);
    assert.equal(formatError(new Error("plain")).exitCode, 1);
  });
});
