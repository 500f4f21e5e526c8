/**
 * The logged-in user's account at Supabase Auth (GoTrue GET/PUT /user through supabase-js):
 * read it, change its user_metadata (display name and other keys), change its email address
 * with the emailed code(s), and change its password (with GoTrue's reauthentication nonce
 * where the project asks for one). Changes that need an aal2 session (email, password of an
 * MFA user) step the session up first with an authenticator code from the caller.
 */
import type { User } from "@supabase/supabase-js";
import { LgauthError, NotLoggedInError } from "../util/errors.js";
import { asAuthError, authFailure, sessionEnded, sessionEndedWords } from "./auth-errors.js";
import type { ProfileClient } from "./client.js";
import { type Aal, decodeClaims } from "./clock.js";
import type { SessionContext } from "./context.js";
import { type EmailedCodeSource, tryEmailedCodes } from "./emailed-codes.js";
import { openMemoryClient } from "./memory-client.js";
import { type CodeSource, stepUpFactor, verifiedFactors, verifyWithCodes } from "./second-factor.js";
import {
  envToken,
  envTokenRefusal,
  forceRefresh,
  getAccessTokenDetailed,
  openProfileClient,
  openSession,
} from "./session.js";

export type { User };

/** The user as Supabase Auth returns it, and the level of the session that asked. */
export interface Account {
  user: User;
  aal: Aal | undefined;
}

interface AccountSession {
  profile: string;
  client: ProfileClient;
  url: string;
  token: string;
  aal: Aal | undefined;
}

/** The profile's stored session (refreshed when it has under a minute left), with supabase-js on it. */
async function openAccountSession(ctx: SessionContext, action: string): Promise<AccountSession> {
  if (envToken(ctx.env)) throw envTokenRefusal(action);
  const { token } = await getAccessTokenDetailed(ctx);
  const session = await openSession(ctx);
  if ((await session.store.get(session.accounts.refresh)) === null) {
    throw new NotLoggedInError(
      ctx.profile,
      `profile "${ctx.profile}" holds only an access token (--with-token); changing the account needs a full login`,
    );
  }
  const client = await openProfileClient(ctx, session, { minValiditySeconds: 60 });
  return { profile: ctx.profile, client, url: session.supabaseUrl, token, aal: decodeClaims(token)?.aal };
}

async function userOf(client: ProfileClient, url: string, token: string, profile?: string): Promise<User> {
  const { data, error } = await client.auth.getUser(token);
  const e = asAuthError(error);
  // a session ended at the server (logged out elsewhere, a password change on another device)
  if (e && profile !== undefined && sessionEnded(e)) {
    throw new NotLoggedInError(profile, `session ended: ${sessionEndedWords(e)}`);
  }
  if (error || !data.user) throw authFailure(error ?? new Error("no user"), url, client.wire);
  return data.user;
}

/** The account of the profile's session (or of LGAUTH_ACCESS_TOKEN when it is set). */
export async function readAccount(ctx: SessionContext): Promise<Account> {
  const fromEnv = envToken(ctx.env);
  if (fromEnv) {
    const { client, url } = await openMemoryClient(ctx);
    return { user: await userOf(client, url, fromEnv), aal: decodeClaims(fromEnv)?.aal };
  }
  const { token } = await getAccessTokenDetailed(ctx);
  const session = await openSession(ctx);
  const client = await openProfileClient(ctx, session, { minValiditySeconds: 60 });
  return { user: await userOf(client, session.supabaseUrl, token, ctx.profile), aal: decodeClaims(token)?.aal };
}

/**
 * A PUT /user through supabase-js; when GoTrue wants an aal2 session (an MFA user changing
 * email or password), steps the session up with a code from `stepUpCodes` and tries once more.
 */
