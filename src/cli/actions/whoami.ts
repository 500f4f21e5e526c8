import { isoTime, relativeExpiry } from "../auth-format.js";
import type { Action } from "../command-kit.js";
import { NotLoggedInError } from "../errors.js";
import { decodeClaims } from "../../session/clock.js";
import { ENV_TOKEN, envToken } from "../../session/session.js";

/** Reads stored state only: no network, no keychain, so it answers instantly and offline. */
export const whoami: Action = async (ctx) => {
  const fromEnv = envToken(ctx.env);
  if (fromEnv) {
    const claims = decodeClaims(fromEnv);
    if (!claims?.sub) throw new NotLoggedInError(ctx.profile, `${ENV_TOKEN} is set but is not a JWT with a subject`);
    if (ctx.json) {
      ctx.io.printJson({
        profile: ctx.profile,
        user_id: claims.sub,
        email: claims.email ?? null,
        expires_at: isoTime(claims.exp),
        source: "env",
      });
    } else {
      ctx.io.print(`${claims.email ?? "(no email)"} (${claims.sub}) from ${ENV_TOKEN}`);
    }
    return 0;
  }
  const config = await ctx.config.load();
  const profile = config.profiles[ctx.profile];
  if (!profile?.userId) throw new NotLoggedInError(ctx.profile);
  if (ctx.json) {
    // The shape other tools already read: profile, user id, email (see `status` for the rest).
    ctx.io.printJson({ profile: ctx.profile, user_id: profile.userId, email: profile.email ?? null });
  } else {
    const left = profile.expiresAt
      ? `; access token ${relativeExpiry(profile.expiresAt).startsWith("in") ? "expires" : "expired"} ${relativeExpiry(profile.expiresAt)}`
      : "";
    ctx.io.print(`${profile.email ?? "(no email)"} (${profile.userId}) on profile "${ctx.profile}"${left}`);
  }
  return 0;
};
