/** The flag and argument parsers of src/cli/parse.ts that decide what is an id. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError } from "../../src/cli/errors.js";
import { idOrPrefix } from "../../src/cli/parse.js";

describe("idOrPrefix: a whole id, or its first characters as ids are written", () => {
  const thread = idOrPrefix("thread");
  it("takes whole ids and prefixes of 4 or more characters, dashes where a UUID has them", () => {
    assert.equal(thread("0F6B2C4A-5D6E-4F80-9A1B-2C3D4E5F6A7B"), "0f6b2c4a-5d6e-4f80-9a1b-2c3d4e5f6a7b");
    for (const p of ["0f6b", "0f6b2c4a", "0f6b2c4a-", "0f6b2c4a-5d6e-4f", "0f6b2c4a-5d6e-4f80-9a1b-2c3d4e5f6a7"]) {
      assert.equal(thread(p), p);
    }
  });
  it("refuses what cannot be the start of a written UUID", () => {
    for (const bad of [
      "0f6", // too short
      "0f6b2c4a5d6e4f809a1b2c3d4e5f6a7b", // a UUID without its dashes
      "0f6b-2c4a", // a dash where a UUID has a digit
      "0f6b2c4a-5d6e-4f80-9a1b-2c3d4e5f6a7b0", // longer than a UUID
      "zzzz",
      "----",
    ]) {
      assert.throws(() => thread(bad), UsageError, bad);
    }
  });
});
