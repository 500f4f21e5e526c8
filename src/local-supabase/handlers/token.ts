/** POST /token with grant_type password, refresh_token or pkce (GoTrue internal/api/token.go). */
import { clientInfo, type Handler } from "../app.js";
import { ApiError, INVALID_LOGIN } from "../errors.js";
import { readJson, sendJson, str } from "../http.js";
import { passwordWeakness, verifyPassword } from "../password.js";
import { issueSession, refreshTokenGrant } from "../sessions.js";
import { findUserByEmail, isBanned, isConfirmed } from "../users.js";

const LEGACY_REFRESH_TOKEN = /^[a-z0-9]{12}$/;

const password: Handler = async (app, req, res) => {
  const params = await readJson(req, { email: "string", phone: "string", password: "string" }, "PasswordGrantParams");
  const email = str(params, "email");
  const phone = str(params, "phone");
  const pw = str(params, "password");
  if (email !== "" && phone !== "") {
    throw new ApiError(400, "validation_failed", "Only an email address or phone number should be provided on login.");
  }
  if (email === "") {
    if (phone !== "") throw new ApiError(422, "phone_provider_disabled", "Phone logins are disabled");
    throw new ApiError(400, "validation_failed", "missing email or phone");
  }
  const user = await findUserByEmail(app.database.db, email);
  if (!user || user.row.encrypted_password === "") throw new ApiError(400, "invalid_credentials", INVALID_LOGIN);
  if (isBanned(user.row)) throw new ApiError(400, "user_banned", "User is banned");
  const valid = await verifyPassword(pw, user.row.encrypted_password);
  if (!valid) throw new ApiError(400, "invalid_credentials", INVALID_LOGIN);
  if (!isConfirmed(user.row)) throw new ApiError(400, "email_not_confirmed", "Email not confirmed");
  const weak = passwordWeakness(pw, app.config.passwordMinLength);
  const body = await app.database.tx((tx) =>
    issueSession(tx, app.tokens, user.row.id, "password", clientInfo(req), weak),
  );
  sendJson(res, 200, body);
};

const refresh: Handler = async (app, req, res) => {
  const params = await readJson(req, { refresh_token: "string" }, "RefreshTokenGrantParams");
  const token = str(params, "refresh_token");
  // GoTrue validates the shape first: <12 characters, or 12 outside [a-z0-9]; longer strings are
  // v2 tokens, which this server never issues, so none of them parses.
  if (token.length !== 12 || !LEGACY_REFRESH_TOKEN.test(token)) {
    throw new ApiError(400, "validation_failed", "Refresh token is not valid");
  }
  sendJson(res, 200, await refreshTokenGrant(app.database, app.tokens, token, clientInfo(req)));
};

const pkce: Handler = async (_app, req) => {
  const params = await readJson(req, { auth_code: "string", code_verifier: "string" }, "PKCEGrantParams");
  if (str(params, "auth_code") === "" || str(params, "code_verifier") === "") {
    throw new ApiError(
      400,
      "validation_failed",
      "invalid request: both auth code and code verifier should be non-empty",
    );
  }
  // this server runs no OAuth or PKCE email flows, so no auth code can exist
  throw new ApiError(404, "flow_state_not_found", "invalid flow state, no valid flow state found");
};

export const token: Handler = async (app, req, res) => {
  const grant = req.query.get("grant_type") ?? "";
  const handler =
    grant === "password" ? password : grant === "refresh_token" ? refresh : grant === "pkce" ? pkce : undefined;
  if (!handler) throw new ApiError(400, "invalid_credentials", "unsupported_grant_type");
  app.limiters.token.take(req.ip);
  await handler(app, req, res);
};
