/**
 * The TOTP pieces of the local auth server: pquerna/otp's URI spelling, the time step a code
 * belongs to (what makes a code single-use), GoTrue's 300 s floor on the MFA expiry settings.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Secret, TOTP } from "otpauth";
import { resolveOptions } from "../../src/local-supabase/options.js";
import { newTotpSecret, TOTP_PERIOD, totpStep, totpUri } from "../../src/local-supabase/totp.js";

test("the otpauth URI is spelled as pquerna/otp writes it: sorted keys, path-escaped values", () => {
  assert.equal(
    totpUri("My App", "a+b@example.com", "ABC"),
    "otpauth://totp/My%20App:a+b@example.com?algorithm=SHA1&digits=6&issuer=My%20App&period=30&secret=ABC",
  );
  assert.equal(
    totpUri("x/y?z", "u@e", "S"),
    "otpauth://totp/x/y%3Fz:u@e?algorithm=SHA1&digits=6&issuer=x%2Fy%3Fz&period=30&secret=S",
  );
});

test("a code maps to its time step within one step of skew; other codes to nothing", () => {
  const secret = newTotpSecret();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  const totp = new TOTP({ secret: Secret.fromBase32(secret), period: TOTP_PERIOD });
  const now = 1_700_000_000_000;
  const step = Math.floor(now / 1000 / TOTP_PERIOD);
  for (const d of [-1, 0, 1]) {
    assert.equal(totpStep(secret, totp.generate({ timestamp: (step + d) * 30_000 }), now), step + d);
  }
  assert.equal(totpStep(secret, totp.generate({ timestamp: (step + 2) * 30_000 }), now), undefined);
  assert.equal(totpStep(secret, totp.generate({ timestamp: (step - 2) * 30_000 }), now), undefined);
  assert.equal(totpStep(secret, "12345", now), undefined);
  assert.equal(totpStep(secret, "12345a", now), undefined);
});

test("MFA expiry settings below GoTrue's 300 s floor are raised to it", () => {
  assert.equal(resolveOptions({ mfa: { challengeExpiry: 5, factorExpiry: 1 } }).mfa.challengeExpiry, 300);
  assert.equal(resolveOptions({ mfa: { factorExpiry: 1 } }).mfa.factorExpiry, 300);
  assert.equal(resolveOptions({ mfa: { challengeExpiry: 900 } }).mfa.challengeExpiry, 900);
  assert.throws(() => resolveOptions({ mfa: { maxEnrolledFactors: -1 } }), /maxEnrolledFactors/);
});
