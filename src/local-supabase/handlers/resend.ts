/**
 * POST /resend (GoTrue internal/api/resend.go): a new signup confirmation or email change code
 * replaces the last one, within the per-user send interval. Unknown addresses, confirmed users
 * and users with no pending change get the same `{}` and no mail.
 */
import { recordAudit } from "../audit.js";
import type { Handler } from "../app.js";
import { validateEmail } from "../email.js";
import { badRequest } from "../errors.js";
import { readJson, sendJson, str } from "../http.js";
import { findUserByEmail, isConfirmed } from "../users.js";
import { sendConfirmation, sendEmailChange } from "./mail.js";
import { pkceChallenge, validatePkceParams } from "./pkce.js";
import { referrer } from "./redirect.js";

const FIELDS = {
  type: "string",
  email: "string",
  phone: "string",
  code_challenge: "string",
  code_challenge_method: "string",
} as const;

export const resend: Handler = async (app, req, res) => {
  app.limiters.signup.take(req.ip);
  const params = await readJson(req, FIELDS, "ResendConfirmationParams");
  const type = str(params, "type");
  const email = str(params, "email");
  const phone = str(params, "phone");
  if (type === "signup" || type === "email_change") {
    validatePkceParams(str(params, "code_challenge_method"), str(params, "code_challenge"));
  } else if (type !== "sms" && type !== "phone_change") {
    throw badRequest("validation_failed", "Missing one of these types: signup, email_change, sms, phone_change");
  }
  if (email === "" && type === "signup") {
    throw badRequest("validation_failed", "Type provided requires an email address");
  }
  if (phone === "" && type === "sms") throw badRequest("validation_failed", "Type provided requires a phone number");
  if (email !== "" && phone !== "") {
    throw badRequest("validation_failed", "Only an email address or phone number should be provided.");
  }
  if (email === "") {
    if (phone !== "") throw badRequest("phone_provider_disabled", "Phone logins are disabled");
    throw badRequest("validation_failed", "Missing email address or phone number");
  }
  if (!app.config.emailProviderEnabled) throw badRequest("email_provider_disabled", "Email logins are disabled");
  const user = await findUserByEmail(app.database.db, validateEmail(email));
  // phone types with an email find no phone user: GoTrue answers {} too
  if (!user || type === "sms" || type === "phone_change") {
    sendJson(res, 200, {});
    return;
  }
  if (type === "signup" && isConfirmed(user.row)) {
    sendJson(res, 200, {});
    return;
  }
  if (type === "email_change" && user.row.email_change === "") {
    sendJson(res, 200, {});
    return;
  }
  const redirectTo = referrer(app, req);
  const flow = pkceChallenge(params);
  await app.database.tx(async (tx) => {
    if (type !== "signup") return sendEmailChange(app, tx, user.row, user.row.email_change, redirectTo, flow);
    await recordAudit(tx, user.row, "user_confirmation_requested");
    return sendConfirmation(app, tx, user.row, redirectTo, flow);
  });
  sendJson(res, 200, {});
};
