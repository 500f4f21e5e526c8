/**
 * GoTrue's error values. An ApiError carries the HTTP status, the error code (x-sb-error-code)
 * and the message; http.ts renders it in the wire format the request asked for.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** A password that breaks the policy: 422 with `weak_password.reasons`. */
export class WeakPasswordError extends Error {
  readonly status = 422;
  readonly code = "weak_password";
  constructor(
    message: string,
    readonly reasons: string[],
  ) {
    super(message);
    this.name = "WeakPasswordError";
  }
}

/** OAuth-style error: always 400 `{"error":…,"error_description":…}`. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
    this.name = "OAuthError";
  }
}

export const badRequest = (code: string, message: string) => new ApiError(400, code, message);
export const unprocessable = (code: string, message: string) => new ApiError(422, code, message);
export const forbidden = (code: string, message: string) => new ApiError(403, code, message);
export const notFound = (code: string, message: string) => new ApiError(404, code, message);
export const tooManyRequests = (code: string, message: string) => new ApiError(429, code, message);
/** GoTrue's 500: always `unexpected_failure`. */
export const unexpectedFailure = (message: string) => new ApiError(500, "unexpected_failure", message);

export const INVALID_LOGIN = "Invalid login credentials";
export const DUPLICATE_EMAIL = "A user with this email address has already been registered";
