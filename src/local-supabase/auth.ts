/**
 * Who is calling: GoTrue's requireAuthentication (Bearer user JWT, its user and session must
 * still exist) and requireAdminCredentials (a JWT whose role is an admin role).
 */
import type { App } from "./app.js";
import { ApiError, badRequest, forbidden } from "./errors.js";
import { apiKeyOf, type Req } from "./http.js";
import { type JwtClaims, verifyJwt } from "./jwt.js";
import { findSession, type SessionRow } from "./sessions.js";
import { findUserById, isBanned, type LoadedUser } from "./users.js";

const BEARER = /^bearer (\S+)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_UUID = "00000000-0000-0000-0000-000000000000";
const ADMIN_ROLES = ["service_role", "supabase_admin"];

export interface Authenticated {
  claims: JwtClaims;
  user: LoadedUser;
  session?: SessionRow;
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

function bearerToken(req: Req): string {
  const header = req.headers.authorization ?? "";
  const m = BEARER.exec(header);
  if (!m?.[1]) throw new ApiError(401, "no_authorization", "This endpoint requires a valid Bearer token");
  return m[1];
}

async function loadUserAndSession(app: App, claims: JwtClaims): Promise<Authenticated> {
  const sub = typeof claims.sub === "string" ? claims.sub : "";
  if (sub === "") throw forbidden("bad_jwt", "invalid claim: missing sub claim");
  if (!isUuid(sub)) throw badRequest("bad_jwt", "invalid claim: sub claim must be a UUID");
  const user = await findUserById(app.database.db, sub);
  if (!user) throw forbidden("user_not_found", "User from sub claim in JWT does not exist");
  const sid = typeof claims.session_id === "string" ? claims.session_id : "";
  let session: SessionRow | undefined;
  if (sid !== "" && sid !== NIL_UUID) {
    if (!isUuid(sid)) throw forbidden("bad_jwt", "invalid claim: session_id claim must be a UUID");
    session = await findSession(app.database.db, sid);
    if (!session) throw forbidden("session_not_found", "Session from session_id claim in JWT does not exist");
  }
  return { claims, user, session };
}

/**
 * The gateway's apikey check: the server's own anon or service_role key, or another key of the
 * project minted the same way (a JWT with role anon or service_role that the server's keys
 * verify, e.g. one a team signed once with its `signing_keys.json` or JWT secret and keeps in its
 * .env). The Supabase CLI's gateway passes any apikey through; a hosted project's accepts the
 * keys its own secret signed; neither accepts garbage, and neither do we.
 */
export function isProjectApiKey(app: App, key: string): boolean {
  if (key === app.keys.anonKey || key === app.keys.serviceRoleKey) return true;
  if (!key.startsWith("eyJ")) return false;
  try {
    const role = verifyJwt(key, app.keys.verifying).role;
    return role === "anon" || role === "service_role";
  } catch {
    return false;
  }
}

export async function requireAuthentication(app: App, req: Req): Promise<Authenticated> {
  const claims = verifyJwt(bearerToken(req), app.keys.verifying);
  const auth = await loadUserAndSession(app, claims);
  if (isBanned(auth.user.row)) throw forbidden("user_banned", "User is banned");
  return auth;
}

export async function requireAdmin(app: App, req: Req): Promise<JwtClaims> {
  const claims = verifyJwt(bearerToken(req), app.keys.verifying);
  const sid = typeof claims.session_id === "string" ? claims.session_id : "";
  if (sid !== "" && sid !== NIL_UUID) await loadUserAndSession(app, claims);
  const role = typeof claims.role === "string" ? claims.role : "";
  if (!ADMIN_ROLES.includes(role)) throw forbidden("not_admin", "User not allowed");
  return claims;
}

/**
 * The service_role key itself, as the gateway's apikey and as the Bearer token (what
 * supabase-js sends when created with that key): for our own dev routes, which hand out what
 * only the project's owner may see. Errors are GoTrue's admin answers: no Bearer 401
 * no_authorization, a bad token 403 bad_jwt, the anon key or a user's token 403 not_admin.
 */
export async function requireServiceRole(app: App, req: Req): Promise<void> {
  await requireAdmin(app, req);
  if (apiKeyOf(req.headers, req.query) !== app.keys.serviceRoleKey) {
    throw forbidden("not_admin", "User not allowed");
  }
}
