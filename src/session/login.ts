import { displayNameOf } from "../util/display-name.js";
import { LgauthError } from "../util/errors.js";
import { type SessionAccounts, sessionAccounts } from "./accounts.js";
import type { ProfileClient } from "./client.js";
import { authFailure } from "./auth-errors.js";
import { type Aal, decodeClaims } from "./clock.js";
import type { ProfileConfig, SavedServers, ServerSettings } from "./config.js";
import type { ChosenStore } from "./credentials/select.js";
import { openStore } from "./credentials/select.js";
import { STORAGE_KEY } from "./storage-adapter.js";
import { withFileLock } from "./lock.js";
import {
  type SessionContext,
  isLoggedIn,
  loadProfileState,
  profileAccounts,
  requireAnonKey,
  requireRunningStack,
} from "./session.js";
import type { ResolvedSettings } from "./settings.js";
import type { CodeSource, Factor } from "./second-factor.js";

export type PasswordMode = "login" | "signup";

export interface AuthOutcome {
  status: "logged_in" | "confirmation_required";
  profile: string;
  email: string;
  userId: string | undefined;
  expiresAt: number | undefined;
  store: ChosenStore | undefined;
  supabaseUrl: string;
  /** The stored session's assurance level (aal2 when a second factor was verified). */
  aal?: Aal | undefined;
  /** The user's display name (user_metadata), when they have one. */
  displayName?: string | undefined;
  /** GoTrue says the password no longer meets the policy (login only). */
  weakPassword?: string;
  /** `login --with-token`: an access token was stored, and no refresh token. */
  accessTokenOnly?: boolean;
}

/**
 * The second factor of a login: where its code comes from (undefined when nobody can give one,
 * e.g. a script without --code-stdin) and, for a browser login, what to do before asking.
 */
export interface SecondFactorOptions {
  codes: CodeSource | undefined;
  /** Runs before the first code is asked for (e.g. tells the browser to go back to the terminal). */
  beforeAsking?: () => void;
  /**
   * Runs once the server said who logged in, before anything is asked or stored: throws to stop
   * a login that would replace another user's login on this profile (the CLI asks, or wants
   * --force). It calls `beforeAsking` first when it is going to ask the person something.
   */
  confirmUser?: (user: SignedInUser, beforeAsking: () => void) => Promise<void>;
}

/** A profile's supabase-js client for a login, and what the login needs to record it. */
export interface LoginClient {
  client: ProfileClient;
  url: string;
  anonKey: string;
  accounts: SessionAccounts;
  /** The servers to record: URLs, or the local stack they came from (it may change ports). */
  servers: SavedServers;
  previous: ProfileConfig | undefined;
}

/**
 * What a login records as the profile's servers. Servers that came from a local stack (the
 * defaults `lgauth dev` saved, or a profile that already follows it) are recorded as that
 * stack, so the profile follows it across restarts and port changes; explicit URLs (flags, env,
 * a profile's own) are recorded as they are.
 */
function serversToRecord(settings: ResolvedSettings): SavedServers {
  const stack = settings.localStack;
  const keep = (key: keyof ServerSettings, value: string | undefined) =>
    stack !== undefined && settings.sources[key] === "local-stack" ? undefined : value;
  return {
    supabaseUrl: keep("supabaseUrl", settings.supabaseUrl),
    supabaseAnonKey: keep("supabaseAnonKey", settings.supabaseAnonKey),
    langgraphUrl: keep("langgraphUrl", settings.langgraphUrl),
    localStack: stack,
  };
}

