/**
 * Confirming an email change (GoTrue's emailChangeVerify): in secure mode without autoconfirm the
 * first of the two addresses only records its confirmation; the last one (or the only one)
 * moves the address, verifies the email identity (creating it for a user who had none, such
 * as an anonymous one) and makes the user permanent.
 */
import { randomUUID } from "node:crypto";
import type { Queryable } from "./db.js";
import { confirmUser, findUserById, type LoadedUser, type TokenColumn } from "./users.js";

/** GoTrue's singleConfirmationAccepted. */
export const SINGLE_CONFIRMATION_ACCEPTED =
  "Confirmation link accepted. Please proceed to confirm link sent to the other email";

export interface EmailChangeRules {
  secureEmailChange: boolean;
  /** GoTrue's MAILER_AUTOCONFIRM: one confirmation suffices even in secure mode. */
  autoconfirm: boolean;
}

/**
 * Applies one confirmation of `user`'s pending change through the code in `column`. Returns
 * "pending" when the other address still has to confirm, "changed" when the address moved.
 */
export async function confirmEmailChange(
  tx: Queryable,
  user: LoadedUser,
  column: TokenColumn | undefined,
  rules: EmailChangeRules,
): Promise<"pending" | "changed"> {
  const u = user.row;
  const now = new Date().toISOString();
  if (!rules.autoconfirm && rules.secureEmailChange && u.email_change_confirm_status === 0 && (u.email ?? "") !== "") {
    const cleared = column === "email_change_token_current" || column === "email_change_token_new" ? column : undefined;
    await tx.query(
      `update users set email_change_confirm_status = 1, updated_at = $2${cleared ? `, ${cleared} = ''` : ""} where id = $1`,
      [u.id, now],
    );
    return "pending";
  }
  await applyEmailChange(tx, user);
  return "changed";
}

/** The change itself: email = new_email, pending codes cleared, identity verified, not anonymous. */
export async function applyEmailChange(tx: Queryable, user: LoadedUser): Promise<void> {
  const u = user.row;
  const email = u.email_change;
  const now = new Date().toISOString();
  const identity = user.identities.find((i) => i.provider === "email");
  if (identity) {
    await tx.query(
      `update identities set identity_data = identity_data || jsonb_build_object('email', $2::text, 'email_verified', true),
         updated_at = $3 where id = $1`,
      [identity.id, email, now],
    );
  } else {
    const data = { sub: u.id, email, email_verified: true, phone_verified: false };
    await tx.query(
      `insert into identities (id, provider_id, user_id, identity_data, provider, created_at, updated_at)
       values ($1, $2, $3, $4, 'email', $5, $5)`,
      [randomUUID(), u.id, u.id, data, now],
    );
  }
  await tx.query(
    `update users set email = $2, email_change = '', email_change_token_current = '', email_change_token_new = '',
       email_change_confirm_status = 0, is_anonymous = false, updated_at = $3 where id = $1`,
    [u.id, email, now],
  );
  if (u.email_confirmed_at === null) {
    const fresh = await findUserById(tx, u.id);
    if (fresh) await confirmUser(tx, fresh.row);
  }
}
