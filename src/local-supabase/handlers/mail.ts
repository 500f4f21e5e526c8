/**
 * The emails GoTrue sends (internal/api/mail.go): each stores a token hash of address + code
 * (keyed: see tokenHash) in the user's column for its kind, and delivers the code and the /verify link
 * to the local outbox and the server log. One mail of a kind per user per emailMaxFrequency.
 */
import { createHmac, randomInt } from "node:crypto";
import type { App } from "../app.js";
import type { Queryable } from "../db.js";
import { tooManyRequests } from "../errors.js";
import { createEmailFlowState } from "../flow-state.js";
import type { OutboxMessage } from "../outbox.js";
import type { UserRow } from "../users.js";

/**
 * The stored hash of a code, which is also the token of its link: GoTrue's is sha224(email +
 * code), which anyone can compute for each guess of a six-digit code and send as a token_hash,
 * and a wrong token_hash cannot be counted against an address (code-attempts.ts), so guesses
 * made that way escaped the five-wrong-codes rule. Ours is keyed with the server's secret
 * (HMAC-SHA224, the same 56 hex characters): only a typed code, which names its address, can
 * be guessed, and it is counted.
 */
export function tokenHash(app: Pick<App, "codeHashKey">, email: string, otp: string): string {
  return createHmac("sha224", app.codeHashKey)
    .update(email + otp)
    .digest("hex");
}

/** GoTrue's crypto.GenerateOtp: `length` random digits. */
export function otpCode(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += String(randomInt(0, 10));
  return out;
}

/** The link type names GoTrue puts in ?type= (email_change_current/_new links say email_change). */
export type LinkType = "signup" | "invite" | "magiclink" | "recovery" | "email_change";