/** The supabase-js client a login talks through, writing to the chosen credential store. */
export async function openLoginClient(
  ctx: SessionContext,
  chosen: ChosenStore,
  flowType: "implicit" | "pkce" = "implicit",
): Promise<LoginClient> {
  const state = await loadProfileState(ctx);
  requireRunningStack(state.settings);
  const anonKey = requireAnonKey(state.settings);
  const url = state.settings.supabaseUrl;
  const accounts = sessionAccounts(ctx.profile, url, state.settings.localStack !== undefined);
  const { createProfileClient } = await import("./client.js");
  const client = createProfileClient({
    supabaseUrl: url,
    anonKey,
    store: chosen.store,
    accounts,
    minValiditySeconds: 60,
    skewSeconds: 0,
    config: ctx.config,
    env: ctx.env,
    debug: ctx.log.debug,
    flowType,
    // nothing is stored before the login is complete (its second factor verified)
    deferWrites: true,
  });
  const servers = serversToRecord(state.settings);
  return { client, url, anonKey, accounts, servers, previous: state.profile };
}

/**
 * verifyOtp of an emailed code (`type` signup, recovery, or email for a login code) on the login
 * client, under its lock: the user it signs in, or the server's refusal as an LgauthError.
 */
export async function verifyEmailedCode(
  login: LoginClient,
  email: string,
  token: string,
  type: "signup" | "recovery" | "email",
): Promise<SignedInUser | null> {
  const { client, url } = login;
  const r = await withFileLock(client.lockPath, () => client.auth.verifyOtp({ email, token, type }));
  if (r.error) throw authFailure(r.error, url, client.wire, email);
  return r.data.user;
}

/** The user a sign-in answered with (GoTrue includes the user's MFA factors). */
export interface SignedInUser {
  id?: string | undefined;
  email?: string | undefined;
  factors?: Factor[] | undefined;
}

/**
 * After supabase-js handed over a new session (held in memory by the login client): when the
 * user has a verified second factor and the session is aal1, verifies a code first (a session
 * that fails it is revoked at the server and nothing is stored); runs `beforeCommit`, if any,
 * on that session; then stores the session,
 * records the profile (servers, user, expiry, level, store) and removes copies of an older
 * login kept elsewhere.
 */
export async function completeLogin(
  ctx: SessionContext,
  login: LoginClient,
  chosen: ChosenStore,
  user: SignedInUser | null | undefined,
  fallback: { email?: string | undefined },
  secondFactor?: SecondFactorOptions,
  /**
   * Work on the complete (stepped-up) session before it is stored, e.g. a password reset's
   * new password; when it fails, the session is ended at the server and nothing is stored.
   */
  beforeCommit?: () => Promise<void>,
): Promise<AuthOutcome> {
  const { storage } = login.client;
  const pending = storage.pendingAccessToken;
  if (pending === undefined) {
    throw new LgauthError("session_not_stored", "Supabase Auth returned a session but it could not be stored");
  }
  if (secondFactor?.confirmUser) {
    try {
      await secondFactor.confirmUser(user ?? {}, () => secondFactor.beforeAsking?.());
    } catch (err) {
      await abandonLogin(login, pending);
      throw err;
    }
  }
  if (decodeClaims(pending)?.aal !== "aal2") {
    const { verifiedFactors } = await import("./second-factor.js");
    const verified = verifiedFactors(user);
    if (verified.length > 0) await stepUpLogin(ctx, login, pending, verified, secondFactor);
  }
  if (beforeCommit) {
    try {
      await beforeCommit();
    } catch (err) {
      await abandonLogin(login, pending);
      throw err;
    }
  }
  await withFileLock(login.client.lockPath, () => storage.commit());
  return recordSession(ctx, login, chosen, { email: user?.email || fallback.email, userId: user?.id });
}

/** The login's second factor; on any failure the aal1 session is revoked and nothing stored. */
async function stepUpLogin(
  ctx: SessionContext,
  login: LoginClient,
  pending: string,
  verified: Factor[],
  secondFactor: SecondFactorOptions | undefined,
): Promise<void> {
  const { stepUpFactor, verifyWithCodes } = await import("./second-factor.js");
  const factor = stepUpFactor(verified);
  if (!factor) {
    const kinds = [...new Set(verified.map((f) => f.factor_type))].join(", ");
    ctx.log.warn(`this account's second factor (${kinds}) is not one lgauth can verify; the session stays aal1`);
    return;
  }
  const codes = secondFactor?.codes;
  try {
    if (!codes) {
      throw new LgauthError(
        "mfa_code_required",
        "this account has two-factor authentication (MFA) and no authenticator code was given; nothing was stored",
        { details: { login: true } },
      );
    }
    secondFactor?.beforeAsking?.();
    await verifyWithCodes(login.client, login.url, factor, codes);
  } catch (err) {
    await abandonLogin(login, pending);
    if (err instanceof LgauthError && err.code === "mfa_code_invalid") {
      throw new LgauthError("mfa_code_invalid", `${err.message}; nothing was stored`);
    }
    throw err;
  }
}

