/**
 * GET and POST /verify for signup confirmation, invites, magic links and emailed login codes,
 * password recovery and email change (GoTrue internal/api/verify.go).
 */
import { type App, clientInfo, type Handler } from "../app.js";
import { recordAudit } from "../audit.js";
import type { Queryable } from "../db.js";
import { validateEmail } from "../email.js";
import { confirmEmailChange, SINGLE_CONFIRMATION_ACCEPTED } from "../email-change.js";
import { ApiError, badRequest, forbidden, unexpectedFailure, unprocessable } from "../errors.js";
import { issueEmailAuthCode } from "../flow-state.js";
import { type JsonObject, type Req, readJson, sendJson, str } from "../http.js";
import { validatePhone } from "../phone.js";
import { voidEmailCodes } from "../code-attempts.js";
import { hashPassword, randomPassword } from "../password.js";
import { issueSession, logoutAll } from "../sessions.js";
import {
  confirmUser,
  findUserByColumn,
  isBanned,
  type LoadedUser,
  markEmailIdentityVerified,
  syncProviders,
  type TokenColumn,
  type UserRow,
} from "../users.js";
import { PKCE_PREFIX, tokenHash } from "./mail.js";
import { referrer } from "./redirect.js";

const EMAIL_TYPES = ["signup", "invite", "magiclink", "recovery", "email_change", "email"];

function expired(app: App, sentAt: Date | null): boolean {
  return !sentAt || Date.now() > +new Date(sentAt) + app.config.otpExpiry * 1000;
}

const linkInvalid = () => forbidden("otp_expired", "Email link is invalid or has expired");
const tokenInvalid = () => forbidden("otp_expired", "Token has expired or is invalid");

/** The columns a verification type may match, in GoTrue's order ("email" is signup or magic link). */
function columnsFor(type: string): TokenColumn[] {
  if (type === "signup" || type === "invite") return ["confirmation_token"];
  if (type === "email") return ["confirmation_token", "recovery_token"];
  if (type === "magiclink" || type === "recovery") return ["recovery_token"];
  if (type === "email_change") return ["email_change_token_current", "email_change_token_new"];
  throw badRequest("validation_failed", "Invalid email verification type");
}

const SENT_AT = {
  confirmation_token: "confirmation_sent_at",
  recovery_token: "recovery_sent_at",
  email_change_token_current: "email_change_sent_at",
  email_change_token_new: "email_change_sent_at",
} as const;

/**
 * What a verification gave: a session, an auth code (a link of the PKCE flow), or (the first of
 * two email change confirmations) a message.
 */
type Verified = { session: JsonObject; type: string } | { code: string } | { message: string };

/** The amr / flow state method of a PKCE link by its type (GoTrue ParseAuthenticationMethod). */
const PKCE_METHODS: Record<string, string> = {
  signup: "email/signup",
  invite: "invite",
  magiclink: "magiclink",
  recovery: "recovery",
  email_change: "email_change",
};

/**
 * The user whose code in one of `columns` is one of `hashes` and not expired. A typed code
 * matches a link of either flow (GoTrue's isOtpValid accepts "pkce_" + its hash); a token hash
 * matches exactly.
 */
async function findByHash(
  app: App,
  db: Queryable,
  columns: TokenColumn[],
  hashes: string[],
): Promise<{ user: LoadedUser; column: TokenColumn } | undefined> {
  for (const column of columns) {
    for (const hash of hashes) {
      const user = await findUserByColumn(db, column, hash);
      if (user && !expired(app, user.row[SENT_AT[column]])) return { user, column };
    }
  }
  return undefined;
}

/** An invited user without a password gets a random one when accepting (GoTrue signupVerify). */
const needsInvitePassword = (u: UserRow) => u.invited_at !== null && u.encrypted_password === "";

/** GoTrue's signupVerify (confirmation code: signup or invite). */
async function signupVerify(tx: Queryable, user: UserRow, inviteHash: string | undefined): Promise<void> {
  if (needsInvitePassword(user)) {
    // UpdatePassword(tx, nil): the pending codes go, and so does every session
    await tx.query(
      `update users set encrypted_password = $2, recovery_token = '', recovery_sent_at = null,
         email_change_token_current = '', email_change_token_new = '', email_change_sent_at = null,
         reauthentication_token = '', reauthentication_sent_at = null where id = $1`,
      [user.id, inviteHash ?? (await hashPassword(randomPassword()))],
    );
    await logoutAll(tx, user.id);
  }
  await confirmUser(tx, user);
  if (user.email) await markEmailIdentityVerified(tx, user.id, user.email);
}

