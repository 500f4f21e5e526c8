import { LgauthError, NotLoggedInError } from "../util/errors.js";
import { type SessionAccounts, sessionAccounts } from "./accounts.js";
import { asAuthError, authFailure, sessionEnded, sessionEndedWords } from "./auth-errors.js";
import { ServerClock, decodeClaims } from "./clock.js";
import type { ProfileClient } from "./client.js";
import type { Config, ConfigStore, ProfileConfig } from "./config.js";
import type { SessionContext } from "./context.js";
import { ENV_TOKEN, envToken } from "./env-token.js";

// LGAUTH_ACCESS_TOKEN's helpers live in ./env-token.js (whoami loads only that); still here too.
export { ENV_TOKEN, envToken, envTokenRefusal } from "./env-token.js";
import { openStore } from "./credentials/select.js";
import { type CredentialStore, KeychainLockedError } from "./credentials/types.js";
import { withFileLock } from "./lock.js";
import {
  BUILTIN_DEFAULTS,
  type ResolvedSettings,
  followsLocalStack,
  resolveSettings,
  savedServers,
} from "./settings.js";

export type { SessionContext } from "./context.js";

export const DEFAULT_MIN_VALIDITY_S = 60;

export interface ProfileState {
  config: Config;
  profile: ProfileConfig | undefined;
  settings: ResolvedSettings;
}

export async function loadProfileState(ctx: SessionContext): Promise<ProfileState> {
  const config = await ctx.config.load();
  return {
    config,
    profile: config.profiles[ctx.profile],
    settings: resolveSettings(ctx.flags, ctx.env, config, ctx.profile),
  };
}

/** A profile (or the defaults) follows a local stack that is not running. */
export class LocalStackDownError extends LgauthError {
  constructor(dataDir: string) {
    super("local_stack_down", `the local stack in ${dataDir} is not running`, { details: { dataDir } });
    this.name = "LocalStackDownError";
  }
}

/** Throws when the servers would be a guess because the local stack they follow is not running. */
export function requireRunningStack(settings: ResolvedSettings): void {
  if (settings.localStackDown !== undefined) throw new LocalStackDownError(settings.localStackDown);
}

export function requireAnonKey(settings: ResolvedSettings): string {
  if (!settings.supabaseAnonKey) {
    throw new LgauthError("no_anon_key", "no Supabase anon key configured");
  }
  return settings.supabaseAnonKey;
}

export function isLoggedIn(
  p: ProfileConfig | undefined,
): p is ProfileConfig & { credentialStore: "keychain" | "file" } {
  return p?.credentialStore !== undefined && p.userId !== undefined;
}

/** The keychain accounts of a profile's recorded session (no network, also when its local stack is down). */
export function profileAccounts(name: string, p: ProfileConfig): SessionAccounts {
  return sessionAccounts(name, p.supabaseUrl ?? BUILTIN_DEFAULTS.supabaseUrl, followsLocalStack(p));
}

/** A logged-in profile, its store and accounts; throws exit 4 when there is none. */
export interface OpenSession extends ProfileState {
  profile: ProfileConfig & { credentialStore: "keychain" | "file" };
  store: CredentialStore;
  accounts: SessionAccounts;
  /** The Supabase URL the session belongs to. */
  supabaseUrl: string;
}

export async function openSession(ctx: SessionContext, state?: ProfileState): Promise<OpenSession> {
  const s = state ?? (await loadProfileState(ctx));
  const p = s.profile;
  if (!isLoggedIn(p)) throw new NotLoggedInError(ctx.profile);
  const follows = followsLocalStack(p);
  const sessionUrl = follows ? savedServers(p).supabaseUrl : (p.supabaseUrl ?? s.settings.supabaseUrl);
  if (sessionUrl === undefined) throw new LocalStackDownError(p.localStack ?? "");
  if (new URL(sessionUrl).host !== new URL(s.settings.supabaseUrl).host) {
    throw new NotLoggedInError(
      ctx.profile,
      `profile "${ctx.profile}" is logged in at ${sessionUrl}, not at ${s.settings.supabaseUrl}`,
    );
  }
  const store = await openStore(p.credentialStore, ctx);
  return {
    ...s,
    profile: p,
    store,
    accounts: sessionAccounts(ctx.profile, sessionUrl, follows),
    supabaseUrl: sessionUrl,
  };
}

export interface AccessToken {
  token: string;
  /** Unix seconds (server clock), if the token says. */
  expiresAt: number | undefined;
  source: "env" | "keychain" | "file";
  /** True when this call refreshed the session at the server. */
  refreshed: boolean;
}

/**
 * A valid access token for the profile: LGAUTH_ACCESS_TOKEN when set (used as is), else the
 * stored one when it has at least `minValiditySeconds` left by the server's clock (no network,
 * no lock), else a refresh through supabase-js under the profile's cross-process lock.
 */
export async function getAccessTokenDetailed(
  ctx: SessionContext,
  opts: { minValiditySeconds?: number } = {},
): Promise<AccessToken> {
  const fromEnv = envToken(ctx.env);
  if (fromEnv) return { token: fromEnv, expiresAt: decodeClaims(fromEnv)?.exp, source: "env", refreshed: false };
  const min = opts.minValiditySeconds ?? DEFAULT_MIN_VALIDITY_S;
  const session = await openSession(ctx);
  const clock = new ServerClock(session.profile.clockSkew ?? 0);
  const access = await session.store.get(session.accounts.access);
  if (access && clock.secondsLeft(access) >= min) {
    return { token: access, expiresAt: decodeClaims(access)?.exp, source: session.store.kind, refreshed: false };
  }
  return refreshUnderLock(ctx, session, { minValiditySeconds: min });
}

