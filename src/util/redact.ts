/**
 * Removes anything that looks like a secret before text reaches a log, an error message or
 * --debug output: JWTs, bearer tokens, refresh tokens in JSON, passwords in JSON.
 */
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /(bearer\s+)[^\s"',]+/gi;
const SECRET_FIELDS =
  /("(?:access_token|refresh_token|password|provider_token|provider_refresh_token|apikey|api_key|service_key)"\s*:\s*")[^"]*(")/gi;

export function redact(text: string): string {
  return text.replace(JWT, "[redacted-jwt]").replace(BEARER, "$1[redacted]").replace(SECRET_FIELDS, "$1[redacted]$2");
}
