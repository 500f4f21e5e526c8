/**
 * Users and identities in the database, and their JSON form (GoTrue's models.User and
 * models.Identity: field order, omitted nulls, RFC 3339 times).
 */
import { randomUUID } from "node:crypto";
import type { Queryable } from "./db.js";
import { type FactorRow, factorJson, listFactors } from "./factors.js";
import type { JsonObject } from "./http.js";

export interface UserRow {
  id: string;
  aud: string;
  role: string;
  email: string | null;
  encrypted_password: string;
  email_confirmed_at: Date | null;
  invited_at: Date | null;
  confirmation_token: string;
  confirmation_sent_at: Date | null;
  recovery_token: string;
  recovery_sent_at: Date | null;
  email_change_token_new: string;
  email_change_token_current: string;
  email_change: string;
  email_change_sent_at: Date | null;
  /** 0 until one of the two addresses of a secure email change confirmed, then 1. */
  email_change_confirm_status: number;
  reauthentication_token: string;
  reauthentication_sent_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: JsonObject;
  raw_user_meta_data: JsonObject;
  phone: string | null;
  phone_confirmed_at: Date | null;
  banned_until: Date | null;
  is_anonymous: boolean;
  deleted_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface IdentityRow {
  id: string;
  provider_id: string;
  user_id: string;
  identity_data: JsonObject;
  provider: string;
  last_sign_in_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface LoadedUser {
  row: UserRow;
  identities: IdentityRow[];
  /** MFA factors (GoTrue loads them with every user); absent is the same as none. */
  factors?: FactorRow[];
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : undefined);

function put(out: JsonObject, key: string, value: unknown): void {
  if (value !== undefined) out[key] = value;
}

export function identityJson(i: IdentityRow): JsonObject {
  const out: JsonObject = {
    identity_id: i.id,
    id: i.provider_id,
    user_id: i.user_id,
    identity_data: i.identity_data,
    provider: i.provider,
  };
  put(out, "last_sign_in_at", iso(i.last_sign_in_at));
  out.created_at = iso(i.created_at);
  out.updated_at = iso(i.updated_at);
  const email = i.identity_data.email;
  if (typeof email === "string" && email !== "") out.email = email.toLowerCase();
  return out;
}

export function userJson(user: LoadedUser): JsonObject {
  const u = user.row;
  const confirmed = [u.email_confirmed_at, u.phone_confirmed_at].filter((d): d is Date => d !== null);
  const confirmedAt = confirmed.length > 0 ? new Date(Math.min(...confirmed.map((d) => +new Date(d)))) : null;
  const out: JsonObject = { id: u.id, aud: u.aud, role: u.role, email: u.email ?? "" };
  put(out, "email_confirmed_at", iso(u.email_confirmed_at));
  put(out, "invited_at", iso(u.invited_at));
  out.phone = u.phone ?? "";
  put(out, "phone_confirmed_at", iso(u.phone_confirmed_at));
  put(out, "confirmation_sent_at", iso(u.confirmation_sent_at));
  put(out, "confirmed_at", iso(confirmedAt));
  put(out, "recovery_sent_at", iso(u.recovery_sent_at));
  if (u.email_change) out.new_email = u.email_change;
  put(out, "email_change_sent_at", iso(u.email_change_sent_at));
  put(out, "reauthentication_sent_at", iso(u.reauthentication_sent_at));
  put(out, "last_sign_in_at", iso(u.last_sign_in_at));
  out.app_metadata = u.raw_app_meta_data;
  out.user_metadata = u.raw_user_meta_data;
  if (user.factors && user.factors.length > 0) out.factors = user.factors.map(factorJson);
  out.identities = user.identities.map(identityJson);
  out.created_at = iso(u.created_at);
  out.updated_at = iso(u.updated_at);
  put(out, "banned_until", iso(u.banned_until));
  put(out, "deleted_at", iso(u.deleted_at));
  out.is_anonymous = u.is_anonymous;
  return out;
}

export function isConfirmed(u: UserRow): boolean {
  return u.email_confirmed_at !== null;
}

export function isBanned(u: UserRow, now = Date.now()): boolean {
  return u.banned_until !== null && now < +new Date(u.banned_until);
}

async function withIdentities(db: Queryable, row: UserRow | undefined): Promise<LoadedUser | undefined> {
  if (!row) return undefined;
  const ids = await db.query<IdentityRow>("select * from identities where user_id = $1 order by created_at, id", [
    row.id,
  ]);
  return { row, identities: ids.rows, factors: await listFactors(db, row.id) };
}

export async function findUserById(db: Queryable, id: string): Promise<LoadedUser | undefined> {
  const r = await db.query<UserRow>("select * from users where id = $1", [id]);
  return withIdentities(db, r.rows[0]);
}

export async function findUserByEmail(db: Queryable, email: string): Promise<LoadedUser | undefined> {
  const r = await db.query<UserRow>("select * from users where email = $1", [email.toLowerCase()]);
  return withIdentities(db, r.rows[0]);
}

/** The users columns that hold the hash of an emailed code (GoTrue's one-time tokens). */
export type TokenColumn =
  | "confirmation_token"
  | "recovery_token"
  | "email_change_token_current"
  | "email_change_token_new";

export async function findUserByColumn(
  db: Queryable,
  column: TokenColumn,
  value: string,
): Promise<LoadedUser | undefined> {
  if (value === "") return undefined;
  const r = await db.query<UserRow>(`select * from users where ${column} = $1`, [value]);
  return withIdentities(db, r.rows[0]);
}

export interface NewUser {
  id?: string;
  email: string;
  passwordHash: string;
  role?: string;
  userMetadata: JsonObject;
  appMetadata: JsonObject;
}

/** Inserts a user with its email identity (identity_data as GoTrue's provider.Claims map). */
export async function insertUser(tx: Queryable, u: NewUser, extraIdentityData: JsonObject = {}): Promise<string> {
  const id = u.id ?? randomUUID();
  const now = new Date().toISOString();
  await tx.query(
    `insert into users (id, aud, role, email, encrypted_password, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
     values ($1, 'authenticated', $2, $3, $4, $5, $6, $7, $7)`,
    [id, u.role ?? "authenticated", u.email, u.passwordHash, u.appMetadata, u.userMetadata, now],
  );
  const identityData: JsonObject = { sub: id, email: u.email, email_verified: false, phone_verified: false };
  for (const [k, v] of Object.entries(extraIdentityData)) if (!(k in identityData)) identityData[k] = v;
  await tx.query(
    `insert into identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
     values ($1, $2, $3, $4, 'email', $5, $5, $5)`,
    [randomUUID(), id, id, identityData, now],
  );
  return id;
}

/**
 * GoTrue's anonymous user (SignupAnonymously): no email, phone, password or identity, empty
 * app_metadata, is_anonymous. It becomes permanent when an email is confirmed on it.
 */
export async function insertAnonymousUser(tx: Queryable, userMetadata: JsonObject): Promise<string> {
  const id = randomUUID();
  const now = new Date().toISOString();
  await tx.query(
    `insert into users (id, aud, role, email, encrypted_password, raw_app_meta_data, raw_user_meta_data,
       is_anonymous, created_at, updated_at)
     values ($1, 'authenticated', 'authenticated', null, '', '{}'::jsonb, $2, true, $3, $3)`,
    [id, userMetadata, now],
  );
  return id;
}

/** GoTrue's UpdateUserMetaData / UpdateAppMetaData: merge, where null deletes a key. */
export function mergeMetadata(current: JsonObject, updates: JsonObject): JsonObject {
  const out: JsonObject = { ...current };
  for (const [k, v] of Object.entries(updates)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** user.Confirm: email_confirmed_at = now, user_metadata.email_verified = true. */
export async function confirmUser(tx: Queryable, user: UserRow): Promise<void> {
  const now = new Date().toISOString();
  await tx.query(
    `update users set confirmation_token = '', email_confirmed_at = $2,
       raw_user_meta_data = $3, updated_at = $2 where id = $1`,
    [user.id, now, mergeMetadata(user.raw_user_meta_data, { email_verified: true })],
  );
}

/** GoTrue's signupVerify: the email identity of the confirmed address says email_verified. */
export async function markEmailIdentityVerified(tx: Queryable, userId: string, email: string): Promise<void> {
  await tx.query(
    `update identities set identity_data = identity_data || '{"email_verified": true}'::jsonb, updated_at = $3
     where user_id = $1 and provider = 'email' and lower(identity_data->>'email') = $2`,
    [userId, email.toLowerCase(), new Date().toISOString()],
  );
}

/** GoTrue's UpdateAppMetaDataProviders: app_metadata.providers from the identities, oldest first. */
export async function syncProviders(tx: Queryable, userId: string): Promise<void> {
  const r = await tx.query<{ provider: string }>(
    "select provider from identities where user_id = $1 order by created_at, id",
    [userId],
  );
  const providers = [...new Set(r.rows.map((row) => row.provider))];
  const payload: JsonObject = { providers };
  if (providers.length > 0) payload.provider = providers[0];
  await tx.query("update users set raw_app_meta_data = raw_app_meta_data || $2::jsonb where id = $1", [
    userId,
    JSON.stringify(payload),
  ]);
}
