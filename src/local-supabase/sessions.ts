/**
 * Sessions, refresh tokens and access tokens, after GoTrue's tokens.Service: one session per
 * login, v1 refresh tokens (12 characters) rotated on every refresh, the parent-of-active and
 * reuse-interval allowances, and family revocation with refresh_token_already_used.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { recordAudit } from "./audit.js";
import type { Database, Queryable } from "./db.js";
import { type ApiError, badRequest, unexpectedFailure, type WeakPasswordError } from "./errors.js";
import { type AmrEntry, aalOf } from "./factors.js";
import type { JsonObject } from "./http.js";
import { signJwt } from "./jwt.js";
import type { KeyMaterial } from "./keys.js";
import { findUserById, isBanned, type LoadedUser, userJson } from "./users.js";

export interface SessionRow {
  id: string;
  user_id: string;
  aal: string;
  amr: AmrEntry[];
  /** The factor whose verification made the session aal2. */
  factor_id?: string | null;
  created_at: Date;
}

interface RefreshTokenRow {
  id: string;
  token: string;
  user_id: string;
  parent: string | null;
  session_id: string;
  revoked: boolean;
  updated_at: Date;
}

export interface TokenContext {
  keys: KeyMaterial;
  issuer: string;
  accessTokenTtl: number;
  refreshTokenReuseInterval: number;
}

/** A login through an external provider: its identity and the provider's own tokens. */
export interface ExternalLogin {
  provider: string;
  providerToken?: string | undefined;
  providerRefreshToken?: string | undefined;
}

