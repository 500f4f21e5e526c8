/**
 * The second factor (TOTP, GoTrue's MFA API) through supabase-js: a challenge and a verify per
 * code (auth.mfa.challengeAndVerify), which gives the session aal2; supabase-js hands the new
 * session to the client's storage. Codes come from a `CodeSource` the CLI supplies (a prompt, or
 * a line of stdin). Nothing here keeps a TOTP secret.
 */
import type { Factor } from "@supabase/supabase-js";
import { LgauthError } from "../util/errors.js";
import { asAuthError, authFailure } from "./auth-errors.js";
import type { ProfileClient } from "./client.js";

export type { Factor };

/** Where authenticator codes come from: a terminal (a few tries) or a line of stdin (one). */
export interface CodeSource {
  /** How many codes may be tried before giving up. */
  attempts: number;
  /**
   * The code the authenticator app shows for `factor`; `refused` says why the previous code was
   * not accepted (undefined on the first ask).
   */
  read(factor: Factor, refused?: string): Promise<string>;
}

/** The verified factors of a user as GoTrue lists them (`user.factors`). */
export function verifiedFactors(user: { factors?: Factor[] | undefined } | null | undefined): Factor[] {
  return (user?.factors ?? []).filter((f) => f.status === "verified");
}

/** The factor a step-up uses: the oldest verified TOTP factor (supabase's own examples take totp[0]). */
export function stepUpFactor(factors: Factor[]): Factor | undefined {
  return factors
    .filter((f) => f.status === "verified" && f.factor_type === "totp")
    .sort((a, b) => a.created_at.localeCompare(b.created_at))[0];
}

const SIX_DIGITS = /^\d{6}$/;

/** GoTrue's answers that mean "that code is not (or no longer) good": ask again. */
const REFUSED = new Set(["mfa_verification_failed", "mfa_challenge_expired"]);

/**
 * Verifies `factor` with codes from `source` until one is accepted (the session is then aal2,
 * stored through the client's storage) or `source.attempts` codes were refused: then throws
 * `mfa_code_invalid`. Each code gets a fresh challenge, made after the code was typed, so a
 * slow typist never meets an expired challenge.
 */
export async function verifyWithCodes(
  client: ProfileClient,
  url: string,
  factor: Factor,
  source: CodeSource,
): Promise<void> {
  let refused: string | undefined;
  for (let attempt = 1; attempt <= source.attempts; attempt++) {
    const code = (await source.read(factor, refused && `that code was not accepted (${refused})`)).trim();
    if (!SIX_DIGITS.test(code)) {
      refused = "an authenticator code is 6 digits";
      continue;
    }
    const { error } = await client.auth.mfa.challengeAndVerify({ factorId: factor.id, code });
    if (!error) return;
    const e = asAuthError(error);
    if (!e?.code || !REFUSED.has(e.code)) throw authFailure(error, url, client.wire);
    refused =
      e.code === "mfa_challenge_expired"
        ? // lgauth makes each challenge just before its verify, so on lgauth dev this is most
          // often the hold after five wrong codes (local-supabase mfa.ts), not a slow typist
          "its challenge expired, or the factor is held after too many wrong codes: wait a few minutes"
        : "wrong, expired, already used, or from another account";
  }
  throw new LgauthError(
    "mfa_code_invalid",
    source.attempts > 1
      ? `${source.attempts} authenticator codes were not accepted`
      : `the authenticator code was not accepted (${refused})`,
  );
}