interface VerifyHow {
  /** The error for an unknown, used or expired token: the link wording, or "Token has expired or is invalid" for typed codes. */
  invalid: () => ApiError;
  /** A typed code: it also matches the "pkce_" form of its hash. */
  typedCode: boolean;
  /** A followed link of the PKCE flow: answer with the auth code of the user's flow of this method. */
  pkceMethod?: string;
}

/**
 * Finds the user for a token hash and applies the verification (once: the code is cleared):
 * a new session, or for a PKCE link the auth code the client exchanges for one.
 */
async function verifyTokenHash(app: App, req: Req, type: string, hash: string, how: VerifyHow): Promise<Verified> {
  const columns = columnsFor(type);
  const hashes = how.typedCode ? [hash, `${PKCE_PREFIX}${hash}`] : [hash];
  // bcrypt outside the transaction, as GoTrue does: an invite being accepted needs a password
  const peek = await findByHash(app, app.database.db, columns, hashes);
  const inviteHash =
    peek?.column === "confirmation_token" && needsInvitePassword(peek.user.row)
      ? await hashPassword(randomPassword())
      : undefined;
  return app.database.tx(async (tx): Promise<Verified> => {
    const found = await findByHash(app, tx, columns, hashes);
    if (!found) throw how.invalid();
    const { user, column } = found;
    if (isBanned(user.row)) throw forbidden("user_banned", "User is banned");
    let resolvedType = type;
    if (column === "confirmation_token") {
      await recordAudit(tx, user.row, "user_signedup", { traits: { provider: "email" } });
      await signupVerify(tx, user.row, inviteHash);
      if (type === "email") resolvedType = "signup";
    } else if (column === "recovery_token") {
      await tx.query("update users set recovery_token = '', updated_at = $2 where id = $1", [
        user.row.id,
        new Date().toISOString(),
      ]);
      // GoTrue's recoverVerify: an address confirmed this way signs the user up, else a login
      if (user.row.email_confirmed_at === null) {
        await recordAudit(tx, user.row, "user_signedup", { traits: { provider: "email" } });
        await confirmUser(tx, user.row);
      } else {
        await recordAudit(tx, user.row, "login");
      }
      if (type === "email") resolvedType = "magiclink";
    } else {
      const outcome = await confirmEmailChange(tx, user, column, {
        secureEmailChange: app.config.secureEmailChange,
        autoconfirm: !app.config.confirmEmail,
      });
      if (outcome === "pending") return { message: SINGLE_CONFIRMATION_ACCEPTED };
      await recordAudit(tx, user.row, "user_modified"); // the user as it was before the change
    }
    await syncProviders(tx, user.row.id);
    if (how.pkceMethod !== undefined) {
      const code = await issueEmailAuthCode(tx, user.row.id, how.pkceMethod);
      if (!code) {
        throw badRequest("flow_state_not_found", "No associated flow state found. No valid flow state found for user.");
      }
      return { code };
    }
    return { session: await issueSession(tx, app.tokens, user.row.id, "otp", clientInfo(req)), type: resolvedType };
  });
}

function fragment(values: Record<string, string>): string {
  const sorted = Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1));
  return new URLSearchParams(sorted).toString();
}

function redirect(res: Parameters<Handler>[2], location: string): void {
  res.writeHead(303, { Location: location, "Content-Type": "text/html; charset=utf-8" });
  res.end(`<a href="${location.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}">See Other</a>.\n`);
}

export const verifyGet: Handler = async (app, req, res) => {
  app.limiters.verify.take(req.ip); // GoTrue's limiter on the /verify route, before anything else
  const type = req.query.get("type") ?? "";
  const token = req.query.get("token") ?? "";
  const redirectTo = referrer(app, req);
  if (type === "") throw badRequest("validation_failed", "Verify requires a verification type");
  if (token === "") throw badRequest("validation_failed", "Verify requires a token or a token hash");
  const pkce = token.startsWith(PKCE_PREFIX);
  const pkceMethod = pkce ? PKCE_METHODS[type] : undefined;
  if (pkce && pkceMethod === undefined) {
    throw badRequest("validation_failed", "Unsupported verification type");
  }
  const base = redirectTo.split("#")[0] ?? redirectTo;
  try {
    const verified = await verifyTokenHash(app, req, type, token, {
      invalid: linkInvalid,
      typedCode: false,
      pkceMethod,
    });
    if ("message" in verified) {
      // GoTrue's prepRedirectURL: the PKCE flow also gets the message in the query
      const query: Record<string, string> = pkce ? { message: verified.message } : {};
      redirect(res, `${withQuery(base, query)}#${fragment({ message: verified.message, sb: "" })}`);
      return;
    }
    if ("code" in verified) {
      redirect(res, withQuery(redirectTo, { code: verified.code }));
      return;
    }
    const { session } = verified;
    redirect(
      res,
      `${redirectTo}#${fragment({
        access_token: String(session.access_token),
        expires_at: String(session.expires_at),
        expires_in: String(session.expires_in),
        refresh_token: String(session.refresh_token),
        sb: "",
        token_type: "bearer",
        type: verified.type,
      })}`,
    );
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const oauth = { 400: "invalid_request", 401: "unauthorized_client", 403: "access_denied", 500: "server_error" }[
      err.status
    ];
    const values: Record<string, string> = { error_code: err.code, error_description: err.message };
    if (oauth) values.error = oauth;
    // GoTrue's prepErrorRedirectURL: the PKCE flow also gets the error in the query
    redirect(res, `${withQuery(base, pkce ? values : {})}#${fragment({ ...values, sb: "" })}`);
  }
};