export async function getAccessToken(ctx: SessionContext, opts: { minValiditySeconds?: number } = {}): Promise<string> {
  return (await getAccessTokenDetailed(ctx, opts)).token;
}

/**
 * Refreshes even though the token looks valid (a server refused it). With `rejectedToken`,
 * refreshes only while that token is still the stored one: when several requests are refused
 * at once, the first refreshes and the others pick up its result.
 */
export async function forceRefresh(ctx: SessionContext, rejectedToken?: string): Promise<string> {
  if (envToken(ctx.env)) {
    throw new NotLoggedInError(ctx.profile, `the server refused the token in ${ENV_TOKEN}`, ENV_TOKEN);
  }
  const session = await openSession(ctx);
  const result = await refreshUnderLock(ctx, session, {
    minValiditySeconds: DEFAULT_MIN_VALIDITY_S,
    force: rejectedToken ?? true,
  });
  return result.token;
}

/**
 * supabase-js's client on a profile's stored session: it refreshes under the profile's lock,
 * and each session it stores updates the profile's recorded expiry, clock skew and level.
 */
export async function openProfileClient(
  ctx: SessionContext,
  session: OpenSession,
  opts: { minValiditySeconds: number; force?: true | string },
): Promise<ProfileClient> {
  const anonKey = requireAnonKey(session.settings);
  const { createProfileClient } = await import("./client.js");
  return createProfileClient({
    supabaseUrl: session.supabaseUrl,
    anonKey,
    store: session.store,
    accounts: session.accounts,
    minValiditySeconds: opts.minValiditySeconds,
    force: opts.force,
    skewSeconds: session.profile.clockSkew ?? 0,
    profile: ctx.profile,
    config: ctx.config,
    env: ctx.env,
    debug: ctx.log.debug,
  });
}

async function refreshUnderLock(
  ctx: SessionContext,
  session: OpenSession,
  opts: { minValiditySeconds: number; force?: true | string },
): Promise<AccessToken> {
  const client = await openProfileClient(ctx, session, opts);
  const { auth, storage, wire, clock } = client;
  let { data, error } = await auth.getSession();
  const stillRejected = (token: string) => typeof opts.force === "string" && token === opts.force;
  const good = (token: string | undefined): token is string =>
    token !== undefined &&
    token !== "missing" &&
    !stillRejected(token) &&
    (opts.force === true ? storage.saved !== null : clock.secondsLeft(token) >= opts.minValiditySeconds);
  if (!storage.saved && !error && !good(data.session?.access_token)) {
    if (data.session === null) {
      // No refresh token stored (a --with-token login, or a half-cleared store).
      const access = await session.store.get(session.accounts.access);
      if (access && !(await session.store.get(session.accounts.refresh))) {
        throw new NotLoggedInError(ctx.profile, "the access token given with --with-token has expired");
      }
      if (session.store.kind === "keychain") {
        // The config says this profile is logged in, so the tokens were in the keychain. A
        // locked keyring reads as "no such entry" (libsecret answers null, not an error): find
        // out, so nobody thinks the tokens are lost when the keyring only needs unlocking.
        if (await session.store.locked?.()) throw new KeychainLockedError("read");
        throw new NotLoggedInError(
          ctx.profile,
          `the keychain holds no tokens for profile "${ctx.profile}" (removed outside lgauth?)`,
        );
      }
      throw new NotLoggedInError(ctx.profile, `no stored session for profile "${ctx.profile}"`);
    }
    // supabase-js keeps a still-valid session when its refresh fails; ask it for the error
    // (served from its failure cache: no second request).
    ({ error } = await auth.refreshSession());
  }
  if (storage.saved) {
    const saved = storage.saved;
    return { token: saved.accessToken, expiresAt: saved.expiresAt, source: session.store.kind, refreshed: true };
  }
  const token = data.session?.access_token;
  if (!error && good(token)) {
    return { token, expiresAt: decodeClaims(token)?.exp, source: session.store.kind, refreshed: false };
  }
  const authErr = asAuthError(error);
  if (authErr && sessionEnded(authErr)) {
    await clearSession(ctx, session, storage.presentedRefreshToken ?? undefined);
    throw new NotLoggedInError(ctx.profile, `session ended: ${sessionEndedWords(authErr)}`);
  }
  throw authFailure(error ?? new Error("refresh did not produce a session"), session.supabaseUrl, wire);
}

/**
 * Removes the profile's stored tokens (under its lock) and the session fields of its config.
 * With `onlyIfRefreshToken`, only when the stored refresh token is still that one: another
 * process may have logged in again meanwhile.
 */
export async function clearSession(
  ctx: SessionContext,
  session: Pick<OpenSession, "store" | "accounts">,
  onlyIfRefreshToken?: string,
): Promise<boolean> {
  const { lockPathFor } = await import("./client.js");
  const lockPath = lockPathFor(session.store.kind, session.accounts.refresh, ctx);
  const cleared = await withFileLock(lockPath, async () => {
    if (onlyIfRefreshToken !== undefined) {
      const current = await session.store.get(session.accounts.refresh);
      if (current !== null && current !== onlyIfRefreshToken) return false;
    }
    await session.store.delete(session.accounts.refresh);
    await session.store.delete(session.accounts.access);
    return true;
  });
  if (cleared) await forgetSessionFields(ctx.config, ctx.profile);
  return cleared;
}

export async function forgetSessionFields(store: ConfigStore, profile: string): Promise<void> {
  await store.update((config) => {
    const p = config.profiles[profile];
    if (!p) return;
    delete p.userId;
    delete p.email;
    delete p.displayName;
    delete p.expiresAt;
    delete p.aal;
    delete p.credentialStore;
    delete p.credentialReason;
    delete p.clockSkew;
    delete p.accessTokenOnly;
  });
}
