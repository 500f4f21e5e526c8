/**
 * POST /invite for the service role (GoTrue internal/api/invite.go): creates a passwordless user
 * (or re-invites an unconfirmed one) and emails an invite code and link. Accepting it (/verify
 * type invite) confirms the address and opens a session.
 */
import { adminActor, recordAudit } from "../audit.js";
import type { App, Handler } from "../app.js";
import { requireAdmin } from "../auth.js";
import type { Queryable } from "../db.js";
import { validateEmail } from "../email.js";
import { DUPLICATE_EMAIL, unexpectedFailure, unprocessable } from "../errors.js";
import { type JsonObject, objField, readJson, sendJson, str } from "../http.js";
import { findUserByEmail, findUserById, insertUser, isConfirmed, type LoadedUser, userJson } from "../users.js";
import { sendInvite } from "./mail.js";
import { referrer } from "./redirect.js";
import { isUniqueViolation } from "./signup.js";

/** An email user as GoTrue's signupNewUser makes it: no confirmation yet, metadata from `data`. */
export async function createEmailUser(
  tx: Queryable,
  email: string,
  passwordHash: string,
  data: JsonObject,
): Promise<LoadedUser> {
  const id = await insertUser(tx, {
    email,
    passwordHash,
    userMetadata: data,
    appMetadata: { provider: "email", providers: ["email"] },
  });
  const user = await findUserById(tx, id);
  if (!user) throw unexpectedFailure("Database error saving new user");
  return user;
}

/** Runs `fn` under the signup lock of `email`, turning a lost race for the address into email_exists. */
export async function underEmailLock<T>(app: App, email: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await app.signupLock.run(email, fn);
  } catch (err) {
    if (isUniqueViolation(err)) throw unprocessable("email_exists", DUPLICATE_EMAIL);
    throw err;
  }
}

export const invite: Handler = async (app, req, res) => {
  const admin = adminActor(String((await requireAdmin(app, req)).role));
  const params = await readJson(req, { email: "string", data: "object" }, "InviteParams");
  const email = validateEmail(str(params, "email"));
  const data = objField(params, "data") ?? {};
  const redirectTo = referrer(app, req);
  const userId = await underEmailLock(app, email, async () => {
    const existing = await findUserByEmail(app.database.db, email);
    if (existing && isConfirmed(existing.row)) throw unprocessable("email_exists", DUPLICATE_EMAIL);
    return app.database.tx(async (tx) => {
      const user = existing ?? (await createEmailUser(tx, email, "", data));
      await recordAudit(tx, admin, "user_invited", { traits: { user_id: user.row.id, user_email: user.row.email } });
      await sendInvite(app, tx, user.row, redirectTo);
      return user.row.id;
    });
  });
  const user = await findUserById(app.database.db, userId);
  if (!user) throw unexpectedFailure("Database error inviting user");
  sendJson(res, 200, userJson(user));
};
