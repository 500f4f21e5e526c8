import { asAuthError, authFailure, isUnreachable, sessionEnded } from "./auth-errors.js";
import type { ProfileConfig } from "./config.js";
import { openStore } from "./credentials/select.js";
import { type SessionContext, clearSession, forgetSessionFields, isLoggedIn, profileAccounts } from "./session.js";
import { BUILTIN_DEFAULTS, followsLocalStack, savedServers } from "./settings.js";

export type LogoutScope = "local" | "global";

export interface LogoutOutcome {
  wasLoggedIn: boolean;
  /** True when Supabase Auth confirmed the revocation (or the session was already gone there). */
  revoked: boolean;
  /** Why revocation failed, when it did (one line, no secrets). */
  revokeError?: string;
  scope: LogoutScope;
  email?: string;
  /**
   * The profile held only an access token (`login --with-token`): its session belongs to the
   * login the token came from, so it was forgotten here and revoked only when asked.
   */
  accessTokenOnly?: boolean;
}

export interface LogoutChoices {
  /** Revoke also a --with-token profile's session (it is another login's; default: only forget it). */
  revoke?: boolean;
}

/**
 * Revokes the session at Supabase (supabase-js signOut with the given scope), then removes the
 * stored tokens and the profile's session fields. The tokens are removed also when the server
 * cannot be reached; the caller warns. Uses the URL recorded at login, whatever the flags say.
 * A profile that holds only an access token (`login --with-token`) is forgotten without
 * revoking anything unless `choices.revoke` (or scope global, which asks to end every session).
 */
export async function logoutProfile(
  ctx: SessionContext,
  profile: ProfileConfig | undefined,
  scope: LogoutScope,
  choices: LogoutChoices = {},
): Promise<LogoutOutcome> {
  if (!isLoggedIn(profile)) return { wasLoggedIn: false, revoked: false, scope };
  const servers = savedServers(profile);
  const url = servers.supabaseUrl ?? BUILTIN_DEFAULTS.supabaseUrl;
  const accounts = profileAccounts(ctx.profile, profile);
  const outcome: LogoutOutcome = { wasLoggedIn: true, revoked: false, scope, email: profile.email };
  // The token of a --with-token profile came from another login (a CI secret, another
  // profile): ending that session is asked for (--revoke, or every session), never assumed.
  const revokeAsked = choices.revoke === true || scope === "global";
  let store: Awaited<ReturnType<typeof openStore>> | undefined;
  try {
    store = await openStore(profile.credentialStore, ctx);
    // (profiles recorded before accessTokenOnly existed: an access token and no refresh token)
    const tokenOnly =
      profile.accessTokenOnly === true ||
      ((await store.get(accounts.refresh)) === null && (await store.get(accounts.access)) !== null);
    if (tokenOnly) outcome.accessTokenOnly = true;
    if (tokenOnly && !revokeAsked) {
      await clearSession(ctx, { store, accounts });
      return outcome;
    }
    const anonKey = servers.supabaseAnonKey ?? ctx.flags.supabaseAnonKey ?? ctx.env.SUPABASE_ANON_KEY;
    if (followsLocalStack(profile) && servers.supabaseUrl === undefined) {
      outcome.revokeError = `the local stack in ${profile.localStack} is not running`;
    } else if (!anonKey) {
      outcome.revokeError = "no anon key recorded for this profile";
    } else {
      const { createProfileClient } = await import("./client.js");
      const client = createProfileClient({
        supabaseUrl: url,
        anonKey,
        store,
        accounts,
        minValiditySeconds: 60,
        skewSeconds: profile.clockSkew ?? 0,
        config: ctx.config,
        env: ctx.env,
        debug: ctx.log.debug,
      });
      client.storage.allowRemoval = true;
      let error: unknown = null;
      if (!tokenOnly) {
        ({ error } = await client.auth.signOut({ scope }));
      } else {
        // no session for supabase-js to load: revoke with the access token
        const access = await store.get(accounts.access);
        if (access) ({ error } = await client.auth.admin.signOut(access, scope));
      }
      const e = asAuthError(error);
      if (!error || (e && sessionEnded(e)) || (e && (e.status === 401 || e.status === 403 || e.status === 404))) {
        outcome.revoked = true;
      } else {
        outcome.revokeError =
          e && isUnreachable(e) ? `cannot reach ${url}` : authFailure(error, url, client.wire).message;
      }
    }
  } catch (err) {
    outcome.revokeError = err instanceof Error ? err.message : String(err);
  }
  if (store) {
    await clearSession(ctx, { store, accounts });
  } else {
    await forgetSessionFields(ctx.config, ctx.profile);
  }
  return outcome;
}
