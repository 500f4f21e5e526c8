/**
 * MFA factors and challenges in the database and their JSON form (GoTrue's models.Factor and
 * models.Challenge), and what factor changes do to sessions (aal, amr, factor_id).
 */
import { randomUUID } from "node:crypto";
import type { Queryable } from "./db.js";
import type { JsonObject } from "./http.js";

export interface FactorRow {
  id: string;
  user_id: string;
  friendly_name: string;
  factor_type: string;
  status: "verified" | "unverified";
  secret: string;
  last_used_step: string | number | null;
  last_challenged_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface ChallengeRow {
  id: string;
  factor_id: string;
  ip_address: string;
  /** Took its wrong codes (code-attempts.ts): answers as expired. */
  voided: boolean;
  verified_at: Date | null;
  created_at: Date;
}

/** AMR methods that make a session aal2 (GoTrue AMRClaim.IsAAL2Claim). */
const AAL2_METHODS = new Set(["totp", "mfa/phone", "mfa/webauthn"]);

export type AmrEntry = { method: string; timestamp: number };

export function aalOf(amr: AmrEntry[]): "aal1" | "aal2" {
  return amr.some((e) => AAL2_METHODS.has(e.method)) ? "aal2" : "aal1";
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** models.Factor as JSON, in its field order; friendly_name is omitted when empty. */
export function factorJson(f: FactorRow): JsonObject {
  const out: JsonObject = {
    id: f.id,
    created_at: iso(f.created_at),
    updated_at: iso(f.updated_at),
    status: f.status,
  };
  if (f.friendly_name !== "") out.friendly_name = f.friendly_name;
  out.factor_type = f.factor_type;
  out.phone = "";
  out.last_challenged_at = iso(f.last_challenged_at);
  return out;
}

export async function listFactors(db: Queryable, userId: string): Promise<FactorRow[]> {
  const r = await db.query<FactorRow>("select * from mfa_factors where user_id = $1 order by created_at, id", [userId]);
  return r.rows;
}

/** The factors of many users at once, by user id. */
export async function factorsByUser(db: Queryable, userIds: string[]): Promise<Map<string, FactorRow[]>> {
  const out = new Map<string, FactorRow[]>();
  if (userIds.length === 0) return out;
  const r = await db.query<FactorRow>(
    "select * from mfa_factors where user_id = any($1::uuid[]) order by created_at, id",
    [userIds],
  );
  for (const f of r.rows) out.set(f.user_id, [...(out.get(f.user_id) ?? []), f]);
  return out;
}

export async function findOwnedFactor(db: Queryable, userId: string, id: string): Promise<FactorRow | undefined> {
  const r = await db.query<FactorRow>("select * from mfa_factors where id = $1 and user_id = $2", [id, userId]);
  return r.rows[0];
}

export async function insertTotpFactor(
  db: Queryable,
  userId: string,
  friendlyName: string,
  secret: string,
): Promise<FactorRow> {
  const now = new Date();
  const row: FactorRow = {
    id: randomUUID(),
    user_id: userId,
    friendly_name: friendlyName,
    factor_type: "totp",
    status: "unverified",
    secret,
    last_used_step: null,
    last_challenged_at: null,
    created_at: now,
    updated_at: now,
  };
  await db.query(
    `insert into mfa_factors (id, user_id, friendly_name, factor_type, status, secret, created_at, updated_at)
     values ($1, $2, $3, 'totp', 'unverified', $4, $5, $5)`,
    [row.id, userId, friendlyName, secret, now.toISOString()],
  );
  return row;
}

/** models.DeleteExpiredFactors: unverified factors past their lifetime that were never challenged. */
export async function deleteExpiredFactors(db: Queryable, lifetimeSeconds: number): Promise<void> {
  await db.query(
    `delete from mfa_factors f where f.status <> 'verified'
       and not exists (select 1 from mfa_challenges c where c.factor_id = f.id)
       and f.created_at + make_interval(secs => $1) < now()`,
    [lifetimeSeconds],
  );
}

export async function createChallenge(db: Queryable, factorId: string, ip: string): Promise<ChallengeRow> {
  const now = new Date();
  const row: ChallengeRow = {
    id: randomUUID(),
    factor_id: factorId,
    ip_address: ip,
    voided: false,
    verified_at: null,
    created_at: now,
  };
  await db.query("insert into mfa_challenges (id, factor_id, ip_address, created_at) values ($1, $2, $3, $4)", [
    row.id,
    factorId,
    ip,
    now.toISOString(),
  ]);
  await db.query("update mfa_factors set last_challenged_at = $2 where id = $1", [factorId, now.toISOString()]);
  return row;
}

export async function findChallengeForUpdate(
  db: Queryable,
  factorId: string,
  id: string,
): Promise<ChallengeRow | undefined> {
  const r = await db.query<ChallengeRow>("select * from mfa_challenges where id = $1 and factor_id = $2 for update", [
    id,
    factorId,
  ]);
  return r.rows[0];
}

export function challengeExpiresAt(c: ChallengeRow, expirySeconds: number): number {
  return Math.floor(+new Date(c.created_at) / 1000) + expirySeconds;
}

/**
 * Factor.DowngradeSessionsToAAL1: the sessions this factor raised lose its AMR entry and go back
 * to aal1 (tokens already issued keep their claims until they expire or are refreshed).
 */
export async function downgradeSessions(db: Queryable, factor: FactorRow): Promise<void> {
  const r = await db.query<{ id: string; amr: AmrEntry[] }>(
    "select id, amr from sessions where user_id = $1 and factor_id = $2",
    [factor.user_id, factor.id],
  );
  for (const s of r.rows) {
    const amr = s.amr.filter((e) => e.method !== factor.factor_type);
    await db.query("update sessions set amr = $2, aal = $3, factor_id = null where id = $1", [s.id, amr, aalOf(amr)]);
  }
}
