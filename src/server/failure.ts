import { HTTPException } from "@langchain/langgraph-sdk/auth";

/**
 * Why a request was refused, before it is turned into the HTTP answer. `reason` is short,
 * says what is wrong with the request, and never contains the token.
 */
export class AuthFailure extends Error {
  readonly status: 401 | 403 | 404 | 503;
  constructor(status: 401 | 403 | 404 | 503, reason: string) {
    super(reason);
    this.name = "AuthFailure";
    this.status = status;
  }
}

export const unauthorized = (reason: string) => new AuthFailure(401, reason);
export const forbidden = (reason: string) => new AuthFailure(403, reason);
export const notFound = (reason: string) => new AuthFailure(404, reason);
export const unavailable = (reason: string) => new AuthFailure(503, reason);

/**
 * The LangGraph server keeps the status and message of anything with `status` and `headers`
 * (HTTPException from the SDK, given its options object so the message survives); a plain
 * Error would become a 500.
 */
export function toHttpException(failure: AuthFailure): HTTPException {
  const headers: Record<string, string> = {};
  if (failure.status === 401) {
    headers["WWW-Authenticate"] =
      `Bearer error="invalid_token", error_description="${failure.message.replace(/"/g, "'")}"`;
  }
  return new HTTPException(failure.status, { message: failure.message, headers });
}
