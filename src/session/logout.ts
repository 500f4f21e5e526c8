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
}

/**
 * Revokes the session at Supabase (supabase-js signOut with the given scope), then removes the
 * stored tokens and the profile's session fields. The tokens are removed also when the server
 * cannot be reached; the caller warns. Uses the URL recorded at login, whatever the flags say.
 */
export async function logoutProfile(
  ctx: SessionContext,
  profile: ProfileConfig | undefined,
  scope: LogoutScope,
): Promise<LogoutOutcome> {
  if (!isLoggedIn(profile)) return { wasLoggedIn: false, revoked: false, scope };
  const servers = savedServers(profile);
  const url = servers.supabaseUrl ?? BUILTIN_DEFAULTS.supabaseUrl;
  const accounts = profileAccounts(ctx.profile, profile);
  const outcome: LogoutOutcome = { wasLoggedIn: true, revoked: false, scope, email: profile.email };
  let store: Awaited<ReturnType<typeof openStore>> | undefined;
  try {
    store = await openStore(profile.credentialStore, ctx);
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
      const hasRefresh = (await store.get(accounts.refresh)) !== null;
      let error: unknown = null;
      if (hasRefresh) {
        ({ error } = await client.auth.signOut({ scope }));
      } else {
        // A --with-token login: no session for supabase-js to load, revoke with the access token.
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
