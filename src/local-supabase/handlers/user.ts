/** GET and PUT /user, POST /logout (GoTrue internal/api/user.go, logout.go). */
import type { Handler } from "../app.js";
import { recordAudit, recordUserAudit } from "../audit.js";
import { type Authenticated, requireAuthentication } from "../auth.js";
import { validateEmail } from "../email.js";
import { applyEmailChange } from "../email-change.js";
import { ApiError, badRequest, forbidden, unprocessable } from "../errors.js";
import { objField, readJson, sendEmpty, sendJson, str } from "../http.js";
import { checkPasswordStrength, hashPassword, verifyPassword } from "../password.js";
import { logoutAll, logoutOthers, logoutSession } from "../sessions.js";
import { findUserByEmail, findUserById, mergeMetadata, syncProviders, userJson } from "../users.js";
import { sendEmailChange } from "./mail.js";
import { pkceChallenge, validatePkceParams } from "./pkce.js";
import { consumeReauthenticationNonce } from "./reauthenticate.js";
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
    throw badRequest("validation_failed", "Token audience doesn't match request audience");
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
  if (phone !== "") throw unprocessable("phone_provider_disabled", "Phone logins are disabled");
  validatePkceParams(str(params, "code_challenge_method"), str(params, "code_challenge"));
  if (password !== undefined) checkPasswordStrength(password, app.config);
  if (objField(params, "app_metadata") !== undefined) {
    throw forbidden("not_admin", "Updating app_metadata requires admin privileges");
  }
  const hasMfa = (auth.user.factors ?? []).some((f) => f.status === "verified");
  if (hasMfa && auth.session?.aal !== "aal2" && ((password ?? "") !== "" || (email !== "" && email !== user.email))) {
    throw new ApiError(
      401,
      "insufficient_aal",
      "AAL2 session is required to update email or password when MFA is enabled.",
    );
  }
  if (user.is_anonymous && (password ?? "") !== "" && email === "") {
    throw unprocessable(
      "validation_failed",
      "Updating password of an anonymous user without an email or phone is not allowed",
    );
  }
  if (email !== "" && email !== user.email) {
    const other = await findUserByEmail(app.database.db, email);
    if (other && other.row.id !== user.id) {
      throw unprocessable("email_exists", "A user with this email address has already been registered");
    }
  }
  let newHash: string | undefined;
  if (password !== undefined) {
    await checkPasswordChange(app, auth, password, params);
    newHash = password === "" ? "" : await hashPassword(password);
  }
  const redirectTo = referrer(app, req);

  await app.database.tx(async (tx) => {
    const now = new Date().toISOString();
    if (newHash !== undefined) {
      // GoTrue UpdatePassword: the pending codes were sent under the old password; the other
      // sessions no longer count as trusted
      await tx.query(
        `update users set encrypted_password = $2, confirmation_token = '', confirmation_sent_at = null,
           recovery_token = '', recovery_sent_at = null, email_change_token_current = '',
           email_change_token_new = '', email_change_sent_at = null, reauthentication_token = '',
           reauthentication_sent_at = null, updated_at = $3 where id = $1`,
        [user.id, newHash, now],
      );
      if (auth.session) await logoutOthers(tx, user.id, auth.session.id);
      else await logoutAll(tx, user.id);
      await recordUserAudit(tx, user.id, "user_updated_password");
    }
    if (data !== undefined) {
      const current = await findUserById(tx, user.id);
      const merged = mergeMetadata(current?.row.raw_user_meta_data ?? {}, data);
      await tx.query("update users set raw_user_meta_data = $2, updated_at = $3 where id = $1", [user.id, merged, now]);
    }
    if (email !== "" && email !== user.email) {
      const current = await findUserById(tx, user.id);
      if (!current) return;
      if (current.row.is_anonymous && !app.config.confirmEmail) {
        // an anonymous user adding an address under autoconfirm: applied at once, like a signup
        await recordAudit(tx, current.row, "user_modified"); // GoTrue's emailChangeVerify
        await applyEmailChange(tx, { ...current, row: { ...current.row, email_change: email } });
        await syncProviders(tx, user.id);
      } else {
        await sendEmailChange(app, tx, current.row, email, redirectTo, pkceChallenge(params));
      }
    }
    await recordUserAudit(tx, user.id, "user_modified");
  });
  const updated = await findUserById(app.database.db, user.id);
  if (!updated) throw forbidden("user_not_found", "User from sub claim in JWT does not exist");
  sendJson(res, 200, userJson(updated));
};

/** GoTrue's amr methods of a session opened by an emailed code or link (Session.IsRecovery). */
const RECOVERY_METHODS = new Set(["otp", "magiclink", "recovery"]);

/**
 * What a password change must pass before it is stored (GoTrue UserUpdate): the reauthentication
 * nonce for a session older than reauthenticationSessionAge, the current password where
 * required (not in a session opened by an emailed code), and a password other than the old one.
 */
async function checkPasswordChange(
  app: Parameters<Handler>[0],
  auth: Authenticated,
  password: string,
  params: Record<string, unknown>,
): Promise<void> {
  const user = auth.user.row;
  const config = app.config;
  if (config.passwordUpdateRequiresReauthentication) {
    const session = auth.session;
    const age = config.reauthenticationSessionAge * 1000;
    if (!session || Date.now() > +new Date(session.created_at) + age) {
      const nonce = str(params, "nonce");
      if (nonce === "") {
        throw badRequest("reauthentication_needed", "Password update requires reauthentication");
      }
      await consumeReauthenticationNonce(app, user, nonce);
    }
  }
  if (password === "" || user.encrypted_password === "") return;
  if (config.passwordUpdateRequiresCurrentPassword) {
    const recovery = auth.session?.amr.some((a) => RECOVERY_METHODS.has(a.method)) ?? false;
    if (!recovery) {
      const current = typeof params.current_password === "string" ? params.current_password : "";
      if (current === "") {
        throw badRequest("current_password_required", "Current password required when setting new password.");
      }
      if (!(await verifyPassword(current, user.encrypted_password))) {
        throw badRequest("current_password_invalid", "Current password required when setting new password.");
      }
    }
  }
  if (await verifyPassword(password, user.encrypted_password)) {
    throw unprocessable("same_password", "New password should be different from the old password.");
  }
}

export const logout: Handler = async (app, req, res) => {
  const auth = await requireAuthentication(app, req);
  const scope = req.query.get("scope") ?? "";
  if (!["", "global", "local", "others"].includes(scope)) {
    throw badRequest("validation_failed", `Unsupported logout scope ${JSON.stringify(scope)}`);
  }
  const userId = auth.user.row.id;
  const sid = auth.session?.id;
  await app.database.tx(async (tx) => {
    await recordAudit(tx, auth.user.row, "logout");
    if (sid && scope === "local") await logoutSession(tx, sid);
    else if (sid && scope === "others") await logoutOthers(tx, userId, sid);
    else await logoutAll(tx, userId);
  });
  sendEmpty(res, 204);
};