/** Ends a half-done login's session at the server (best effort) and forgets it here. */
async function abandonLogin(login: LoginClient, pending: string): Promise<void> {
  const token = login.client.storage.pendingAccessToken ?? pending;
  try {
    await login.client.auth.admin.signOut(token, "local");
  } catch {
    // the session is unusable without its second factor anyway; it expires at the server
  }
  await login.client.storage.removeItem(STORAGE_KEY);
}

/** Records the profile after its session was stored (by `completeLogin`). */
async function recordSession(
  ctx: SessionContext,
  login: LoginClient,
  chosen: ChosenStore,
  fallback: { email?: string | undefined; userId?: string | undefined },
): Promise<AuthOutcome> {
  const saved = login.client.storage.saved;
  if (!saved)
    throw new LgauthError("session_not_stored", "Supabase Auth returned a session but it could not be stored");
  const email = saved.email ?? fallback.email ?? "";
  await recordLogin(ctx, {
    ...login.servers,
    userId: saved.userId ?? fallback.userId,
    email,
    displayName: saved.displayName,
    expiresAt: saved.expiresAt,
    aal: saved.aal,
    credentialStore: chosen.kind,
    credentialReason: chosen.reason,
    clockSkew: login.client.clock.skewSeconds,
    accessTokenOnly: undefined,
  });
  await removeStaleCopies(ctx, login.previous, chosen, login.accounts);
  return {
    status: "logged_in",
    profile: ctx.profile,
    email,
    userId: saved.userId ?? fallback.userId,
    expiresAt: saved.expiresAt,
    store: chosen,
    supabaseUrl: login.url,
    aal: saved.aal,
    displayName: saved.displayName,
  };
}

/**
 * Password sign-in or sign-up through supabase-js. The client's storage is the chosen
 * credential store, so supabase-js itself writes the new session there (refresh token first);
 * the profile lock is held meanwhile so a concurrent refresh of an older session of this
 * profile cannot overwrite the new one.
 */
export async function passwordAuth(
  ctx: SessionContext,
  mode: PasswordMode,
  email: string,
  password: string,
  chosen: ChosenStore,
  secondFactor?: SecondFactorOptions,
  /** A sign-up's user_metadata (display_name, …). */
  data?: Record<string, unknown>,
): Promise<AuthOutcome> {
  const login = await openLoginClient(ctx, chosen);
  const { client, url } = login;
  const result = await withFileLock(client.lockPath, () =>
    mode === "login"
      ? client.auth.signInWithPassword({ email, password })
      : client.auth.signUp({ email, password, ...(data === undefined ? {} : { options: { data } }) }),
  );
  if (result.error) throw authFailure(result.error, url, client.wire, email);
  const { session, user } = result.data;
  if (!session) {
    // GoTrue answers a sign-up for an already confirmed address with a stand-in user that has
    // no identities (so as not to reveal who has an account).
    if (mode === "signup" && user && Array.isArray(user.identities) && user.identities.length === 0) {
      throw new LgauthError("user_already_exists", "an account with this email already exists");
    }
    return {
      status: "confirmation_required",
      profile: ctx.profile,
      email,
      userId: user?.id,
      expiresAt: undefined,
      store: undefined,
      supabaseUrl: url,
    };
  }
  let outcome: AuthOutcome;
  try {
    outcome = await completeLogin(ctx, login, chosen, user, { email }, secondFactor);
  } catch (err) {
    if (mode === "signup" && err instanceof LgauthError && NOT_STORED.has(err.code))
      throw signedUpNotStored(email, err);
    throw err;
  }
  const weak =
    "weakPassword" in result.data ? (result.data.weakPassword as { message?: string } | null | undefined) : undefined;
  if (weak?.message) outcome.weakPassword = weak.message;
  return outcome;
}

