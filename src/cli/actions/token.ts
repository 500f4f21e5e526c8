import { isoTime } from "../auth-format.js";
import type { Action } from "../command-kit.js";
import { getAccessTokenDetailed } from "../../session/session.js";

/** Prints a valid access token (refreshed first when < 60 s remain): the one command that prints a secret. */
export const token: Action = async (ctx) => {
  const t = await getAccessTokenDetailed(ctx, { minValiditySeconds: 60 });
  if (ctx.json) {
    ctx.io.printJson({
      profile: ctx.profile,
      access_token: t.token,
      expires_at: isoTime(t.expiresAt),
      source: t.source,
    });
  } else {
    ctx.io.print(t.token);
  }
  return 0;
};
