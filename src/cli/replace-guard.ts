/**
 * A profile logged in as one user does not silently become another user's: logging in (or
 * signing up) as someone else on it asks first on a terminal and needs --force in scripts.
 * Checked as early as the new user is known: the email before the password is asked for, a
 * --with-token token's claims before anything is sent, and the user a browser login returns
 * before anything is stored.
 */
import type { SignedInUser } from "../session/login.js";
import { isLoggedIn } from "../session/session.js";
import type { Context } from "./context.js";
import { CliError, UsageError } from "./errors.js";

export interface ReplaceGuard {
  /** The new login's user as far as known before it is sent (an email, a token's claims). */
  check(next: { email?: string | undefined; id?: string | undefined }, beforeAsking?: () => void): Promise<void>;
  /** For SecondFactorOptions.confirmUser: the user the server says logged in. */
  confirmUser: (user: SignedInUser, beforeAsking: () => void) => Promise<void>;
}

const same = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

export async function replaceGuard(ctx: Context, force: boolean): Promise<ReplaceGuard> {
  const p = (await ctx.config.load()).profiles[ctx.profile];
  const current = isLoggedIn(p) ? { email: p.email, id: p.userId } : undefined;
  // once the person agreed (or it is the same user), the later checks of this login pass
  let settled = force || current === undefined;
  const check: ReplaceGuard["check"] = async (next, beforeAsking) => {
    if (settled || current === undefined) return;
    if (same(next.email, current.email) || same(next.id, current.id)) {
      settled = true;
      return;
    }
    if (next.email === undefined && next.id === undefined) return;
    const who = current.email ?? current.id ?? "another user";
    const newcomer = next.email ?? next.id ?? "another user";
    if (!ctx.prompter.available) {
      throw new UsageError(
        `profile "${ctx.profile}" is logged in as ${who}, not ${newcomer}`,
        "pass --force to replace that login, or log in on another profile with --profile <name>",
      );
    }
    beforeAsking?.();
    const yes = await ctx.prompter.confirm(
      `Profile "${ctx.profile}" is logged in as ${who}. Replace that login with ${newcomer}?`,
      "--force",
    );
    if (!yes) {
      throw new CliError(`kept profile "${ctx.profile}" logged in as ${who}`, {
        hint: `to use both, log in as ${newcomer} on another profile: \`lgauth --profile <name> login\``,
      });
    }
    settled = true;
  };
  return {
    check,
    confirmUser: (user, beforeAsking) => check({ email: user.email, id: user.id }, beforeAsking),
  };
}
