import { HTTPException } from "@langchain/langgraph-sdk/auth";

/**
 * Why a request was refused, before it is turned into the HTTP answer. `reason` is short,
 * says what is wrong with the request, and never contains the token.
 */
export class AuthFailure extends Error {
  readonly status: 401 | 403 | 404 | 503;
  /** The token is valid but its authentication is too weak (MFA): a step-up is the way on. */
  readonly stepUp: boolean;
  constructor(status: 401 | 403 | 404 | 503, reason: string, stepUp = false) {
    super(reason);
    this.name = "AuthFailure";
    this.status = status;
    this.stepUp = stepUp;
  }
}

export const unauthorized = (reason: string) => new AuthFailure(401, reason);
export const forbidden = (reason: string) => new AuthFailure(403, reason);
export const notFound = (reason: string) => new AuthFailure(404, reason);
export const unavailable = (reason: string) => new AuthFailure(503, reason);
/** 403 for a token below the assurance level the server requires (RFC 9470's step-up error). */
export const insufficientAal = (reason: string) => new AuthFailure(403, reason, true);

/**
 * The LangGraph server keeps the status and message of anything with `status` and `headers`
 * (HTTPException from the SDK, given its options object so the message survives); a plain
 * Error would become a 500.
 */
export function toHttpException(failure: AuthFailure): HTTPException {
  const headers: Record<string, string> = {};
  const description = failure.message.replace(/"/g, "'");
  if (failure.stepUp) {
    // OAuth 2.0 Step Up Authentication Challenge (RFC 9470): clients can tell this refusal apart
    headers["WWW-Authenticate"] =
      `Bearer error="insufficient_user_authentication", error_description="${description}", acr_values="aal2"`;
  } else if (failure.status === 401) {
    headers["WWW-Authenticate"] = `Bearer error="invalid_token", error_description="${description}"`;
  }
  return new HTTPException(failure.status, { message: failure.message, headers });
}
