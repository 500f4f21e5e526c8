/**
 * The wrong-code rule's counter (src/local-supabase/code-attempts.ts) on a hand-moved clock:
 * an address's count starts over once its codes are void; a factor's is held until its hold
 * has passed since the last counted attempt, and refused attempts do not stretch the hold.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CodeAttempts } from "../../src/local-supabase/code-attempts.js";

function clocked() {
  let t = 1_000_000;
  const attempts = new CodeAttempts(86_400_000, 5, () => t);
  return { attempts, tick: (ms: number) => (t += ms) };
}

test("an address: the fifth wrong code voids, then the count starts over", () => {
  const { attempts } = clocked();
  for (let i = 0; i < 4; i++) {
    assert.equal(attempts.take("email:a"), true);
    assert.equal(attempts.wrong("email:a"), false);
  }
  assert.equal(attempts.take("email:a"), true);
  assert.equal(attempts.wrong("email:a"), true);
  assert.equal(attempts.take("email:a"), true);
});

test("a factor: held after five wrong codes until the hold has passed; a right code resets", () => {
  const { attempts, tick } = clocked();
  const hold = 300_000;
  for (let i = 0; i < 4; i++) assert.equal(attempts.take("factor:f", hold), true);
  assert.equal(attempts.spent("factor:f"), false);
  attempts.reset("factor:f"); // a right code
  for (let i = 0; i < 5; i++) assert.equal(attempts.take("factor:f", hold), true);
  assert.equal(attempts.spent("factor:f"), true);
  tick(hold - 1);
  assert.equal(attempts.take("factor:f", hold), false, "still held");
  tick(1);
  assert.equal(
    attempts.take("factor:f", hold),
    false,
    "a refused attempt did not stretch the hold, but it is not over yet",
  );
  tick(1);
  assert.equal(attempts.take("factor:f", hold), true, "the hold is over: five new tries");
  assert.equal(attempts.spent("factor:f"), false);
});
