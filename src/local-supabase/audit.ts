/**
 * GoTrue's audit log (internal/models/audit_log_entry.go): one row in audit_log_entries per
 * account event, written in the transaction of the change it records, read back by the service
 * role through GET /admin/audit. Actions, log types, payload fields and their traits are
 * GoTrue's; the payload's keys are in the order Go's encoding/json writes a map (sorted).
 */
import { randomUUID } from "node:crypto";
import type { Queryable } from "./db.js";
import type { JsonObject } from "./http.js";
import type { UserRow } from "./users.js";

const LOG_TYPES = {
  login: "account",
  logout: "account",
  invite_accepted: "account",
  user_signedup: "team",
  user_invited: "team",
  user_deleted: "team",
  token_revoked: "token",
  token_refreshed: "token",
  user_modified: "user",
  user_recovery_requested: "user",
  user_reauthenticate_requested: "user",
  user_confirmation_requested: "user",
  user_repeated_signup: "user",
  user_updated_password: "user",
  factor_in_progress: "factor",
  factor_unenrolled: "factor",
  challenge_created: "factor",
  verification_attempted: "factor",
  factor_deleted: "factor",
  factor_updated: "factor",
} as const;

export type AuditAction = keyof typeof LOG_TYPES;

/** Who did it: a user, or the stand-in user GoTrue makes of an admin token's role. */
export type AuditActor = Pick<UserRow, "id" | "email" | "phone" | "raw_user_meta_data">;

const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/** GoTrue's admin actor: models.User{Role: role, Email: role}, so the nil id and the role as its name. */
export function adminActor(role: string): AuditActor {
  return { id: NIL_UUID, email: role, phone: null, raw_user_meta_data: {} };
}

function sortedKeys(obj: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface AuditOptions {
  /** GoTrue's traits: what the event was about. */
  traits?: JsonObject;
  /** The client's address where GoTrue records it (MFA events); "" elsewhere, as GoTrue. */
  ip?: string;
}

/** NewAuditLogEntry: records `action` by `actor` (in the caller's transaction). */
export async function recordAudit(
  db: Queryable,
  actor: AuditActor,
  action: AuditAction,
  opts: AuditOptions = {},
): Promise<void> {
  const payload: JsonObject = {
    action,
    actor_id: actor.id,
    actor_username: actor.phone ? actor.phone : (actor.email ?? ""),
    actor_via_sso: false,
    log_type: LOG_TYPES[action],
  };
  if (Object.hasOwn(actor.raw_user_meta_data ?? {}, "full_name")) {
    payload.actor_name = actor.raw_user_meta_data.full_name;
  }
  if (opts.traits) payload.traits = sortedKeys(opts.traits);
  await db.query("insert into audit_log_entries (id, payload, created_at, ip_address) values ($1, $2::json, $3, $4)", [
    randomUUID(),
    JSON.stringify(sortedKeys(payload)),
    new Date().toISOString(),
    (opts.ip ?? "").slice(0, 64),
  ]);
}

/** recordAudit for the user with this id, as the database has it now (nothing when it is gone). */
export async function recordUserAudit(
  db: Queryable,
  userId: string,
  action: AuditAction,
  opts: AuditOptions = {},
): Promise<void> {
  const found = await db.query<AuditActor>("select id, email, phone, raw_user_meta_data from users where id = $1", [
    userId,
  ]);
  const actor = found.rows[0];
  if (actor) await recordAudit(db, actor, action, opts);
}

/** The traits GoTrue gives admin user events: the user's id, email and phone (strings, "" when none). */
export function userTraits(user: Pick<UserRow, "id" | "email" | "phone">): JsonObject {
  return { user_id: user.id, user_email: user.email ?? "", user_phone: user.phone ?? "" };
}

export interface AuditRow {
  id: string;
  payload: JsonObject;
  created_at: Date;
  ip_address: string;
}

/** FindAuditLogEntries: newest first, optionally where one of `columns` of the payload contains `value`. */
export async function findAuditEntries(
  db: Queryable,
  filter: { columns: string[]; value: string } | undefined,
  page: number,
  perPage: number,
): Promise<{ rows: AuditRow[]; total: number }> {
  let where = "";
  const args: unknown[] = [];
  if (filter && filter.value !== "") {
    args.push(`%${filter.value}%`);
    where = `where (${filter.columns.map((c) => `payload->>'${c}' ilike $1`).join(" or ")})`;
  }
  const count = await db.query<{ n: number }>(`select count(*)::int as n from audit_log_entries ${where}`, args);
  const offset = (Math.max(page, 1) - 1) * perPage;
  const rows = await db.query<AuditRow>(
    `select id, payload, created_at, ip_address from audit_log_entries ${where}
     order by created_at desc, seq desc limit ${perPage} offset ${offset}`,
    args,
  );
  return { rows: rows.rows, total: count.rows[0]?.n ?? 0 };
}
