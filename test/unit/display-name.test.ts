/**
 * The display name of a user, from Supabase Auth's user_metadata, as the server hands it to the
 * graph and the CLI prints it: display_name, then full_name, then name (what OAuth providers
 * fill); cleaned and bounded, since the user writes it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { userFromClaims } from "../../src/server/claims.js";
import { MAX_DISPLAY_NAME, displayNameOf } from "../../src/util/display-name.js";

describe("display names from user_metadata", () => {
  it("takes display_name, then full_name, then name; undefined without any", () => {
    assert.equal(displayNameOf({ display_name: "Ada", full_name: "Ada L", name: "al" }), "Ada");
    assert.equal(displayNameOf({ full_name: "Ada Lovelace", name: "ada" }), "Ada Lovelace");
    assert.equal(displayNameOf({ name: "ada" }), "ada");
    assert.equal(displayNameOf({ display_name: " ", full_name: "Ada Lovelace" }), "Ada Lovelace");
    assert.equal(displayNameOf({ display_name: 7, name: ["x"] }), undefined);
    for (const none of [{}, null, undefined, "Ada", ["Ada"]]) assert.equal(displayNameOf(none), undefined);
  });
  it("blanks control characters (terminal escapes, newlines), collapses spaces, cuts long names", () => {
    assert.equal(
      displayNameOf({ display_name: "Ada\u001b]0;owned\u0007\r\nLovelace\u2028!" }),
      "Ada ]0;owned Lovelace !",
    );
    assert.equal(displayNameOf({ display_name: "  Ada   Lovelace  " }), "Ada Lovelace");
    const long = displayNameOf({ display_name: "é".repeat(500) });
    assert.equal([...(long ?? "")].length, MAX_DISPLAY_NAME);
  });
  it("the server's identity carries it from the token's user_metadata", () => {
    const user = userFromClaims({ sub: "u1", email: "ada@example.com", user_metadata: { full_name: "Ada Lovelace" } });
    assert.equal(user?.displayName, "Ada Lovelace");
    assert.equal(userFromClaims({ sub: "u2", user_metadata: {} })?.displayName, undefined);
  });
});