/** Failures to store a session (the keychain, the file): after a signup the account exists anyway. */
const NOT_STORED = new Set([
  "keychain_unavailable",
  "keychain_timeout",
  "keychain_locked",
  "credentials_unreadable",
  "credentials_invalid",
  "session_not_stored",
]);

/** The account was created, its tokens were not stored: say both, so nobody signs up again. */
function signedUpNotStored(email: string, err: LgauthError): LgauthError {
  return new LgauthError(
    "signed_up_not_stored",
    `the account ${email} was created, but its tokens could not be stored (${err.message})`,
    { details: { email, locked: err.code === "keychain_locked", platform: process.platform }, cause: err },
  );
}

/** `login --with-token`: checks the access token at the server, then stores it (no refresh token). */
export async function tokenAuth(ctx: SessionContext, token: string, chosen: ChosenStore): Promise<AuthOutcome> {
  const login = await openLoginClient(ctx, chosen);
  const { client, url, accounts } = login;
  const { data, error } = await client.auth.getUser(token);
  if (error || !data.user) {
    if (error && error.status !== 0 && (error.status === 401 || error.status === 403)) {
      throw new LgauthError(
        "token_rejected",
        "the server refused that access token (expired, revoked or for another project)",
      );
    }
    throw authFailure(error ?? new Error("no user"), url, client.wire);
  }
  const claims = decodeClaims(token);
  await withFileLock(client.lockPath, async () => {
    await chosen.store.delete(accounts.refresh);
    await chosen.store.set(accounts.access, token);
  });
  await recordLogin(ctx, {
    ...login.servers,
    userId: data.user.id,
    email: data.user.email || claims?.email,
    displayName: displayNameOf(data.user.user_metadata) ?? claims?.displayName,
    expiresAt: claims?.exp,
    credentialStore: chosen.kind,
    aal: claims?.aal,
    credentialReason: `${chosen.reason}; access token only (--with-token), no refresh`,
    clockSkew: client.clock.skewSeconds,
    accessTokenOnly: true,
  });
  await removeStaleCopies(ctx, login.previous, chosen, accounts);
  return {
    status: "logged_in",
    profile: ctx.profile,
    email: data.user.email ?? "",
    userId: data.user.id,
    expiresAt: claims?.exp,
    store: chosen,
    supabaseUrl: url,
    aal: claims?.aal,
    accessTokenOnly: true,
  };
}

async function recordLogin(ctx: SessionContext, fields: ProfileConfig): Promise<void> {
  await ctx.config.update((config) => {
    const p: ProfileConfig = config.profiles[ctx.profile] ?? {};
    for (const [k, v] of Object.entries(fields) as [keyof ProfileConfig, ProfileConfig[keyof ProfileConfig]][]) {
      if (v === undefined) delete p[k];
      else (p as Record<string, unknown>)[k] = v;
    }
    config.profiles[ctx.profile] = p;
  });
}

/** A previous login of this profile kept its tokens elsewhere (other store or server): remove them. */
async function removeStaleCopies(
  ctx: SessionContext,
  previous: ProfileConfig | undefined,
  chosen: ChosenStore,
  accounts: SessionAccounts,
): Promise<void> {
  if (!isLoggedIn(previous)) return;
  const old = profileAccounts(ctx.profile, previous);
  if (previous.credentialStore === chosen.kind && old.refresh === accounts.refresh) return;
  try {
    const store =
      previous.credentialStore === chosen.kind ? chosen.store : await openStore(previous.credentialStore, ctx);
    await store.delete(old.refresh);
    await store.delete(old.access);
  } catch (err) {
    ctx.log.warn(`could not remove the previous tokens of profile "${ctx.profile}" (${(err as Error).message})`);
  }
}
