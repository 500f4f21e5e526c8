/**
 * POST /otp for email and GoTrue's older POST /magiclink (internal/api/otp.go and
 * magic_link.go): emails a six-digit login code and a /verify link to the local outbox. An
 * unknown address becomes a user first (unless /otp's create_user is false: 422 otp_disabled);
 * an unconfirmed one gets the signup confirmation instead, as GoTrue does. The code is redeemed
 * with POST /verify (verifyOtp).
 */
import type { Handler } from "../app.js";
import { validateEmail } from "../email.js";
import { recordAudit } from "../audit.js";
import { ApiError, badRequest, unexpectedFailure, unprocessable } from "../errors.js";
import { type JsonObject, objField, type Req, readJson, sendJson, str } from "../http.js";
import type { App } from "../app.js";
import { validatePhone } from "../phone.js";
import { confirmUser, findUserByEmail, findUserById, insertUser, isConfirmed } from "../users.js";
import { type PkceFlow, sendConfirmation, sendMagicLink } from "./mail.js";
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
  await magicLink(app, req, validateEmail(email), objField(params, "data") ?? {}, pkceChallenge(params), createUser);
  sendJson(res, 200, {});
};

/**
 * GoTrue's MagicLink once its parameters are checked: a new or unconfirmed address is signed up
 * first (a confirmation mail in confirm mode), a confirmed one gets a login code and link.
 */
async function magicLink(
  app: App,
  req: Req,
  normalized: string,
  data: JsonObject,
  pkce: PkceFlow | undefined,
  createUser: boolean,
): Promise<void> {
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
        user = await findUserById(tx, id);
        if (!user) throw unexpectedFailure("Database error saving new user");
      }
      if (!isConfirmed(user.row)) {
        // GoTrue's Signup for the address: confirmed at once under autoconfirm (with the login
        // event of the session its Signup opens and MagicLink throws away), else a confirmation
        const signedUp = { traits: { provider: "email" } };
        if (app.config.confirmEmail) {
          await recordAudit(tx, user.row, "user_confirmation_requested", signedUp);
          await sendConfirmation(app, tx, user.row, redirectTo, pkce);
          return;
        }
        await recordAudit(tx, user.row, "user_signedup", signedUp);
        await confirmUser(tx, user.row);
        await recordAudit(tx, user.row, "login", signedUp);
        user = await findUserById(tx, user.row.id);
        if (!user) throw unexpectedFailure("Database error saving new user");
      }
      await recordAudit(tx, user.row, "user_recovery_requested");
      await sendMagicLink(app, tx, user.row, redirectTo, pkce);
    });
  });
}

/**
 * POST /magiclink: the route /otp grew out of, still in GoTrue's router. Email only, always
 * creates the user; its own messages for a missing address and an unreadable body.
 */
export const magicLinkRoute: Handler = async (app, req, res) => {
  app.limiters.signup.take(req.ip);
  // checked before the body is read, as GoTrue's MagicLink does (its link switch is always on here)
  if (!app.config.emailProviderEnabled) throw unprocessable("email_provider_disabled", "Email logins are disabled");
  let params: JsonObject;
  try {
    params = await readJson(req, MAGIC_LINK_FIELDS, "MagicLinkParams");
  } catch (err) {
    // GoTrue decodes this body itself: "Could not read verification params: <decoder error>"
    if (!(err instanceof ApiError) || err.code !== "bad_json") throw err;
    const detail = (await req.body()).toString("utf8").trim() === "" ? "EOF" : err.message.replace(/^[^:]*: /, "");
    throw badRequest("bad_json", `Could not read verification params: ${detail}`);
  }
  const email = str(params, "email");
  if (email === "") throw unprocessable("validation_failed", "Password recovery requires an email");
  const normalized = validateEmail(email);
  validatePkceParams(str(params, "code_challenge_method"), str(params, "code_challenge"));
  await magicLink(app, req, normalized, objField(params, "data") ?? {}, pkceChallenge(params), true);
  sendJson(res, 200, {});
};

const MAGIC_LINK_FIELDS = {
  email: "string",
  data: "object",
  code_challenge: "string",
  code_challenge_method: "string",
} as const;