export interface ClientInfo {
  userAgent?: string;
  ip?: string;
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** GoTrue's crypto.SecureAlphanumeric(12): lower-case base32 characters. */
export function newRefreshTokenString(): string {
  const bytes = randomBytes(12);
  let out = "";
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}

export function accessToken(ctx: TokenContext, user: LoadedUser, session: SessionRow): { jwt: string; exp: number } {
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + ctx.accessTokenTtl;
  const u = user.row;
  const claims: JsonObject = {
    iss: ctx.issuer,
    sub: u.id,
    aud: u.aud,
    exp,
    iat,
    email: u.email ?? "",
    phone: u.phone ?? "",
    app_metadata: u.raw_app_meta_data,
    user_metadata: u.raw_user_meta_data,
    role: u.role,
    // GoTrue derives both from the session's AMR claims, so a refresh keeps aal2
    aal: aalOf(session.amr),
    amr: session.amr,
    session_id: session.id,
    is_anonymous: u.is_anonymous,
  };
  return { jwt: signJwt(ctx.keys.signer, claims), exp };
}

function tokenResponse(
  ctx: TokenContext,
  user: LoadedUser,
  session: SessionRow,
  refreshToken: string,
  weakPassword?: WeakPasswordError,
): JsonObject {
  const { jwt, exp } = accessToken(ctx, user, session);
  const out: JsonObject = {
    access_token: jwt,
    token_type: "bearer",
    expires_in: exp - Math.floor(Date.now() / 1000),
    expires_at: exp,
    refresh_token: refreshToken,
    user: userJson(user),
  };
  if (weakPassword) out.weak_password = { message: weakPassword.message, reasons: weakPassword.reasons };
  return out;
}

async function insertRefreshToken(
  tx: Queryable,
  userId: string,
  sessionId: string,
  parent: string | null,
): Promise<string> {
  const token = newRefreshTokenString();
  const now = new Date().toISOString();
  await tx.query(
    `insert into refresh_tokens (token, user_id, parent, session_id, revoked, created_at, updated_at)
     values ($1, $2, $3, $4, false, $5, $5)`,
    [token, userId, parent, sessionId, now],
  );
  await tx.query("update users set last_sign_in_at = $2 where id = $1", [userId, now]);
  return token;
}

/**
 * How a session was opened, its first amr entry: GoTrue's authentication methods for the logins
 * this server has (an emailed link of the PKCE flow names its kind: recovery, email/signup, ...).
 */
export type LoginMethod =
  | "password"
  | "otp"
  | "oauth"
  | "recovery"
  | "magiclink"
  | "invite"
  | "email/signup"
  | "email_change"
  | "anonymous";

/** A new session and its first refresh token (GoTrue IssueRefreshToken). */
export async function issueSession(
  tx: Queryable,
  ctx: TokenContext,
  userId: string,
  method: LoginMethod,
  client: ClientInfo,
  weakPassword?: WeakPasswordError,
  external?: ExternalLogin,
): Promise<JsonObject> {
  const now = new Date();
  const session: SessionRow = {
    id: randomUUID(),
    user_id: userId,
    aal: "aal1",
    amr: [{ method, timestamp: Math.floor(now.getTime() / 1000) }],
    created_at: now,
  };
  await tx.query(
    `insert into sessions (id, user_id, aal, amr, user_agent, ip, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $7)`,
    [session.id, userId, session.aal, session.amr, client.userAgent ?? null, client.ip ?? null, now.toISOString()],
  );
  const refresh = await insertRefreshToken(tx, userId, session.id, null);
  await tx.query("update identities set last_sign_in_at = $2, updated_at = $2 where user_id = $1 and provider = $3", [
    userId,
    now.toISOString(),
    external?.provider ?? "email",
  ]);
  const user = await findUserById(tx, userId);
  if (!user) throw unexpectedFailure("Database error loading user");
  const body = tokenResponse(ctx, user, session, refresh, weakPassword);
  // GoTrue hands the provider's tokens to the client once, with the session
  if (external?.providerToken) body.provider_token = external.providerToken;
  if (external?.providerRefreshToken) body.provider_refresh_token = external.providerRefreshToken;
  return body;
}

/**
 * updateMFASessionAndClaims: the session that verified a factor gains its AMR entry (newest
 * first), becomes aal2 and remembers the factor; its refresh token is swapped for a new one, and
 * the user's other aal1 sessions end (InvalidateSessionsWithAALLessThan). The swapped-out token
 * cannot obtain the aal2 session: it is revoked as if outside the reuse interval and is not the
 * new token's parent (GoTrue's v2 refresh tokens skip a counter step for the same reason).
 */
export async function stepUpSession(
  tx: Queryable,
  ctx: TokenContext,
  session: SessionRow,
  factorId: string,
  method: "totp",
): Promise<JsonObject> {
  const now = new Date();
  const entry: AmrEntry = { method, timestamp: Math.floor(now.getTime() / 1000) };
  const amr = [entry, ...session.amr.filter((e) => e.method !== method)].sort((a, b) => b.timestamp - a.timestamp);
  const raised: SessionRow = { ...session, amr, aal: aalOf(amr), factor_id: factorId };
  await tx.query("update sessions set amr = $2, aal = $3, factor_id = $4, updated_at = $5 where id = $1", [
    session.id,
    amr,
    raised.aal,
    factorId,
    now.toISOString(),
  ]);
  const longAgo = new Date(now.getTime() - (ctx.refreshTokenReuseInterval + 1) * 1000).toISOString();
  await tx.query(
    "update refresh_tokens set revoked = true, updated_at = $2 where session_id = $1 and revoked = false",
    [session.id, longAgo],
  );
  const refresh = await insertRefreshToken(tx, session.user_id, session.id, null);
  await tx.query("delete from sessions where user_id = $1 and id <> $2 and aal <> 'aal2'", [
    session.user_id,
    session.id,
  ]);
  const user = await findUserById(tx, session.user_id);
  if (!user) throw unexpectedFailure("Database error loading user");
  return tokenResponse(ctx, user, raised, refresh);
}

type RefreshOutcome = { ok: JsonObject } | { error: ApiError };

/** The refresh_token grant; `token` is already validated for shape. */
export async function refreshTokenGrant(
  database: Database,
  ctx: TokenContext,
  token: string,
  client: ClientInfo,
): Promise<JsonObject> {
  const outcome = await database.tx(async (tx): Promise<RefreshOutcome> => {
    const found = await tx.query<RefreshTokenRow>("select * from refresh_tokens where token = $1 for update", [token]);
    const rt = found.rows[0];
    if (!rt) {
      return { error: badRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found") };
    }
    const user = await findUserById(tx, rt.user_id);
    if (!user) {
      return { error: badRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found") };
    }
    if (isBanned(user.row)) return { error: badRequest("user_banned", "Invalid Refresh Token: User Banned") };
    const sessions = await tx.query<SessionRow>("select * from sessions where id = $1 for update", [rt.session_id]);
    const session = sessions.rows[0];
    if (!session) {
      await tx.query("delete from refresh_tokens where id = $1", [rt.id]);
      return { error: badRequest("session_not_found", "Invalid Refresh Token: No Valid Session Found") };
    }

    const now = new Date();
    let issued: string | undefined;
    if (rt.revoked) {
      const active = await tx.query<RefreshTokenRow>(
        "select * from refresh_tokens where session_id = $1 and revoked = false order by id desc limit 1",
        [session.id],
      );
      const current = active.rows[0];
      if (current && current.parent === rt.token) {
        issued = current.token; // the client lost the last answer: hand it back again
      } else {
        const reuseUntil = +new Date(rt.updated_at) + ctx.refreshTokenReuseInterval * 1000;
        if (now.getTime() > reuseUntil) {
          // Reuse: someone else holds a copy. The session ends with every token of its family and
          // its access tokens (GoTrue's v2 tokens do this; its v1 path only revokes the family,
          // moving updated_at to now, so the revoked tokens fell back inside the reuse window).
          await logoutSession(tx, session.id);
          return { error: badRequest("refresh_token_already_used", "Invalid Refresh Token: Already Used") };
        }
      }
    }
    await recordAudit(tx, user.row, "token_refreshed");
    if (issued === undefined) {
      // GrantRefreshTokenSwap
      await recordAudit(tx, user.row, "token_revoked");
      await tx.query("update refresh_tokens set revoked = true, updated_at = $2 where id = $1", [
        rt.id,
        now.toISOString(),
      ]);
      issued = await insertRefreshToken(tx, user.row.id, session.id, rt.token);
    }
    await tx.query("update sessions set refreshed_at = $2, updated_at = $2, user_agent = $3, ip = $4 where id = $1", [
      session.id,
      now.toISOString(),
      client.userAgent ?? null,
      client.ip ?? null,
    ]);
    const fresh = (await findUserById(tx, user.row.id)) ?? user;
    return { ok: tokenResponse(ctx, fresh, session, issued) };
  });
  if ("error" in outcome) throw outcome.error;
  return outcome.ok;
}

export async function findSession(db: Queryable, id: string): Promise<SessionRow | undefined> {
  const r = await db.query<SessionRow>("select * from sessions where id = $1", [id]);
  return r.rows[0];
}

/** models.Logout: every session of the user (refresh tokens cascade). */
export async function logoutAll(db: Queryable, userId: string): Promise<void> {
  await db.query("delete from sessions where user_id = $1", [userId]);
}

/** models.LogoutSession. */
export async function logoutSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query("delete from sessions where id = $1", [sessionId]);
}

/** models.LogoutAllExceptMe. */
export async function logoutOthers(db: Queryable, userId: string, keepSessionId: string): Promise<void> {
  await db.query("delete from sessions where user_id = $1 and id <> $2", [userId, keepSessionId]);
}
