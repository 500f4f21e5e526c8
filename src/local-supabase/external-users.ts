/**
 * Users from an external provider's ID token, after GoTrue's createAccountFromExternalIdentity
 * and DetermineAccountLinking: a known identity signs its user in; otherwise an existing user
 * with the same verified email gets the identity linked (one person, one user, whether they log
 * in by password or OAuth); otherwise a new user is created. app_metadata.providers lists the
 * user's identities' providers; the claims are merged into user_metadata on every login.
 * Linking onto a user whose email was never confirmed first removes what that user had
 * (GoTrue's RemoveUnconfirmedIdentities): anyone can sign up someone else's address with a
 * password of their own, and that password must not survive the owner's OAuth login.
 */
import { recordUserAudit } from "./audit.js";
import { randomUUID } from "node:crypto";
import type { JWTPayload } from "jose";
import type { Queryable } from "./db.js";
import { validateEmail } from "./email.js";
import { forbidden, unexpectedFailure, unprocessable } from "./errors.js";
import type { JsonObject } from "./http.js";
import type { ServerConfig } from "./options.js";
import { findUserByEmail, findUserById, isBanned, isConfirmed, mergeMetadata } from "./users.js";

/** GoTrue's provider.Claims for a generic OIDC provider, as stored in identity_data. */
export function identityData(claims: JWTPayload): JsonObject {
  const out: JsonObject = { iss: claims.iss, sub: claims.sub };
  const str = (k: string) => (typeof claims[k] === "string" && claims[k] !== "" ? (claims[k] as string) : undefined);
  const name = str("name");
  if (name) out.name = name;
  const picture = str("picture");
  if (picture) out.picture = picture;
  const username = str("preferred_username");
  if (username) out.preferred_username = username;
  const email = str("email");
  if (email) out.email = email;
  out.email_verified = claims.email_verified === true || claims.email_verified === "true";
  out.phone_verified = false;
  if (name) out.full_name = name;
  if (picture) out.avatar_url = picture;
  out.provider_id = claims.sub;
  return out;
}

async function providersOf(tx: Queryable, userId: string): Promise<string[]> {
  const r = await tx.query<{ provider: string }>(
    "select provider from identities where user_id = $1 order by created_at, id",
    [userId],
  );
  return [...new Set(r.rows.map((row) => row.provider))];
}

async function refreshMetadata(tx: Queryable, userId: string, data: JsonObject, confirm: boolean): Promise<void> {
  const user = await findUserById(tx, userId);
  if (!user) throw unexpectedFailure("Database error loading user");
  if (isBanned(user.row)) throw forbidden("user_banned", "User is banned");
  const now = new Date().toISOString();
  const app = { ...user.row.raw_app_meta_data, providers: await providersOf(tx, userId) };
  const userMeta = mergeMetadata(user.row.raw_user_meta_data, data);
  await tx.query(
    `update users set raw_app_meta_data = $2, raw_user_meta_data = $3, updated_at = $4,
       email_confirmed_at = case when $5 then coalesce(email_confirmed_at, $4::timestamptz) else email_confirmed_at end,
       confirmation_token = case when $5 then '' else confirmation_token end
     where id = $1`,
    [userId, app, userMeta, now, confirm],
  );
}

async function insertIdentity(tx: Queryable, userId: string, provider: string, data: JsonObject): Promise<string> {
  const now = new Date().toISOString();
  const id = randomUUID();
  await tx.query(
    `insert into identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $6, $6)`,
    [id, String(data.sub), userId, data, provider, now],
  );
  return id;
}

/**
 * GoTrue's RemoveUnconfirmedIdentities, for a user whose email is not confirmed and who is now
 * signing in through identity `keep`: whoever made the account may not be its owner, so its
 * password goes, its user_metadata becomes the identity's data, and every other identity is
 * removed (app_metadata.providers follows in refreshMetadata).
 */
async function removeUnconfirmedIdentities(tx: Queryable, userId: string, keep: string, data: JsonObject) {
  await tx.query("update users set encrypted_password = '', raw_user_meta_data = $2 where id = $1", [userId, data]);
  await tx.query("delete from identities where user_id = $1 and id <> $2", [userId, keep]);
}

/**
 * The user for a verified ID token from `provider`, under the server's rules: a new user needs
 * sign-ups on (else 422 signup_disabled), and one whose email the provider has not verified is
 * only created in autoconfirm mode.
 */
export async function userForExternalIdentity(
  tx: Queryable,
  provider: string,
  claims: JWTPayload,
  rules: Pick<ServerConfig, "confirmEmail" | "signupEnabled">,
): Promise<string> {
  const { confirmEmail } = rules;
  const data = identityData(claims);
  const verified = data.email_verified === true;
  const known = await tx.query<{ id: string; user_id: string }>(
    "select id, user_id from identities where provider = $1 and provider_id = $2",
    [provider, String(data.sub)],
  );
  const knownUser = known.rows[0]?.user_id;
  /** GoTrue: a user this login confirms signs up with the provider; a confirmed one logs in. */
  const audit = async (userId: string, wasConfirmed: boolean) => {
    const now = await findUserById(tx, userId);
    const action = wasConfirmed || !now || !isConfirmed(now.row) ? "login" : "user_signedup";
    await recordUserAudit(tx, userId, action, { traits: { provider } });
  };
  if (knownUser) {
    const before = await findUserById(tx, knownUser);
    await tx.query(
      "update identities set identity_data = $3, updated_at = $4 where provider = $1 and provider_id = $2",
      [provider, String(data.sub), data, new Date().toISOString()],
    );
    if (verified && before && !isConfirmed(before.row)) {
      await removeUnconfirmedIdentities(tx, knownUser, known.rows[0]?.id ?? "", data);
    }
    await refreshMetadata(tx, knownUser, data, verified);
    await audit(knownUser, before !== undefined && isConfirmed(before.row));
    return knownUser;
  }

  const rawEmail = typeof data.email === "string" ? data.email : "";
  if (rawEmail === "") {
    throw unexpectedFailure("Error getting user email from external provider");
  }
  let email: string;
  try {
    email = validateEmail(rawEmail);
  } catch {
    throw unexpectedFailure("Error getting user email from external provider");
  }

  const existing = await findUserByEmail(tx, email);
  if (existing) {
    if (!verified) {
      // linking on an address the provider does not vouch for would hand over the account
      throw unprocessable(
        "email_exists",
        `A user with this email address has already been registered; ${provider} has not verified the address`,
      );
    }
    const identity = await insertIdentity(tx, existing.row.id, provider, data);
    if (!isConfirmed(existing.row)) await removeUnconfirmedIdentities(tx, existing.row.id, identity, data);
    await refreshMetadata(tx, existing.row.id, data, true);
    await audit(existing.row.id, isConfirmed(existing.row));
    return existing.row.id;
  }

  if (!rules.signupEnabled) {
    throw unprocessable("signup_disabled", "Signups not allowed for this instance");
  }
  if (!verified && confirmEmail) {
    throw unprocessable(
      "provider_email_needs_verification",
      `Unverified email with ${provider}. Verify the email with ${provider} in order to sign in`,
    );
  }
  const id = randomUUID();
  const now = new Date().toISOString();
  await tx.query(
    `insert into users (id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data,
       raw_user_meta_data, created_at, updated_at)
     values ($1, 'authenticated', 'authenticated', $2, '', $3, $4, $5, $3, $3)`,
    [id, email, now, { provider, providers: [provider] }, data],
  );
  await insertIdentity(tx, id, provider, data);
  await recordUserAudit(tx, id, "user_signedup", { traits: { provider } });
  return id;
}
