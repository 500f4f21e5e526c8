/** GoTrue's PKCE parameter checks (internal/api/pkce.go validatePKCEParams). */
import { ApiError } from "../errors.js";

const CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;

export function validatePkceParams(method: string, challenge: string): void {
  if (method === "" && challenge === "") return;
  if (method === "" || challenge === "") {
    throw new ApiError(400, "validation_failed", "PKCE flow requires code_challenge_method and code_challenge");
  }
  if (!["s256", "plain"].includes(method.toLowerCase())) {
    throw new ApiError(400, "validation_failed", `code challenge method not supported: ${method}`);
  }
  if (!CHALLENGE.test(challenge)) {
    throw new ApiError(
      400,
      "validation_failed",
      "code challenge has to be between 43 and 128 characters and only contain alphanumeric characters, '-', '.', '_' and '~'",
    );
  }
}
