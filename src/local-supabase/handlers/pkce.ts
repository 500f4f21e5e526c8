/** GoTrue's PKCE checks (internal/api/pkce.go validatePKCEParams, internal/security/pkce.go). */
import { timingSafeEqual } from "node:crypto";
import { badRequest } from "../errors.js";
import { s256 } from "../oidc-client.js";

const CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;

export function validatePkceParams(method: string, challenge: string): void {
  if (method === "" && challenge === "") return;
  if (method === "" || challenge === "") {
    throw badRequest("validation_failed", "PKCE flow requires code_challenge_method and code_challenge");
  }
  if (!["s256", "plain"].includes(method.toLowerCase())) {
    throw badRequest("validation_failed", `code challenge method not supported: ${method}`);
  }
  if (!CHALLENGE.test(challenge)) {
    throw badRequest(
      "validation_failed",
      "code challenge has to be between 43 and 128 characters and only contain alphanumeric characters, '-', '.', '_' and '~'",
    );
  }
}

/** Whether `verifier` answers the stored challenge (s256 or plain), compared in constant time. */
export function pkceVerifierMatches(method: string, challenge: string, verifier: string): boolean {
  if (challenge === "") return false;
  const computed = method.toLowerCase() === "plain" ? verifier : s256(verifier);
  const a = Buffer.from(computed);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The PKCE parameters of an emailed-link request (already validated), or undefined for the implicit flow. */
export function pkceChallenge(
  params: Record<string, unknown>,
): { codeChallenge: string; codeChallengeMethod: string } | undefined {
  const codeChallenge = typeof params.code_challenge === "string" ? params.code_challenge : "";
  const codeChallengeMethod = typeof params.code_challenge_method === "string" ? params.code_challenge_method : "";
  return codeChallenge === "" ? undefined : { codeChallenge, codeChallengeMethod };
}
