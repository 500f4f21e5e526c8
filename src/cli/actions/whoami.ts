import type { Action } from "../command-kit.js";
import { NotLoggedInError } from "../errors.js";
import { printJson, printLine } from "../output.js";
import { loadConfig } from "../../session/config.js";

/** Reads stored state only: no network, so it answers instantly and offline. */
export const whoami: Action = async (ctx) => {
  const config = await loadConfig();
  const profile = config.profiles[ctx.profile];
  if (!profile?.userId) throw new NotLoggedInError(ctx.profile);
  if (ctx.json) {
    printJson({ profile: ctx.profile, user_id: profile.userId, email: profile.email ?? null });
  } else {
    printLine(`${profile.email ?? "(no email)"} (${profile.userId}) on profile "${ctx.profile}"`);
  }
  return 0;
};
