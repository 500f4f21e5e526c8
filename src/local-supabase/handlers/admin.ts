/** The admin users API for the service role (GoTrue internal/api/admin.go, pagination.go). */
import { adminActor, recordAudit, userTraits } from "../audit.js";
import type { Handler } from "../app.js";
import { isUuid, requireAdmin } from "../auth.js";
import type { Queryable } from "../db.js";
import { validateEmail } from "../email.js";
import { badRequest, DUPLICATE_EMAIL, notFound, unexpectedFailure, unprocessable } from "../errors.js";
import { factorsByUser } from "../factors.js";
import { type JsonObject, objField, type Req, readJson, sendJson, str } from "../http.js";
import { checkPasswordStrength, hashPassword, randomPassword } from "../password.js";
import { logoutAll } from "../sessions.js";
import {
  confirmUser,
  findUserByEmail,
  findUserById,
  insertUser,
  type LoadedUser,
  mergeMetadata,
  type UserRow,
  userJson,
} from "../users.js";
import { isUniqueViolation } from "./signup.js";

const FIELDS = {
  id: "string",
  aud: "string",
  role: "string",
  email: "string",
  phone: "string",
  password: "string",
  password_hash: "string",
  email_confirm: "bool",
  phone_confirm: "bool",
  user_metadata: "object",
  app_metadata: "object",
  ban_duration: "string",
} as const;

const DEFAULT_PER_PAGE = 50;

function parsePageParam(value: string | null, fallback: number): number {
  if (value === null || value === "") return fallback;
  if (!/^\d+$/.test(value)) {
    throw badRequest(
      "validation_failed",
      `Bad Pagination Parameters: strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`,
    );
  }
  return Number(value);
}

/** GoTrue's paginate: ?page (default 1) and ?per_page (default 50, never 0), both unsigned integers. */
export function pagination(req: Req): { page: number; perPage: number } {
  const page = parsePageParam(req.query.get("page"), 1);
  const perPage = parsePageParam(req.query.get("per_page"), DEFAULT_PER_PAGE);
  if (perPage === 0) throw badRequest("validation_failed", "Bad Pagination Parameters: per_page must be positive");
  return { page, perPage };
}

/** Go's time.ParseDuration for the units GoTrue users pass (h, m, s, ms), or "none". */
function parseBanDuration(value: string): number | undefined {
  if (value === "") return undefined;
  if (value === "none") return 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const n = Number(m[1]);
    const unit = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 }[m[2] as string] ?? 0;
    total += n * unit;
    consumed = re.lastIndex;
  }
  if (consumed !== value.length || consumed === 0) {
    throw badRequest(
      "validation_failed",
      `invalid format for ban duration: time: invalid duration ${JSON.stringify(value)}`,
    );
  }
  return total;
}

