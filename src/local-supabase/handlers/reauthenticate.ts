/**
 * GET /reauthenticate and the nonce it emails (GoTrue internal/api/reauthenticate.go): with
 * passwordUpdateRequiresReauthentication, PUT /user {password, nonce} spends the nonce.
 */
import { recordAudit } from "../audit.js";
import type { App, Handler } from "../app.js";
import { requireAuthentication } from "../auth.js";
import { voidEmailCodes } from "../code-attempts.js";
import { badRequest, unprocessable } from "../errors.js";
import { sendJson } from "../http.js";
import type { UserRow } from "../users.js";
import { sendReauthentication, tokenHash } from "./mail.js";

export const reauthenticate: Handler = async (app, req, res) => {
  const auth = await requireAuthentication(app, req);
  const user = auth.user.row;
  const email = user.email ?? "";
  if (email === "" && (user.phone ?? "") === "") {
    throw badRequest("validation_failed", "Reauthentication requires the user to have an email or a phone number");
  }
  if (email === "") throw badRequest("phone_provider_disabled", "Unsupported phone provider");
  if (user.email_confirmed_at === null) {
    throw unprocessable("email_not_confirmed", "Please verify your email first.");
  }
  await app.database.tx(async (tx) => {
    await recordAudit(tx, user, "user_reauthenticate_requested");
    await sendReauthentication(app, tx, user);
  });
  sendJson(res, 200, {});
};

const INVALID_NONCE = "Nonce has expired or is invalid";

/**
 * GoTrue's verifyReauthentication: the nonce must be the last one emailed to the user and not
 * older than the OTP expiry; it works once (cleared in the same statement that checks it).
 * Ours too: a wrong nonce counts against the address like a wrong emailed code, and the fifth
 * voids its codes, this nonce included (code-attempts.ts).
 */
export async function consumeReauthenticationNonce(app: App, user: UserRow, nonce: string): Promise<void> {
  const email = user.email ?? "";
  if (email === "") {
    throw unprocessable("reauthentication_not_valid", "Reauthentication requires an email or a phone number");
  }
  const invalid = () => unprocessable("reauthentication_not_valid", INVALID_NONCE);
  const subject = `email:${email}`;
  if (!app.codeAttempts.take(subject)) {
    await voidEmailCodes(app.database.db, email);
    throw invalid();
  }
  const notBefore = new Date(Date.now() - app.config.otpExpiry * 1000).toISOString();
  const r = await app.database.db.query<{ id: string }>(
    `update users set reauthentication_token = '' where id = $1 and reauthentication_token <> ''
       and reauthentication_token = $2 and reauthentication_sent_at >= $3 returning id`,
    [user.id, tokenHash(app, email, nonce), notBefore],
  );
  if (r.rows.length === 0) {
    if (app.codeAttempts.wrong(subject)) await voidEmailCodes(app.database.db, email);
    throw invalid();
  }
  app.codeAttempts.reset(subject);
}
