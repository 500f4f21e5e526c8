/**
 * What is wrong with `value` as the URL of a server lgauth talks to: not an http(s) URL, or one
 * carrying a user name or password (fetch refuses those, and lgauth would print them in every
 * message that names the server). Undefined when it is fine.
 */
export function httpUrlProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return "must be an http(s) URL";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an http(s) URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http(s) URL";
  if (url.username !== "" || url.password !== "") return "must not contain a user name or password";
  return undefined;
}

/** True for text that parses as an http(s) URL without credentials (see httpUrlProblem). */
export function isHttpUrl(value: unknown): value is string {
  return httpUrlProblem(value) === undefined;
}
