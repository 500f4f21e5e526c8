/** The one call the server makes to Supabase Auth on a user's behalf: GET /auth/v1/user. */
import { permissionsFrom, type VerifiedUser } from "./claims.js";
import { displayNameOf } from "../util/display-name.js";
import { unavailable } from "./failure.js";

export type UserLookup =
  /** `verifiedFactors`: the user's verified MFA factors, from the answer's `factors`. */
  | { ok: true; user: VerifiedUser; verifiedFactors: number }
  /** Supabase refused the token: `code` is its error code (session_not_found, bad_jwt, ...). */
  | { ok: false; status: number; code: string };

export interface UpstreamOptions {
  authUrl: string;
  apiKey: string | undefined;
  timeoutMs: number;
  fetch?: typeof fetch;
}

function errorCode(body: unknown): string {
  if (typeof body !== "object" || body === null) return "unknown";
  const b = body as Record<string, unknown>;
  for (const key of ["code", "error_code", "error"]) {
    if (typeof b[key] === "string" && b[key] !== "") return b[key] as string;
  }
  return "unknown";
}

/**
 * Asks Supabase whether the token's user and session still exist. A 4xx answer is a verdict
 * on the token; a 5xx answer or no answer is the auth server's problem and throws 503.
 */
export async function lookupUser(token: string, opts: UpstreamOptions): Promise<UserLookup> {
  const doFetch = opts.fetch ?? fetch;
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: "application/json" };
  if (opts.apiKey) headers.apikey = opts.apiKey;
  let res: Response;
  try {
    res = await doFetch(`${opts.authUrl}/user`, { headers, signal: AbortSignal.timeout(opts.timeoutMs) });
  } catch {
    throw unavailable("cannot reach the auth server to check the session");
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (res.status >= 500) throw unavailable(`auth server answered ${res.status} while checking the session`);
  if (!res.ok) return { ok: false, status: res.status, code: errorCode(body) };
  const u = (body && typeof body === "object" && "user" in body ? (body as { user: unknown }).user : body) as
    | Record<string, unknown>
    | undefined;
  const id = typeof u?.id === "string" ? u.id.trim() : "";
  if (!u || id === "") return { ok: false, status: res.status, code: "no_user_id" };
  const factors = Array.isArray(u.factors) ? (u.factors as unknown[]) : [];
  const verifiedFactors = factors.filter(
    (f) => typeof f === "object" && f !== null && (f as Record<string, unknown>).status === "verified",
  ).length;
  return {
    ok: true,
    verifiedFactors,
    user: {
      id,
      email: typeof u.email === "string" && u.email !== "" ? u.email : undefined,
      sessionId: undefined,
      role: typeof u.role === "string" ? u.role : undefined,
      permissions: permissionsFrom(u.app_metadata),
      displayName: displayNameOf(u.user_metadata),
    },
  };
}
