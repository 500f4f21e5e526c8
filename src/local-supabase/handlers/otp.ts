/**
 * POST /otp for email (GoTrue internal/api/otp.go and magic_link.go): emails a six-digit login
 * code and a /verify link to the local outbox. An unknown address becomes a user first (unless
 * create_user is false: 422 otp_disabled); an unconfirmed one gets the signup confirmation
 * instead, as GoTrue does. The code is redeemed with POST /verify (verifyOtp).
 */
import type { Handler } from "../app.js";
import { validateEmail } from "../email.js";
import { badRequest, unexpectedFailure, unprocessable } from "../errors.js";
import { objField, readJson, sendJson, str } from "../http.js";
import { validatePhone } from "../phone.js";
import { confirmUser, findUserByEmail, findUserById, insertUser, isConfirmed } from "../users.js";
import { sendConfirmation, sendMagicLink } from "./mail.js";
import { pkceChallenge, validatePkceParams } from "./pkce.js";
import { signupDisabled } from "./signup.js";
import { referrer } from "./redirect.js";

const FIELDS = {
  email: "string",
  phone: "string",
  data: "object",
  create_user: "bool",
  channel: "string",
  code_challenge: "string",
  code_challenge_method: "string",
} as const;

export const otp: Handler = async (app, req, res) => {
  app.limiters.signup.take(req.ip);
  const params = await readJson(req, FIELDS, "OtpParams");
  const email = str(params, "email");
  const phone = str(params, "phone");
  if (email !== "" && phone !== "") {
    throw badRequest("validation_failed", "Only an email address or phone number should be provided");
  }
  if (email !== "" && str(params, "channel") !== "") {
    throw badRequest("validation_failed", "Channel should only be specified with Phone OTP");
  }
  validatePkceParams(str(params, "code_challenge_method"), str(params, "code_challenge"));
  const createUser = params.create_user !== false; // GoTrue's default is true
  if (email === "") {
    if (phone === "") throw badRequest("validation_failed", "One of email or phone must be set");
    // GoTrue's shouldCreateUser looks the number up first; no user has a phone here
    if (!createUser) {
      validatePhone(phone);
      throw unprocessable("otp_disabled", "Signups not allowed for otp");
    }
    throw badRequest("phone_provider_disabled", "Unsupported phone provider");
  }
  const normalized = validateEmail(email);
  const data = objField(params, "data") ?? {};
  const redirectTo = referrer(app, req);

  await app.signupLock.run(normalized, async () => {
    const existing = await findUserByEmail(app.database.db, normalized);
    if (!existing && !createUser) throw unprocessable("otp_disabled", "Signups not allowed for otp");
    if (!app.config.emailProviderEnabled) {
      throw unprocessable("email_provider_disabled", "Email logins are disabled");
    }
    // GoTrue's MagicLink signs a new or unconfirmed address up first
    if ((!existing || !isConfirmed(existing.row)) && !app.config.signupEnabled) throw signupDisabled();
    await app.database.tx(async (tx) => {
      let user = existing;
      if (!user) {
        // a passwordless user: it logs in with codes (or OAuth) until it sets a password
        const id = await insertUser(
          tx,
          {
            email: normalized,
            passwordHash: "",
            userMetadata: data,
            appMetadata: { provider: "email", providers: ["email"] },
          },
          data,
        );
        const created = await findUserById(tx, id);
        if (!created) throw unexpectedFailure("Database error saving new user");
        if (!app.config.confirmEmail) await confirmUser(tx, created.row);
        user = await findUserById(tx, id);
        if (!user) throw unexpectedFailure("Database error saving new user");
      }
      if (isConfirmed(user.row)) await sendMagicLink(app, tx, user.row, redirectTo, pkceChallenge(params));
      else await sendConfirmation(app, tx, user.row, redirectTo, pkceChallenge(params));
    });
  });
  sendJson(res, 200, {});
};
