/**
 * POST /signup (GoTrue internal/api/signup.go and anonymous.go): email and password, or with
 * neither email nor phone an anonymous user; the signup and email-provider switches.
 */
import { randomUUID } from "node:crypto";
import { type App, clientInfo, type Handler } from "../app.js";
import { validateEmail } from "../email.js";
import { recordAudit, recordUserAudit } from "../audit.js";
import { badRequest, unexpectedFailure, unprocessable } from "../errors.js";
import { type JsonObject, objField, type Req, readJson, sendJson, str } from "../http.js";
import { checkPasswordStrength, hashPassword } from "../password.js";
import { issueSession } from "../sessions.js";
import {
  confirmUser,
  findUserByEmail,
  findUserById,
  insertAnonymousUser,
  insertUser,
  isConfirmed,
  type LoadedUser,
  userJson,
} from "../users.js";
import { type PkceFlow, sendConfirmation } from "./mail.js";
import { pkceChallenge, validatePkceParams } from "./pkce.js";
import { referrer } from "./redirect.js";

const FIELDS = {
  email: "string",
  phone: "string",
  password: "string",
  data: "object",
  channel: "string",
  code_challenge: "string",
  code_challenge_method: "string",
} as const;

/** GoTrue's sanitizeUser: what a repeated signup of an unconfirmed-mode address gets back. */
function sanitized(user: LoadedUser, data: Record<string, unknown>): Record<string, unknown> {
  const now = new Date();
  return userJson({
    row: {
      ...user.row,
      id: randomUUID(),
      created_at: now,
      updated_at: now,
      confirmation_sent_at: now,
      last_sign_in_at: null,
      email_confirmed_at: null,
      phone_confirmed_at: null,
      raw_user_meta_data: data,
      raw_app_meta_data: { provider: "email", providers: ["email"] },
      phone: null,
    },
    identities: [],
  });
}

export const signup: Handler = async (app, req, res) => {
  const params = await readJson(req, FIELDS, "SignupParams");
  const email = str(params, "email");
  const phone = str(params, "phone");
  const password = str(params, "password");
  const data = objField(params, "data") ?? {};
  // GoTrue's /signup route: neither email nor phone (a password does not matter) is anonymous
  if (email === "" && phone === "") {
    sendJson(res, 200, await signupAnonymously(app, req, data));
    return;
  }
  app.limiters.signup.take(req.ip);
  if (!app.config.signupEnabled) throw signupDisabled();

  if (password === "") throw badRequest("validation_failed", "Signup requires a valid password");
  checkPasswordStrength(password, app.config);
  if (email !== "" && phone !== "") {
    throw badRequest("validation_failed", "Only an email address or phone number should be provided on signup.");
  }
  validatePkceParams(str(params, "code_challenge_method"), str(params, "code_challenge"));
  if (email === "") throw badRequest("phone_provider_disabled", "Phone signups are disabled");
  if (!app.config.emailProviderEnabled) {
    throw badRequest("email_provider_disabled", "Email signups are disabled");
  }
  const normalized = validateEmail(email);
  const redirectTo = referrer(app, req);

  const body = await app.signupLock.run(normalized, () =>
    signupLocked(app, req, normalized, password, data, redirectTo, pkceChallenge(params)),
  );
  sendJson(res, 200, body);
};

export const signupDisabled = () => unprocessable("signup_disabled", "Signups not allowed for this instance");

/** GoTrue's SignupAnonymously: a session for a new anonymous user (amr "anonymous"). */
async function signupAnonymously(app: App, req: Req, data: JsonObject): Promise<JsonObject> {
  if (!app.config.anonymousSignInsEnabled) {
    throw unprocessable("anonymous_provider_disabled", "Anonymous sign-ins are disabled");
  }
  app.limiters.anonymous.take(req.ip);
  if (!app.config.signupEnabled) throw signupDisabled();
  return app.database.tx(async (tx) => {
    const id = await insertAnonymousUser(tx, data);
    return issueSession(tx, app.tokens, id, "anonymous", clientInfo(req));
  });
}

async function signupLocked(
  app: App,
  req: Parameters<Handler>[1],
  email: string,
  password: string,
  data: Record<string, unknown>,
  redirectTo: string,
  flow: PkceFlow | undefined,
): Promise<Record<string, unknown>> {
  // Hashed for every sign-up, also of a registered address, whose hash is thrown away: in confirm
  // mode a repeat gets the answer a new address gets, and its time must not tell them apart
  // either (GoTrue skips the hash there). Outside the transaction, as GoTrue: bcrypt is slow.
  const hash = await hashPassword(password);
  const existing = await findUserByEmail(app.database.db, email);
  if (existing && isConfirmed(existing.row)) {
    await recordAudit(app.database.db, existing.row, "user_repeated_signup", { traits: { provider: "email" } });
    if (!app.config.confirmEmail) throw unprocessable("user_already_exists", "User already registered");
    return sanitized(existing, data);
  }
  let userId: string;
  try {
    userId = await app.database.tx(async (tx) => {
      const id =
        existing?.row.id ??
        (await insertUser(
          tx,
          { email, passwordHash: hash, userMetadata: data, appMetadata: { provider: "email", providers: ["email"] } },
          data,
        ));
      const user = await findUserById(tx, id);
      if (!user) throw unexpectedFailure("Database error saving new user");
      if (!app.config.confirmEmail) {
        await recordAudit(tx, user.row, "user_signedup", { traits: { provider: "email" } });
        await confirmUser(tx, user.row);
      } else {
        await recordAudit(tx, user.row, "user_confirmation_requested", { traits: { provider: "email" } });
        await sendConfirmation(app, tx, user.row, redirectTo, flow);
      }
      return id;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw unprocessable("user_already_exists", "User already registered");
    throw err;
  }
  if (!app.config.confirmEmail) {
    return app.database.tx(async (tx) => {
      await recordUserAudit(tx, userId, "login", { traits: { provider: "email" } });
      return issueSession(tx, app.tokens, userId, "password", clientInfo(req));
    });
  }
  const user = await findUserById(app.database.db, userId);
  if (!user) throw unexpectedFailure("Database error loading user after sign-up");
  return userJson(user);
}

export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505";
}
