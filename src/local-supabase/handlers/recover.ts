/**
 * POST /recover (GoTrue internal/api/recover.go): emails a recovery code and link. The answer is
 * the same `{}` whether or not the address has an account, so it tells nobody which do.
 */
import { recordAudit } from "../audit.js";
import type { Handler } from "../app.js";
import { validateEmail } from "../email.js";
import { badRequest } from "../errors.js";
import { readJson, sendJson, str } from "../http.js";
import { findUserByEmail } from "../users.js";
import { sendRecovery } from "./mail.js";
import { pkceChallenge, validatePkceParams } from "./pkce.js";
import { referrer } from "./redirect.js";

const FIELDS = { email: "string", code_challenge: "string", code_challenge_method: "string" } as const;

export const recover: Handler = async (app, req, res) => {
  app.limiters.signup.take(req.ip);
  // GoTrue's requireEmailProvider middleware, before the body is read
  if (!app.config.emailProviderEnabled) throw badRequest("email_provider_disabled", "Email logins are disabled");
  const params = await readJson(req, FIELDS, "RecoverParams");
  if (str(params, "email") === "") {
    throw badRequest("validation_failed", "Password recovery requires an email");
  }
  const email = validateEmail(str(params, "email"));
  validatePkceParams(str(params, "code_challenge_method"), str(params, "code_challenge"));
  const user = await findUserByEmail(app.database.db, email);
  if (user) {
    const redirectTo = referrer(app, req);
    await app.database.tx(async (tx) => {
      await recordAudit(tx, user.row, "user_recovery_requested");
      await sendRecovery(app, tx, user.row, redirectTo, pkceChallenge(params));
    });
  }
  sendJson(res, 200, {});
};
