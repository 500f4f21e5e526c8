/** GET and PUT /user, POST /logout (GoTrue internal/api/user.go, logout.go). */
import type { Handler } from "../app.js";
import { requireAuthentication } from "../auth.js";
import { validateEmail } from "../email.js";
import { ApiError } from "../errors.js";
import { objField, readJson, sendEmpty, sendJson, str } from "../http.js";
import { checkPasswordStrength, hashPassword, verifyPassword } from "../password.js";
import { logoutAll, logoutOthers, logoutSession } from "../sessions.js";
import { findUserByEmail, findUserById, mergeMetadata, userJson } from "../users.js";
import { sendEmailChange } from "./mail.js";
import { referrer } from "./redirect.js";

function requestAud(req: Parameters<Handler>[1]): string {
  const header = req.headers["x-jwt-aud"];
  return typeof header === "string" && header !== "" ? header : "authenticated";
}

export const getUser: Handler = async (app, req, res) => {
  const auth = await requireAuthentication(app, req);
  const aud = auth.claims.aud;
  const first = Array.isArray(aud) ? aud[0] : aud;
  if (first !== requestAud(req)) {
    throw new ApiError(400, "validation_failed", "Token audience doesn't match request audience");
  }
  sendJson(res, 200, userJson(auth.user));
};

const UPDATE_FIELDS = {
  email: "string",
  password: "string",
  current_password: "string",
  nonce: "string",
  data: "object",
  app_metadata: "object",
  phone: "string",
  channel: "string",
  code_challenge: "string",
  code_challenge_method: "string",
} as const;

export const updateUser: Handler = async (app, req, res) => {
  const auth = await requireAuthentication(app, req);
  const params = await readJson(req, UPDATE_FIELDS, "UserUpdateParams");
  const user = auth.user.row;
  let email = str(params, "email");
  const phone = str(params, "phone");
  const password = typeof params.password === "string" ? params.password : undefined;
  const data = objField(params, "data");

  if (email !== "") email = validateEmail(email);
  if (phone !== "") throw new ApiError(422, "phone_provider_disabled", "Phone logins are disabled");
  if (password !== undefined) checkPasswordStrength(password, app.config);
  if (objField(params, "app_metadata") !== undefined) {
    throw new ApiError(403, "not_admin", "Updating app_metadata requires admin privileges");
  }
  const hasMfa = (auth.user.factors ?? []).some((f) => f.status === "verified");
  if (hasMfa && auth.session?.aal !== "aal2" && ((password ?? "") !== "" || (email !== "" && email !== user.email))) {
    throw new ApiError(
      401,
      "insufficient_aal",
      "AAL2 session is required to update email or password when MFA is enabled.",
    );
  }
  if (email !== "" && email !== user.email) {
    const other = await findUserByEmail(app.database.db, email);
    if (other && other.row.id !== user.id) {
      throw new ApiError(422, "email_exists", "A user with this email address has already been registered");
    }
  }
  let newHash: string | undefined;
  if (password !== undefined) {
    if (
      password !== "" &&
      user.encrypted_password !== "" &&
      (await verifyPassword(password, user.encrypted_password))
    ) {
      throw new ApiError(422, "same_password", "New password should be different from the old password.");
    }
    newHash = password === "" ? "" : await hashPassword(password);
  }
  const redirectTo = referrer(app, req);

  await app.database.tx(async (tx) => {
    const now = new Date().toISOString();
    if (newHash !== undefined) {
      await tx.query(
        `update users set encrypted_password = $2, confirmation_token = '', confirmation_sent_at = null,
           email_change_token_new = '', email_change_sent_at = null, updated_at = $3 where id = $1`,
        [user.id, newHash, now],
      );
      // GoTrue UpdatePassword: the other sessions no longer count as trusted
      if (auth.session) await logoutOthers(tx, user.id, auth.session.id);
      else await logoutAll(tx, user.id);
    }
    if (data !== undefined) {
      const current = await findUserById(tx, user.id);
      const merged = mergeMetadata(current?.row.raw_user_meta_data ?? {}, data);
      await tx.query("update users set raw_user_meta_data = $2, updated_at = $3 where id = $1", [user.id, merged, now]);
    }
    if (email !== "" && email !== user.email) {
      const current = await findUserById(tx, user.id);
      if (current) await sendEmailChange(app, tx, current.row, email, redirectTo);
    }
  });
  const updated = await findUserById(app.database.db, user.id);
  if (!updated) throw new ApiError(403, "user_not_found", "User from sub claim in JWT does not exist");
  sendJson(res, 200, userJson(updated));
};

export const logout: Handler = async (app, req, res) => {
  const auth = await requireAuthentication(app, req);
  const scope = req.query.get("scope") ?? "";
  if (!["", "global", "local", "others"].includes(scope)) {
    throw new ApiError(400, "validation_failed", `Unsupported logout scope ${JSON.stringify(scope)}`);
  }
  const userId = auth.user.row.id;
  const sid = auth.session?.id;
  if (sid && scope === "local") await logoutSession(app.database.db, sid);
  else if (sid && scope === "others") await logoutOthers(app.database.db, userId, sid);
  else await logoutAll(app.database.db, userId);
  sendEmpty(res, 204);
};