async function updateUser(
  s: AccountSession,
  attributes: { email?: string; password?: string; nonce?: string; data?: Record<string, unknown> },
  stepUpCodes: CodeSource | undefined,
): Promise<User> {
  const put = () => s.client.auth.updateUser(attributes);
  let { data, error } = await put();
  if (asAuthError(error)?.code === "insufficient_aal" && s.aal !== "aal2") {
    const factor = stepUpFactor(verifiedFactors(await userOf(s.client, s.url, s.token, s.profile)));
    if (factor && !stepUpCodes) {
      // a script: `lgauth mfa verify` steps the stored session up, then the change goes through
      throw new LgauthError(
        "mfa_code_required",
        "this change needs a session verified with your second factor (aal2)",
        {
          hint: `step this session up first with \`lgauth mfa verify ${factor.id} --code-stdin\``,
        },
      );
    }
    if (factor && stepUpCodes) {
      await verifyWithCodes(s.client, s.url, factor, stepUpCodes);
      s.aal = "aal2";
      ({ data, error } = await put());
    }
  }
  if (error || !data.user) throw accountFailure(error ?? new Error("no user"), s);
  return data.user;
}

/** authFailure, with the words of the account endpoints where GoTrue's code means something else here. */
function accountFailure(
  err: unknown,
  s: Pick<AccountSession, "client" | "url"> & { profile?: string },
  email?: string,
): LgauthError {
  const e = asAuthError(err);
  if (e && s.profile !== undefined && sessionEnded(e)) {
    return new NotLoggedInError(s.profile, `session ended: ${sessionEndedWords(e)}`);
  }
  switch (e?.code) {
    case "email_exists":
    case "user_already_exists":
      return new LgauthError("email_taken", `another account already uses ${email ?? "that address"}`);
    case "same_password":
      return new LgauthError("same_password", "the new password is the one the account already has");
    case "reauthentication_needed":
      return new LgauthError(
        "reauthentication_needed",
        "this project wants the code it emails before a password change",
      );
    case "reauthentication_not_valid":
      return new LgauthError("reauthentication_not_valid", "the reauthentication code is wrong or has expired");
    case "insufficient_aal":
      return new LgauthError(
        "mfa_code_required",
        "this change needs a session verified with your second factor (aal2) and no authenticator code was given",
      );
    default:
      return authFailure(err, s.url, s.client.wire, email);
  }
}

/**
 * Refreshes the stored session so its access token states the account as it is now (email,
 * user_metadata): the LangGraph server reads the display name from the token. A failure only
 * warns: the change itself is made.
 */
async function refreshClaims(ctx: SessionContext): Promise<void> {
  try {
    await forceRefresh(ctx);
  } catch (err) {
    ctx.log.warn(`the change is made, but the session could not be refreshed to show it (${(err as Error).message})`);
  }
}

export interface MetadataChange {
  /** Keys to set (display_name among them). */
  set: Record<string, string>;
  /** Keys to remove (GoTrue deletes a key set to null). */
  unset: string[];
}

/** A metadata change as made: the keys removed, and those asked to be removed that were not set. */
export interface MetadataOutcome extends Account {
  removed: string[];
  notSet: string[];
}

/**
 * Sets and removes user_metadata keys (GoTrue merges `data` into user_metadata). Keys to remove
 * are looked up first, so a key the account never had is reported as not set, not as removed;
 * when that leaves nothing to change, nothing is sent.
 */
export async function updateMetadata(ctx: SessionContext, change: MetadataChange): Promise<MetadataOutcome> {
  const s = await openAccountSession(ctx, "change the account");
  let removed: string[] = [];
  let notSet: string[] = [];
  if (change.unset.length > 0) {
    const current = await userOf(s.client, s.url, s.token, s.profile);
    const has = (key: string) => Object.hasOwn(current.user_metadata ?? {}, key);
    removed = change.unset.filter(has);
    notSet = change.unset.filter((key) => !has(key));
    if (removed.length === 0 && Object.keys(change.set).length === 0) {
      return { user: current, aal: s.aal, removed, notSet };
    }
  }
  const data: Record<string, unknown> = { ...change.set };
  for (const key of removed) data[key] = null;
  const user = await updateUser(s, { data }, undefined);
  await refreshClaims(ctx);
  return { user, aal: s.aal, removed, notSet };
}

export interface EmailChangeOptions {
  email: string;
  /** Codes from the email sent to `to` (the new address first, then the current one if asked). */
  codes(to: string): EmailedCodeSource;
  /**
   * Called when GoTrue has mailed the code(s): to the new address, and to the current one too
   * when the project confirms changes from both (which lgauth learns only from the answer to
   * the first code).
   */
  sent(newAddress: string, current: string | undefined): void;
  stepUpCodes?: CodeSource | undefined;
}

