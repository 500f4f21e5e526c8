/**
 * POST /admin/generate_link (GoTrue adminGenerateLink in internal/api/mail.go): what the emails
 * of each kind would carry, for an app that sends its own mail. Sends nothing and has no send
 * interval; the answer is the user's fields plus action_link, email_otp, hashed_token,
 * verification_type and redirect_to.
 */
import { adminActor, recordAudit } from "../audit.js";
import type { Handler } from "../app.js";
import { requireAdmin } from "../auth.js";
import type { Queryable } from "../db.js";
import { validateEmail } from "../email.js";
import { badRequest, DUPLICATE_EMAIL, notFound, unexpectedFailure, unprocessable } from "../errors.js";
import { objField, readJson, sendJson, str } from "../http.js";
import { checkPasswordStrength, hashPassword, randomPassword } from "../password.js";
import { findUserByEmail, findUserById, isConfirmed, type LoadedUser, mergeMetadata, userJson } from "../users.js";
import { createEmailUser, underEmailLock } from "./invite.js";
import { type LinkType, otpCode, tokenHash, verifyLink } from "./mail.js";
import { referrer } from "./redirect.js";

const FIELDS = {
  type: "string",
  email: "string",
  new_email: "string",
  password: "string",
  data: "object",
  redirect_to: "string",
} as const;

const USER_REQUIRED = new Set(["recovery", "email_change_current", "email_change_new"]);

export const generateLink: Handler = async (app, req, res) => {
  const admin = adminActor(String((await requireAdmin(app, req)).role));
  const p = await readJson(req, FIELDS, "GenerateLinkParams");
  const email = validateEmail(str(p, "email"));
  const redirectTo = referrer(app, req, str(p, "redirect_to"));
  const data = objField(p, "data") ?? {};
  let type = str(p, "type");
  let password = str(p, "password");

  const body = await underEmailLock(app, email, async () => {
    const existing = await findUserByEmail(app.database.db, email);
    if (!existing) {
      if (type === "magiclink") {
        type = "signup"; // a magic link for an unknown address signs it up
        password = randomPassword();
      } else if (USER_REQUIRED.has(type)) {
        throw notFound("user_not_found", "User with this email not found");
      }
    }
    let passwordHash = "";
    if (type === "signup" && !existing) {
      if (password === "") throw badRequest("validation_failed", "Signup requires a valid password");
      checkPasswordStrength(password, app.config);
      passwordHash = await hashPassword(password); // before the transaction: bcrypt is slow
    }
    const otp = otpCode(app.config.otpLength);
    const hashedToken = tokenHash(app, email, otp);
    const { user, linkToken, linkType } = await app.database.tx(async (tx) => {
      const now = new Date().toISOString();
      const set = async (u: LoadedUser, sql: string, args: unknown[] = []) => {
        await tx.query(`update users set ${sql}, updated_at = $2 where id = $1`, [u.row.id, now, ...args]);
      };
      let u = existing;
      let column: "confirmation_token" | "recovery_token" | "email_change_token_current" | "email_change_token_new";
      let link: LinkType;
      switch (type) {
        case "magiclink":
        case "recovery": {
          if (!u) throw notFound("user_not_found", "User with this email not found");
          await recordAudit(tx, u.row, "user_recovery_requested");
          await set(u, "recovery_token = $3, recovery_sent_at = $2", [hashedToken]);
          column = "recovery_token";
          link = type;
          break;
        }
        case "invite":
        case "signup": {
          if (u && isConfirmed(u.row)) throw unprocessable("email_exists", DUPLICATE_EMAIL);
          if (!u) u = await createEmailUser(tx, email, passwordHash, data);
          else if (type === "signup") {
            await set(u, "raw_user_meta_data = $3", [mergeMetadata(u.row.raw_user_meta_data, data)]);
          }
          if (type === "invite") {
            await recordAudit(tx, admin, "user_invited", { traits: { user_id: u.row.id, user_email: u.row.email } });
          }
          const invited = type === "invite" ? ", invited_at = $2" : "";
          await set(u, `confirmation_token = $3, confirmation_sent_at = $2${invited}`, [hashedToken]);
          column = "confirmation_token";
          link = type;
          break;
        }
        case "email_change_current":
        case "email_change_new": {
          if (!u) throw notFound("user_not_found", "User with this email not found");
          if (!app.config.secureEmailChange && type === "email_change_current") {
            throw badRequest("validation_failed", "Enable secure email change to generate link for current email");
          }
          const newEmail = validateEmail(str(p, "new_email"));
          await ensureEmailFree(tx, newEmail, u.row.id);
          column = type === "email_change_current" ? "email_change_token_current" : "email_change_token_new";
          // GoTrue: the new address's code hashes with the new address; hashed_token stays the
          // one made from the current address (a known GoTrue quirk: use the link's token)
          const stored = type === "email_change_current" ? hashedToken : tokenHash(app, newEmail, otp);
          await set(
            u,
            `email_change = $3, email_change_confirm_status = 0, email_change_sent_at = $2, ${column} = $4`,
            [newEmail, stored],
          );
          link = "email_change";
          break;
        }
        default:
          throw badRequest("validation_failed", `Invalid email action link type requested: ${type}`);
      }
      const fresh = await findUserById(tx, u.row.id);
      if (!fresh) throw unexpectedFailure("Database error generating link");
      return { user: fresh, linkToken: fresh.row[column], linkType: link };
    });
    return {
      ...userJson(user),
      action_link: verifyLink(app, linkToken, linkType, redirectTo),
      email_otp: otp,
      hashed_token: hashedToken,
      verification_type: type,
      redirect_to: redirectTo,
    };
  });
  sendJson(res, 200, body);
};

/** GoTrue's IsDuplicatedEmail for an email change: another user with the address is email_exists. */
async function ensureEmailFree(tx: Queryable, email: string, userId: string): Promise<void> {
  const other = await findUserByEmail(tx, email);
  if (other && other.row.id !== userId) throw unprocessable("email_exists", DUPLICATE_EMAIL);
}