/** Go's url.QueryEscape: only A-Z a-z 0-9 - _ . ~ stay as they are; a space becomes "+". */
function goQueryEscape(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

/**
 * The /verify link as GoTrue's mailer writes it (templatemailer getPath): token and type
 * query-escaped, redirect_to as given unless it holds `&`, `=` or `#` (then query-escaped), so
 * `redirect_to=https://app.example/welcome` reads as the address it is.
 */
export function verifyLink(app: App, hash: string, type: LinkType, redirectTo: string): string {
  const redirect = /[&=#]/.test(redirectTo) ? goQueryEscape(redirectTo) : redirectTo;
  return `${app.baseUrl}/auth/v1/verify?token=${goQueryEscape(hash)}&type=${goQueryEscape(type)}&redirect_to=${redirect}`;
}

type MailType = OutboxMessage["type"];

const SUBJECTS: Record<MailType, string> = {
  signup: "Confirm Your Signup",
  invite: "You have been invited",
  magiclink: "Your Magic Link",
  recovery: "Reset Your Password",
  email_change: "Confirm Email Change",
  reauthentication: "Confirm reauthentication",
};

function deliver(app: App, to: string, type: MailType, otp: string, link?: string): void {
  const subject = SUBJECTS[type];
  app.codeAttempts.reset(`email:${to}`); // a new code: five new tries (code-attempts.ts)
  app.outbox.add({ to, subject, type, ...(link !== undefined ? { link } : {}), token: otp });
  app.config.log(`[local-supabase] mail to ${to} (${subject})${link !== undefined ? `: ${link}` : ""}`);
}

/**
 * GoTrue's validateSentWithinFrequencyLimit: 429 while the last mail of this kind is younger than
 * emailMaxFrequency, saying how many whole seconds are left (Go truncates the duration).
 */
export function checkFrequency(app: App, sentAt: Date | null): void {
  if (!sentAt) return;
  const until = +new Date(sentAt) + app.config.emailMaxFrequency * 1000;
  const now = Date.now();
  if (until > now) {
    throw tooManyRequests(
      "over_email_send_rate_limit",
      `For security purposes, you can only request this after ${Math.floor((until - now) / 1000)} seconds.`,
    );
  }
}

/** One code of a kind: its hash in `column`, the send time in `sentAtColumn`. */
interface CodeSlot {
  column: "confirmation_token" | "recovery_token" | "reauthentication_token";
  sentAtColumn: "confirmation_sent_at" | "recovery_sent_at" | "reauthentication_sent_at";
}

const CONFIRMATION: CodeSlot = { column: "confirmation_token", sentAtColumn: "confirmation_sent_at" };
const RECOVERY: CodeSlot = { column: "recovery_token", sentAtColumn: "recovery_sent_at" };
const REAUTHENTICATION: CodeSlot = { column: "reauthentication_token", sentAtColumn: "reauthentication_sent_at" };

/** GoTrue's addFlowPrefixToToken: a link of the PKCE flow carries "pkce_" + the hash. */
export const PKCE_PREFIX = "pkce_";
const withFlow = (hash: string, pkce: boolean) => (pkce ? `${PKCE_PREFIX}${hash}` : hash);

/** The client's PKCE challenge when the link is to be of the PKCE flow (GoTrue's flowType). */
export interface PkceFlow {
  codeChallenge: string;
  codeChallengeMethod: string;
}

/** GoTrue's generateFlowState for a PKCE link: the auth code the followed link hands out. */
async function startFlow(tx: Queryable, user: UserRow, flow: PkceFlow | undefined, method: string): Promise<boolean> {
  if (!flow) return false;
  await createEmailFlowState(tx, { ...flow, authenticationMethod: method, userId: user.id });
  return true;
}

/**
 * Stores a new code for `user` in `slot` (replacing the last one) and returns it and the stored
 * hash (with the PKCE prefix for a link of the PKCE flow).
 */
async function newCode(
  app: App,
  tx: Queryable,
  user: UserRow,
  slot: CodeSlot,
  extraSet = "",
  pkce = false,
): Promise<{ otp: string; hash: string }> {
  const otp = otpCode(app.config.otpLength);
  const hash = withFlow(tokenHash(app, user.email ?? "", otp), pkce);
  const now = new Date().toISOString();
  await tx.query(
    `update users set ${slot.column} = $2, ${slot.sentAtColumn} = $3${extraSet}, updated_at = $3 where id = $1`,
    [user.id, hash, now],
  );
  return { otp, hash };
}

/**
 * A code with its /verify link in `slot`, once the slot's last mail is old enough; a PKCE flow
 * (authentication method `method`) when the client sent a challenge.
 */
async function sendLinkCode(
  app: App,
  tx: Queryable,
  user: UserRow,
  slot: CodeSlot,
  type: "signup" | "recovery" | "magiclink",
  method: string,
  redirectTo: string,
  flow: PkceFlow | undefined,
): Promise<void> {
  checkFrequency(app, user[slot.sentAtColumn]);
  const pkce = await startFlow(tx, user, flow, method);
  const { otp, hash } = await newCode(app, tx, user, slot, "", pkce);
  deliver(app, user.email ?? "", type, otp, verifyLink(app, hash, type, redirectTo));
}

/** GoTrue's sendConfirmation: a confirmation code (and link) in confirmation_token. */
export async function sendConfirmation(
  app: App,
  tx: Queryable,
  user: UserRow,
  redirectTo: string,
  flow?: PkceFlow,
): Promise<void> {
  await sendLinkCode(app, tx, user, CONFIRMATION, "signup", "email/signup", redirectTo, flow);
}

/** GoTrue's sendInvite: a confirmation code of type invite, with no frequency limit. */
export async function sendInvite(app: App, tx: Queryable, user: UserRow, redirectTo: string): Promise<void> {
  const { otp, hash } = await newCode(app, tx, user, CONFIRMATION, ", invited_at = $3");
  deliver(app, user.email ?? "", "invite", otp, verifyLink(app, hash, "invite", redirectTo));
}

/** GoTrue's sendPasswordRecovery: a login code (and link) in recovery_token. */
export async function sendRecovery(
  app: App,
  tx: Queryable,
  user: UserRow,
  redirectTo: string,
  flow?: PkceFlow,
): Promise<void> {
  await sendLinkCode(app, tx, user, RECOVERY, "recovery", "recovery", redirectTo, flow);
}

/** GoTrue's sendMagicLink: a login code (and link) in recovery_token, sharing recovery's timer. */
export async function sendMagicLink(
  app: App,
  tx: Queryable,
  user: UserRow,
  redirectTo: string,
  flow?: PkceFlow,
): Promise<void> {
  await sendLinkCode(app, tx, user, RECOVERY, "magiclink", "magiclink", redirectTo, flow);
}

/** GoTrue's sendReauthenticationOtp: the nonce for a password change, no link. */
export async function sendReauthentication(app: App, tx: Queryable, user: UserRow): Promise<void> {
  checkFrequency(app, user.reauthentication_sent_at);
  const { otp } = await newCode(app, tx, user, REAUTHENTICATION);
  deliver(app, user.email ?? "", "reauthentication", otp);
}

/**
 * GoTrue's sendEmailChange: a code for the new address and, with secure email change and a
 * current address, a second one for the current address; both confirmations start over.
 */
export async function sendEmailChange(
  app: App,
  tx: Queryable,
  user: UserRow,
  newEmail: string,
  redirectTo: string,
  flow?: PkceFlow,
): Promise<void> {
  checkFrequency(app, user.email_change_sent_at);
  const pkce = await startFlow(tx, user, flow, "email_change");
  const otpNew = otpCode(app.config.otpLength);
  const hashNew = withFlow(tokenHash(app, newEmail, otpNew), pkce);
  const current = user.email ?? "";
  const secure = app.config.secureEmailChange && current !== "";
  const otpCurrent = secure ? otpCode(app.config.otpLength) : "";
  const hashCurrent = secure ? withFlow(tokenHash(app, current, otpCurrent), pkce) : "";
  const now = new Date().toISOString();
  await tx.query(
    `update users set email_change = $2, email_change_token_new = $3, email_change_token_current = $4,
       email_change_confirm_status = 0, email_change_sent_at = $5, updated_at = $5 where id = $1`,
    [user.id, newEmail, hashNew, hashCurrent, now],
  );
  deliver(app, newEmail, "email_change", otpNew, verifyLink(app, hashNew, "email_change", redirectTo));
  if (secure) {
    deliver(app, current, "email_change", otpCurrent, verifyLink(app, hashCurrent, "email_change", redirectTo));
  }
}
