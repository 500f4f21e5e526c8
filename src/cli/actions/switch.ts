import type { Config, ProfileConfig } from "../../session/config.js";
import { isLoggedIn } from "../../session/session.js";
import type { Action } from "../command-kit.js";
import { CliError, UsageError } from "../errors.js";

const DEFAULT = "default";

function who(p: ProfileConfig | undefined): string {
  return isLoggedIn(p) ? (p.email ?? p.userId ?? "logged in") : "not logged in";
}

/** The profile `lgauth switch` saved, else "default". */
function savedActive(config: Config): string {
  return config.activeProfile ?? DEFAULT;
}

/**
 * `lgauth switch [<profile>]` (gh auth switch): saves the profile commands use when neither
 * --profile nor LGAUTH_PROFILE names one. Without a name: the other profile when there are two,
 * else a pick list on a terminal.
 */
export const switchProfile: Action<[string | undefined]> = async (ctx, [name]) => {
  const config = await ctx.config.load();
  const current = savedActive(config);
  const names = Object.keys(config.profiles).sort();
  const known = new Set([...names, current]);
  let target = name;
  if (target === undefined) {
    const others = [...known].filter((n) => n !== current);
    if (others.length === 0) {
      throw new CliError(`there is no other profile to switch to (active: "${current}")`, {
        hint: "log in to another one with `lgauth --profile <name> login`",
      });
    }
    if (others.length === 1) target = others[0];
    else {
      if (!ctx.prompter.available) {
        throw new UsageError("name the profile to switch to when not running in a terminal", "lgauth switch <profile>");
      }
      target = await ctx.prompter.select(
        "Switch to which profile?",
        [...known].sort().map((n) => ({ name: `${n}  (${who(config.profiles[n])})`, value: n })),
        "<profile>",
        "a profile",
        current,
      );
    }
  }
  if (target === undefined) throw new CliError("no profile chosen");
  if (!known.has(target) && target !== DEFAULT) {
    throw new CliError(`no profile named "${target}"`, { hint: "see `lgauth profiles list`" });
  }
  const chosen = target;
  if (chosen !== current) {
    await ctx.config.update((c) => {
      if (chosen === DEFAULT) delete c.activeProfile;
      else c.activeProfile = chosen;
    });
  }
  const p = config.profiles[chosen];
  if (ctx.json) {
    ctx.io.printJson({
      active_profile: chosen,
      previous: current,
      logged_in: isLoggedIn(p),
      email: p?.email ?? null,
    });
  } else if (chosen === current) {
    ctx.io.print(`Profile "${chosen}" is already the active one (${who(p)}).`);
  } else {
    const login = isLoggedIn(p) ? "" : ": run `lgauth login`";
    ctx.io.print(`Switched to profile "${chosen}" (${who(p)}${login}).`);
  }
  if (ctx.env.LGAUTH_PROFILE && ctx.env.LGAUTH_PROFILE !== chosen) {
    ctx.log.warn(`LGAUTH_PROFILE=${ctx.env.LGAUTH_PROFILE} is set, so commands in this shell still use that profile`);
  }
  return 0;
};