export function linkHeader(gotrueUrl: string, page: number, perPage: number, total: number): string {
  const totalPages = Math.ceil(total / perPage);
  const url = new URL(gotrueUrl, "http://x");
  const build = (p: number) => {
    url.searchParams.set("page", String(p));
    const sorted = [...url.searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `${url.pathname}?${new URLSearchParams(sorted).toString()}`;
  };
  let header = "";
  if (totalPages > page) header += `<${build(page + 1)}>; rel="next", `;
  header += `<${build(totalPages)}>; rel="last"`;
  return header;
}

export const listUsers: Handler = async (app, req, res) => {
  await requireAdmin(app, req);
  const { page, perPage } = pagination(req);
  const filter = req.query.get("filter") ?? "";
  const where = filter ? "where (email like $1 or raw_user_meta_data->>'full_name' ilike $1)" : "";
  const args = filter ? [`%${filter}%`] : [];
  const db = app.database.db;
  const count = await db.query<{ n: number }>(`select count(*)::int as n from users ${where}`, args);
  const total = count.rows[0]?.n ?? 0;
  const offset = (Math.max(page, 1) - 1) * perPage;
  const rows = await db.query<UserRow>(
    `select * from users ${where} order by created_at desc, id desc limit ${perPage} offset ${offset}`,
    args,
  );
  const users = await withIdentities(db, rows.rows);
  sendJson(
    res,
    200,
    { users: users.map(userJson), aud: "authenticated" },
    { Link: linkHeader(req.gotrueUrl, Math.max(page, 1), perPage, total), "X-Total-Count": String(total) },
  );
};

async function withIdentities(db: Queryable, rows: UserRow[]): Promise<LoadedUser[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const identities = await db.query<LoadedUser["identities"][number]>(
    "select * from identities where user_id = any($1::uuid[]) order by created_at, id",
    [ids],
  );
  const factors = await factorsByUser(db, ids);
  return rows.map((row) => ({
    row,
    identities: identities.rows.filter((i) => i.user_id === row.id),
    factors: factors.get(row.id) ?? [],
  }));
}

export async function loadUser(app: Parameters<Handler>[0], id: string): Promise<LoadedUser> {
  if (!isUuid(id)) throw notFound("validation_failed", "user_id must be an UUID");
  const user = await findUserById(app.database.db, id);
  if (!user) throw notFound("user_not_found", "User not found");
  return user;
}

export const createUser: Handler = async (app, req, res) => {
  const admin = adminActor(String((await requireAdmin(app, req)).role));
  const p = await readJson(req, FIELDS, "AdminUserParams");
  let email = str(p, "email");
  if (email === "" && str(p, "phone") === "") {
    throw badRequest("validation_failed", "Cannot create a user without either an email or phone");
  }
  if (email === "") throw badRequest("phone_provider_disabled", "Phone signups are disabled");
  email = validateEmail(email);
  if (await findUserByEmail(app.database.db, email)) throw unprocessable("email_exists", DUPLICATE_EMAIL);
  if (typeof p.password === "string" && str(p, "password_hash") !== "") {
    throw badRequest("validation_failed", "Only a password or a password hash should be provided");
  }
  let id: string | undefined;
  if (str(p, "id") !== "") {
    if (!isUuid(str(p, "id"))) throw badRequest("validation_failed", "ID must conform to the uuid v4 format");
    if (/^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(str(p, "id"))) {
      throw badRequest("validation_failed", "ID cannot be a nil uuid");
    }
    id = str(p, "id").toLowerCase();
  }
  const banMs = parseBanDuration(str(p, "ban_duration"));
  let hash = str(p, "password_hash");
  if (hash === "") {
    hash = await hashPassword(str(p, "password") || randomPassword());
  } else if (!/^\$2[aby]\$\d\d\$.{53}$/.test(hash)) {
    throw badRequest("validation_failed", "Invalid password hash format");
  }
  let appMeta: JsonObject = { provider: "email", providers: ["email"] };
  const extraApp = objField(p, "app_metadata");
  if (extraApp) appMeta = mergeMetadata(appMeta, extraApp);
  let userId: string;
  try {
    userId = await app.database.tx(async (tx) => {
      const newId = await insertUser(tx, {
        id,
        email,
        passwordHash: hash,
        role: str(p, "role") || "authenticated",
        userMetadata: objField(p, "user_metadata") ?? {},
        appMetadata: appMeta,
      });
      const user = await findUserById(tx, newId);
      if (!user) throw unexpectedFailure("Database error creating new user");
      await recordAudit(tx, admin, "user_signedup", { traits: { ...userTraits(user.row), provider: "email" } });
      if (p.email_confirm === true) await confirmUser(tx, user.row);
      if (banMs !== undefined) await setBan(tx, newId, banMs);
      return newId;
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw unprocessable("email_exists", DUPLICATE_EMAIL);
    }
    throw err;
  }
  const user = await findUserById(app.database.db, userId);
  if (!user) throw unexpectedFailure("Database error creating new user");
  sendJson(res, 200, userJson(user));
};

async function setBan(tx: Queryable, id: string, ms: number): Promise<void> {
  const until = ms === 0 ? null : new Date(Date.now() + ms).toISOString();
  await tx.query("update users set banned_until = $2 where id = $1", [id, until]);
}

export const getUserById: Handler = async (app, req, res) => {
  await requireAdmin(app, req);
  sendJson(res, 200, userJson(await loadUser(app, req.path.split("/")[3] ?? "")));
};

export const updateUserById: Handler = async (app, req, res) => {
  const admin = adminActor(String((await requireAdmin(app, req)).role));
  const user = await loadUser(app, req.path.split("/")[3] ?? "");
  const p = await readJson(req, FIELDS, "AdminUserParams");
  let email = str(p, "email");
  if (email !== "") email = validateEmail(email);
  if (str(p, "phone") !== "") throw badRequest("phone_provider_disabled", "Phone signups are disabled");
  const banMs = parseBanDuration(str(p, "ban_duration"));
  let hash: string | undefined;
  if (typeof p.password === "string") {
    checkPasswordStrength(p.password, app.config);
    hash = await hashPassword(p.password);
  }
  const id = user.row.id;
  try {
    await app.database.tx(async (tx) => {
      const now = new Date().toISOString();
      if (str(p, "role") !== "") await tx.query("update users set role = $2 where id = $1", [id, str(p, "role")]);
      if (p.email_confirm === true) {
        const current = await findUserById(tx, id);
        if (current) await confirmUser(tx, current.row);
      }
      if (hash !== undefined) {
        await tx.query("update users set encrypted_password = $2, confirmation_token = '' where id = $1", [id, hash]);
        await logoutAll(tx, id); // UpdatePassword(tx, nil): every session goes
      }
      if (email !== "") {
        const verified = p.email_confirm === true;
        await tx.query(
          `update identities set identity_data = identity_data || jsonb_build_object('email', $2::text, 'email_verified', $3::boolean),
             updated_at = $4 where user_id = $1 and provider = 'email'`,
          [id, email, verified, now],
        );
        await tx.query("update users set email = $2 where id = $1", [id, email]);
      }
      const appMeta = objField(p, "app_metadata");
      const userMeta = objField(p, "user_metadata");
      if (appMeta || userMeta) {
        const current = await findUserById(tx, id);
        if (current && appMeta) {
          await tx.query("update users set raw_app_meta_data = $2 where id = $1", [
            id,
            mergeMetadata(current.row.raw_app_meta_data, appMeta),
          ]);
        }
        if (current && userMeta) {
          await tx.query("update users set raw_user_meta_data = $2 where id = $1", [
            id,
            mergeMetadata(current.row.raw_user_meta_data, userMeta),
          ]);
        }
      }
      if (banMs !== undefined) await setBan(tx, id, banMs);
      await tx.query("update users set updated_at = $2 where id = $1", [id, now]);
      const changed = await findUserById(tx, id);
      if (changed) await recordAudit(tx, admin, "user_modified", { traits: userTraits(changed.row) });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw unprocessable("email_exists", DUPLICATE_EMAIL);
    throw err;
  }
  const updated = await findUserById(app.database.db, id);
  if (!updated) throw notFound("user_not_found", "User not found");
  sendJson(res, 200, userJson(updated));
};

export const deleteUserById: Handler = async (app, req, res) => {
  const admin = adminActor(String((await requireAdmin(app, req)).role));
  const user = await loadUser(app, req.path.split("/")[3] ?? "");
  const body = await req.body();
  let soft = false;
  if (body.length > 0) {
    const p = await readJson(req, { should_soft_delete: "bool" }, "adminUserDeleteParams");
    soft = p.should_soft_delete === true;
  }
  const deleted = { traits: userTraits(user.row) };
  if (soft) {
    // GoTrue records the deletion also of a user it soft-deleted before
    if (user.row.deleted_at) await recordAudit(app.database.db, admin, "user_deleted", deleted);
    else {
      await app.database.tx(async (tx) => {
        await recordAudit(tx, admin, "user_deleted", deleted);
        const now = new Date().toISOString();
        await tx.query(
          `update users set deleted_at = $2, email = null, encrypted_password = '', updated_at = $2,
             raw_user_meta_data = '{}'::jsonb, raw_app_meta_data = '{}'::jsonb where id = $1`,
          [user.row.id, now],
        );
        await tx.query("delete from identities where user_id = $1", [user.row.id]);
        await logoutAll(tx, user.row.id);
      });
    }
  } else {
    await app.database.tx(async (tx) => {
      await recordAudit(tx, admin, "user_deleted", deleted);
      await tx.query("delete from users where id = $1", [user.row.id]);
    });
  }
  sendJson(res, 200, {});
};
