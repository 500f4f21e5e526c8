/** POST /token with grant_type password, refresh_token or pkce (GoTrue internal/api/token.go). */
import { clientInfo, type Handler } from "../app.js";
import { recordAudit, recordUserAudit } from "../audit.js";
import { type ApiError, badRequest, INVALID_LOGIN, notFound, unprocessable } from "../errors.js";
import { deleteFlowState, findFlowStateByAuthCode, flowStateExpired } from "../flow-state.js";
import { type JsonObject, readJson, sendJson, str } from "../http.js";
import { DUMMY_PASSWORD_HASH, passwordWeakness, verifyPassword } from "../password.js";
import { issueSession, type LoginMethod, refreshTokenGrant } from "../sessions.js";
import { findUserByEmail, isBanned, isConfirmed } from "../users.js";
import { pkceVerifierMatches } from "./pkce.js";
import { idTokenGrant, web3Grant } from "./switched-off.js";

const LEGACY_REFRESH_TOKEN = /^[a-z0-9]{12}$/;
const EMAIL_FLOW_METHODS: LoginMethod[] = ["recovery", "magiclink", "invite", "email/signup", "email_change"];

const password: Handler = async (app, req, res) => {
  const params = await readJson(req, { email: "string", phone: "string", password: "string" }, "PasswordGrantParams");
  const email = str(params, "email");
  const phone = str(params, "phone");
  const pw = str(params, "password");
  if (email !== "" && phone !== "") {
    throw badRequest("validation_failed", "Only an email address or phone number should be provided on login.");
  }
  if (email === "") {
    if (phone !== "") throw unprocessable("phone_provider_disabled", "Phone logins are disabled");
    throw badRequest("validation_failed", "missing email or phone");
  }
  if (!app.config.emailProviderEnabled) throw unprocessable("email_provider_disabled", "Email logins are disabled");
  const user = await findUserByEmail(app.database.db, email);
  if (!user || user.row.encrypted_password === "") {
    // the same bcrypt work as a wrong password: the time must not tell which emails have accounts
    await verifyPassword(pw, DUMMY_PASSWORD_HASH);
    throw badRequest("invalid_credentials", INVALID_LOGIN);
  }
  if (isBanned(user.row)) throw badRequest("user_banned", "User is banned");
  const valid = await verifyPassword(pw, user.row.encrypted_password);
  if (!valid) throw badRequest("invalid_credentials", INVALID_LOGIN);
  if (!isConfirmed(user.row)) throw badRequest("email_not_confirmed", "Email not confirmed");
  const weak = passwordWeakness(pw, app.config);
  const body = await app.database.tx(async (tx) => {
    await recordAudit(tx, user.row, "login", { traits: { provider: "email" } });
    return issueSession(tx, app.tokens, user.row.id, "password", clientInfo(req), weak);
  });
  sendJson(res, 200, body);
};

const refresh: Handler = async (app, req, res) => {
  const params = await readJson(req, { refresh_token: "string" }, "RefreshTokenGrantParams");
  const token = str(params, "refresh_token");
  // GoTrue validates the shape first: <12 characters, or 12 outside [a-z0-9]; longer strings are
  // v2 tokens, which this server never issues, so none of them parses.
  if (token.length !== 12 || !LEGACY_REFRESH_TOKEN.test(token)) {
    throw badRequest("validation_failed", "Refresh token is not valid");
  }
  sendJson(res, 200, await refreshTokenGrant(app.database, app.tokens, token, clientInfo(req)));
};

const pkce: Handler = async (app, req, res) => {
  const params = await readJson(req, { auth_code: "string", code_verifier: "string" }, "PKCEGrantParams");
  const authCode = str(params, "auth_code");
  const verifier = str(params, "code_verifier");
  if (authCode === "" || verifier === "") {
    throw badRequest("validation_failed", "invalid request: both auth code and code verifier should be non-empty");
  }
  const outcome = await app.database.tx(async (tx): Promise<{ ok: JsonObject } | { error: ApiError }> => {
    const flow = await findFlowStateByAuthCode(tx, authCode);
    if (!flow?.user_id) {
      return { error: notFound("flow_state_not_found", "invalid flow state, no valid flow state found") };
    }
    if (flowStateExpired(flow, app.config.flowStateTtl)) {
      await deleteFlowState(tx, flow.id);
      return { error: unprocessable("flow_state_expired", "invalid flow state, flow state has expired") };
    }
    if (!pkceVerifierMatches(flow.code_challenge_method ?? "", flow.code_challenge ?? "", verifier)) {
      return {
        error: badRequest("bad_code_verifier", "code challenge does not match previously saved code verifier"),
      };
    }
    await deleteFlowState(tx, flow.id); // a code works once
    await recordUserAudit(tx, flow.user_id, "login", { traits: { provider_type: flow.provider } });
    // the session's amr names the flow: oauth, or the kind of emailed link (recovery, ...)
    const method: LoginMethod =
      flow.authentication_method === "oauth"
        ? "oauth"
        : (EMAIL_FLOW_METHODS.find((m) => m === flow.authentication_method) ?? "otp");
    return {
      ok: await issueSession(tx, app.tokens, flow.user_id, method, clientInfo(req), undefined, {
        provider: method === "oauth" ? flow.provider : "email",
        providerToken: flow.provider_access_token ?? undefined,
        providerRefreshToken: flow.provider_refresh_token ?? undefined,
      }),
    };
  });
  if ("error" in outcome) throw outcome.error;
  sendJson(res, 200, outcome.ok);
};

const GRANTS: Partial<Record<string, Handler>> = {
  password,
  refresh_token: refresh,
  pkce,
  id_token: idTokenGrant,
  web3: web3Grant,
};

export const token: Handler = async (app, req, res) => {
  const grant = req.query.get("grant_type") ?? "";
  // own keys only: grant_type=constructor would otherwise find Object's and never answer
  const handler = Object.hasOwn(GRANTS, grant) ? GRANTS[grant] : undefined;
  if (!handler) throw badRequest("invalid_credentials", "unsupported_grant_type");
  app.limiters.token.take(req.ip);
  await handler(app, req, res);
};
