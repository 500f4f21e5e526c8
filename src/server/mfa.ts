/**
 * AUTH_MFA, the server's rule on the token's authenticator assurance level (Supabase's `aal`
 * claim): "enrolled" refuses an aal1 token of a user who has a verified second factor, so
 * turning on an authenticator app protects that user's conversations; "required" refuses every
 * token below aal2; "off" refuses nothing. It is what a Supabase RLS policy on
 * `auth.jwt()->>'aal'` does for tables. Every refusal is 403 and starts with "MFA required".
 */
import type { Aal } from "./claims.js";
import { type AuthFailure, insufficientAal } from "./failure.js";
import type { MfaMode } from "./settings.js";

/**
 * Why the request is refused, or undefined. `verifiedFactors` is undefined when the user lookup
 * could not be made (the revocation policy already decided whether to go on without it).
 */
export function mfaRefusal(
  mode: MfaMode,
  aal: Aal | undefined,
  verifiedFactors: number | undefined,
): AuthFailure | undefined {
  if (mode === "off" || aal === "aal2") return undefined;
  const hasFactor = verifiedFactors !== undefined && verifiedFactors > 0;
  if (hasFactor) {
    return insufficientAal(
      "MFA required: this account has a verified second factor and this token is aal1; verify a code for an aal2 session",
    );
  }
  if (mode !== "required") return undefined;
  if (verifiedFactors === 0) {
    return insufficientAal(
      "MFA required: this server accepts only aal2 sessions; enroll a second factor (an authenticator app), verify it, and use that session",
    );
  }
  return insufficientAal("MFA required: this server accepts only aal2 sessions and this token is aal1");
}