/** `base` with `values` set in its query (GoTrue re-encodes the query of the redirect URL). */
function withQuery(base: string, values: Record<string, string>): string {
  if (Object.keys(values).length === 0) return base;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return base;
  }
  for (const [k, v] of Object.entries(values)) url.searchParams.set(k, v);
  return url.href;
}

export const verifyPost: Handler = async (app, req, res) => {
  app.limiters.verify.take(req.ip);
  const p = await readJson(
    req,
    { type: "string", token: "string", token_hash: "string", email: "string", phone: "string", redirect_to: "string" },
    "VerifyParams",
  );
  const type = str(p, "type");
  const token = str(p, "token");
  const hash = str(p, "token_hash");
  if (type === "") throw badRequest("validation_failed", "Verify requires a verification type");
  if ((token === "" && hash === "") || (token !== "" && hash !== "")) {
    throw badRequest("validation_failed", "Verify requires either a token or a token hash");
  }
  if (token !== "") {
    const phone = str(p, "phone");
    if (phone !== "" && str(p, "email") === "") {
      // GoTrue checks the number, then finds no user with it: phone sign-in is off here
      validatePhone(phone);
      throw tokenInvalid();
    }
    if (str(p, "email") === "" || phone !== "") {
      throw badRequest("validation_failed", "Only an email address or phone number should be provided on verify");
    }
    let email: string;
    try {
      email = validateEmail(str(p, "email"));
    } catch {
      throw unprocessable("validation_failed", "Invalid email format");
    }
    // GoTrue looks an sms / phone_change code up by the (empty) phone number and finds nobody;
    // another type it does not know matches none of the user's codes: both are its 403
    if (!EMAIL_TYPES.includes(type)) throw tokenInvalid();
    sendVerified(res, await verifyTypedCode(app, req, type, email, tokenHash(app, email, token)));
    return;
  }
  if (str(p, "email") !== "" || str(p, "phone") !== "" || str(p, "redirect_to") !== "") {
    throw badRequest("validation_failed", "Only the token_hash and type should be provided");
  }
  const verified = await verifyTokenHash(app, req, type, hash, { invalid: linkInvalid, typedCode: false });
  sendVerified(res, verified);
};

function sendVerified(res: Parameters<Handler>[2], verified: Verified): void {
  if ("message" in verified) sendJson(res, 200, { msg: verified.message, code: "200" });
  else if ("session" in verified) sendJson(res, 200, verified.session);
  else throw unexpectedFailure("Internal Server Error"); // codes are for followed links only
}

/**
 * A code typed for an address, under our rule against guessing (code-attempts.ts): the fifth
 * wrong code for the address voids its outstanding codes, so the right one fails too and a new
 * one must be requested.
 */
async function verifyTypedCode(app: App, req: Req, type: string, email: string, hash: string): Promise<Verified> {
  columnsFor(type); // a bad type is a 400, not an attempt
  const subject = `email:${email}`;
  if (!app.codeAttempts.take(subject)) {
    await voidEmailCodes(app.database.db, email);
    throw tokenInvalid();
  }
  try {
    const verified = await verifyTokenHash(app, req, type, hash, { invalid: tokenInvalid, typedCode: true });
    app.codeAttempts.reset(subject);
    return verified;
  } catch (err) {
    if (err instanceof ApiError && err.code === "otp_expired" && app.codeAttempts.wrong(subject)) {
      await voidEmailCodes(app.database.db, email);
      app.config.log(`[local-supabase] ${app.codeAttempts.limit} wrong codes for ${email}: its codes are void`);
    }
    throw err;
  }
}
