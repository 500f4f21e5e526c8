import { isoTime, relativeExpiry, userLabel } from "../auth-format.js";
import type { Action } from "../command-kit.js";
import { NotLoggedInError } from "../errors.js";
import { paint } from "../output.js";
import { decodeClaims } from "../../session/clock.js";
import { ENV_TOKEN, envToken } from "../../session/env-token.js";

/** Said under every human answer: whoami trusts stored state, `status` asks the server. */
const OFFLINE = "(from stored state, not checked with the server; `lgauth status` checks the session)";

/** Reads stored state only: no network, no keychain, so it answers instantly and offline. */
export const whoami: Action = async (ctx) => {
  const fromEnv = envToken(ctx.env);
  if (fromEnv) {
    const claims = decodeClaims(fromEnv);
    if (!claims?.sub) {
      throw new NotLoggedInError(ctx.profile, `${ENV_TOKEN} is set but is not a JWT with a subject`, ENV_TOKEN);
    }
    if (ctx.json) {
      ctx.io.printJson({
        profile: ctx.profile,
        user_id: claims.sub,
        email: claims.email ?? null,
        display_name: claims.displayName ?? null,
        expires_at: isoTime(claims.exp),
        aal: claims.aal ?? null,
        source: "env",
      });
    } else {
      ctx.io.print(
        `${userLabel(claims.email, claims.displayName)} (${claims.sub}) from ${ENV_TOKEN}${level(claims.aal)}`,
      );
      ctx.io.print(
        paint(ctx.color, "dim", `(from ${ENV_TOKEN}, not checked with the server; \`lgauth status\` checks it)`),
      );
    }
    return 0;
  }
  const config = await ctx.config.load();
  const profile = config.profiles[ctx.profile];
  if (!profile?.userId) throw new NotLoggedInError(ctx.profile);
  if (ctx.json) {
    // The shape other tools already read: profile, user id, email (see `status` for the rest),
    // the session's assurance level (aal2 once a second factor was verified) and the user's
    // display name (user_metadata; null when none).
    ctx.io.printJson({
      profile: ctx.profile,
      user_id: profile.userId,
      email: profile.email ?? null,
      aal: profile.aal ?? null,
      display_name: profile.displayName ?? null,
    });
  } else {
    const left = profile.expiresAt
      ? `; access token ${relativeExpiry(profile.expiresAt).startsWith("in") ? "expires" : "expired"} ${relativeExpiry(profile.expiresAt)}`
      : "";
    ctx.io.print(
      `${userLabel(profile.email, profile.displayName)} (${profile.userId}) on profile "${ctx.profile}"${left}${level(profile.aal)}`,
    );
    ctx.io.print(paint(ctx.color, "dim", OFFLINE));
  }
  return 0;
};

/** "; aal2 (second factor verified)" for a level the session's token states. */
function level(aal: "aal1" | "aal2" | undefined): string {
  if (aal === undefined) return "";
  return aal === "aal2" ? "; aal2 (second factor verified)" : "; aal1 (no second factor in this session)";
}