/**
 * Changes the account's email address the way the project is set up: GoTrue mails a code to the
 * new address (and, with secure email change, one to the current address too). The code of
 * the new address is asked first; when GoTrue answers that the other address must confirm as
 * well, the code sent to the current address next. The address changes only when the last one
 * is accepted; until then `readAccount` shows it as `new_email`.
 *
 * The session GoTrue opens for the confirmation is not kept (it would be aal1): it is signed
 * out, and the profile's own session is refreshed so its token carries the new address.
 */
export async function changeEmail(ctx: SessionContext, opts: EmailChangeOptions): Promise<Account> {
  const s = await openAccountSession(ctx, "change the account");
  const current = (await userOf(s.client, s.url, s.token, s.profile)).email;
  if (current !== undefined && current.toLowerCase() === opts.email.toLowerCase()) {
    throw new LgauthError("invalid_input", `${opts.email} is already this account's address`);
  }
  let user: User;
  try {
    user = await updateUser(s, { email: opts.email }, opts.stepUpCodes);
  } catch (err) {
    if (err instanceof LgauthError && err.code === "email_taken") {
      throw new LgauthError("email_taken", `another account already uses ${opts.email}`);
    }
    throw err;
  }
  if (user.email?.toLowerCase() === opts.email.toLowerCase()) return { user, aal: s.aal };
  opts.sent(opts.email, current || undefined);
  const confirm = await openMemoryClient(ctx);
  const verify = (to: string) => async (token: string) => {
    const r = await confirm.client.auth.verifyOtp({ email: to, token, type: "email_change" });
    if (r.error) throw accountFailure(r.error, confirm, to);
    return r.data.session;
  };
  let session = await tryEmailedCodes(opts.codes(opts.email), verify(opts.email));
  if (!session && current) session = await tryEmailedCodes(opts.codes(current), verify(current));
  if (!session) throw new LgauthError("auth_unexpected", "Supabase Auth accepted the code but opened no session");
  try {
    await confirm.client.auth.admin.signOut(session.access_token, "local");
  } catch {
    // the extra session only ends sooner this way; it is kept nowhere
  }
  await refreshClaims(ctx);
  const after = await readAccount(ctx);
  return after;
}

export interface PasswordChangeOptions {
  /** The new password (asked or read before anything is sent). */
  password: string;
  /** A reauthentication nonce the caller already has (--code-stdin): sent with the password at once. */
  nonce?: string | undefined;
  /**
   * Where the nonce comes from after GoTrue asked for one and lgauth had it emailed (a prompt);
   * undefined when nobody can give it now: the command then ends saying where it went.
   */
  askNonce?: EmailedCodeSource | undefined;
  /** Called when GoTrue has emailed a nonce to `to`. */
  sent(to: string): void;
  stepUpCodes?: CodeSource | undefined;
}

/**
 * Changes the password of the profile's account. GoTrue keeps this session and ends the
 * account's other sessions. A project with secure password change (GoTrue's
 * SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION) answers `reauthentication_needed`: then
 * lgauth has it email the nonce (GET /reauthenticate) and sends the password again with it.
 */
export async function changePassword(ctx: SessionContext, opts: PasswordChangeOptions): Promise<Account> {
  const s = await openAccountSession(ctx, "change the password");
  const withNonce = (source: EmailedCodeSource) =>
    tryEmailedCodes(source, (nonce) => updateUser(s, { password: opts.password, nonce }, opts.stepUpCodes));
  const given = opts.nonce;
  if (given !== undefined) return { user: await withNonce({ attempts: 1, read: async () => given }), aal: s.aal };
  try {
    return { user: await updateUser(s, { password: opts.password }, opts.stepUpCodes), aal: s.aal };
  } catch (err) {
    if (!(err instanceof LgauthError) || err.code !== "reauthentication_needed") throw err;
  }
  const { error } = await s.client.auth.reauthenticate();
  if (error) throw accountFailure(error, s);
  const email = (await userOf(s.client, s.url, s.token, s.profile)).email ?? "your address";
  opts.sent(email);
  if (!opts.askNonce) {
    throw new LgauthError(
      "reauthentication_needed",
      `the password is not changed: this project wants the code it just emailed to ${email}`,
    );
  }
  return { user: await withNonce(opts.askNonce), aal: s.aal };
}
