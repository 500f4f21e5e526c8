import type { Action } from "../command-kit.js";
import { type LogoutScope, logoutProfile } from "../../session/logout.js";
import { loadProfileState } from "../../session/session.js";
import { envToken, envTokenRefusal } from "../../session/env-token.js";

export interface LogoutOptions {
  /** local (default) or global (commander's choices). */
  scope: LogoutScope;
  /** Same as --scope global. */
  allDevices?: boolean;
  /** Revoke also the session of a --with-token profile (it is another login's). */
  revoke?: boolean;
}

export const logout: Action<[], LogoutOptions> = async (ctx, _args, opts) => {
  const scope: LogoutScope = opts.allDevices ? "global" : opts.scope;
  if (envToken(ctx.env)) throw envTokenRefusal("log out");
  const { profile } = await loadProfileState(ctx);
  const out = await logoutProfile(ctx, profile, scope, { revoke: opts.revoke === true });
  // a --with-token profile's session is not revoked unless asked: that is no failure to warn about
  const notAsked = out.accessTokenOnly === true && out.revokeError === undefined;
  if (out.wasLoggedIn && !out.revoked && !notAsked) {
    ctx.io.note(
      `lgauth: warning: could not revoke the session at Supabase Auth (${out.revokeError ?? "unknown error"}); the stored tokens were removed anyway, the session stays valid at the server until it ends there`,
    );
  }
  if (ctx.json) {
    ctx.io.printJson({
      profile: ctx.profile,
      was_logged_in: out.wasLoggedIn,
      revoked: out.revoked,
      scope,
      tokens_removed: out.wasLoggedIn,
      access_token_only: out.accessTokenOnly === true,
    });
    return 0;
  }
  if (!out.wasLoggedIn) {
    ctx.io.print(`Profile "${ctx.profile}" was not logged in; nothing to do.`);
    return 0;
  }
  if (notAsked && !out.revoked) {
    ctx.io.print(
      `Forgot the access token of profile "${ctx.profile}" (${out.email ?? "no email"}, given with --with-token). Its session was not revoked: it belongs to the login the token came from (pass --revoke to end it at Supabase Auth).`,
    );
    return 0;
  }
  const what = scope === "global" ? "every session of this user was revoked" : "this session was revoked";
  ctx.io.print(
    `Logged out ${out.email ?? ""} from profile "${ctx.profile}"${out.revoked ? `; ${what}` : ""}. Stored tokens removed.`,
  );
  return 0;
};
