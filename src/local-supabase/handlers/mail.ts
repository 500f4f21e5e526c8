/**
 * Confirmation and magic-link emails: GoTrue's token hash (hex SHA-224 of email + six-digit code), the /verify
 * link, and delivery to the local outbox and the server log.
 */
import { createHash, randomInt } from "node:crypto";
import type { App } from "../app.js";
import type { Queryable } from "../db.js";
import { ApiError } from "../errors.js";
import type { UserRow } from "../users.js";

export function tokenHash(email: string, otp: string): string {
  return createHash("sha224")
    .update(email + otp)
    .digest("hex");
}

function otpCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, "0");
}

export function verifyLink(app: App, hash: string, type: string, redirectTo: string): string {
  const q = new URLSearchParams({ token: hash, type, redirect_to: redirectTo });
  return `${app.baseUrl}/auth/v1/verify?${q.toString()}`;
}

const SUBJECTS = {
  signup: "Confirm Your Signup",
  email_change: "Confirm Email Change",
  magiclink: "Your Magic Link",
} as const;

function deliver(app: App, to: string, type: keyof typeof SUBJECTS, link: string, otp: string): void {
  const subject = SUBJECTS[type];
  app.outbox.add({ to, subject, type, link, token: otp });
  app.config.log(`[local-supabase] mail to ${to} (${subject}): ${link}`);
}

/** GoTrue's SMTP max frequency: one mail per user per emailMaxFrequency seconds. */
function checkFrequency(app: App, sentAt: Date | null): void {
  if (!sentAt) return;
  const until = +new Date(sentAt) + app.config.emailMaxFrequency * 1000;
  const left = Math.ceil((until - Date.now()) / 1000);
  if (left > 0) {
    throw new ApiError(
      429,
      "over_email_send_rate_limit",
      `For security purposes, you can only request this after ${left} seconds.`,
    );
  }
}

export async function sendConfirmation(app: App, tx: Queryable, user: UserRow, redirectTo: string): Promise<void> {
  checkFrequency(app, user.confirmation_sent_at);
  const email = user.email ?? "";
  const otp = otpCode();
  const hash = tokenHash(email, otp);
  const now = new Date().toISOString();
  await tx.query("update users set confirmation_token = $2, confirmation_sent_at = $3, updated_at = $3 where id = $1", [
    user.id,
    hash,
    now,
  ]);
  deliver(app, email, "signup", verifyLink(app, hash, "signup", redirectTo), otp);
}

export async function sendEmailChange(
  app: App,
  tx: Queryable,
  user: UserRow,
  newEmail: string,
  redirectTo: string,
): Promise<void> {
  checkFrequency(app, user.email_change_sent_at);
  const otp = otpCode();
  const hash = tokenHash(newEmail, otp);
  const now = new Date().toISOString();
  await tx.query(
    `update users set email_change = $2, email_change_token_new = $3, email_change_sent_at = $4, updated_at = $4
     where id = $1`,
    [user.id, newEmail, hash, now],
  );
  deliver(app, newEmail, "email_change", verifyLink(app, hash, "email_change", redirectTo), otp);
}

/** GoTrue's sendMagicLink: a login code (and link) in recovery_token, one per emailMaxFrequency. */
export async function sendMagicLink(app: App, tx: Queryable, user: UserRow, redirectTo: string): Promise<void> {
  checkFrequency(app, user.recovery_sent_at);
  const email = user.email ?? "";
  const otp = otpCode();
  const hash = tokenHash(email, otp);
  const now = new Date().toISOString();
  await tx.query("update users set recovery_token = $2, recovery_sent_at = $3, updated_at = $3 where id = $1", [
    user.id,
    hash,
    now,
  ]);
  deliver(app, email, "magiclink", verifyLink(app, hash, "magiclink", redirectTo), otp);
}
