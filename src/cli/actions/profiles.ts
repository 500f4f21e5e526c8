import { isoTime } from "../auth-format.js";
import type { Action } from "../command-kit.js";
import { CliError, UsageError } from "../errors.js";
import { formatTable } from "../output.js";
import { logoutProfile } from "../../session/logout.js";
import { isLoggedIn } from "../../session/session.js";
import { resolveSettings } from "../../session/settings.js";

export const listProfiles: Action = async (ctx) => {
  const config = await ctx.config.load();
  const names = Object.keys(config.profiles).sort();
  const rows = names.map((name) => {
    const p = config.profiles[name] ?? {};
    const s = resolveSettings({}, {}, config, name);
    return {
      name,
      active: name === ctx.profile,
      logged_in: isLoggedIn(p),
      email: p.email ?? null,
      user_id: p.userId ?? null,
      expires_at: isoTime(p.expiresAt),
      supabase_url: s.supabaseUrl,
      langgraph_url: s.langgraphUrl,
      credential_store: p.credentialStore ?? null,
    };
  });
  if (ctx.json) {
    ctx.io.printJson({ profiles: rows });
    return 0;
  }
  if (rows.length === 0) {
    ctx.io.print("no profiles yet (run `lgauth login` to create one)");
    return 0;
  }
  ctx.io.print(
    formatTable(
      ["", "profile", "email", "tokens", "supabase", "langgraph"],
      rows.map((r) => [
        r.active ? "*" : "",
        r.name,
        r.logged_in ? (r.email ?? "(no email)") : "(not logged in)",
        r.credential_store ?? "-",
        r.supabase_url,
        r.langgraph_url,
      ]),
      ctx.color,
    ),
  );
  return 0;
};

export interface RemoveOptions {
  yes?: boolean;
}

/**
 * Logs the profile out (revoking its session, best effort) and forgets it. A logged-in profile
 * is removed only after a yes on a terminal, or with --yes in scripts (as `threads delete`).
 */
export const removeProfile: Action<[string], RemoveOptions> = async (ctx, [name], opts) => {
  const config = await ctx.config.load();
  const profile = config.profiles[name];
  if (!profile) throw new CliError(`no profile named "${name}"`, { hint: "see `lgauth profiles list`" });
  if (isLoggedIn(profile) && !opts.yes) {
    const who = profile.email ?? "its user";
    if (!ctx.prompter.available) {
      throw new UsageError(`removing profile "${name}" logs ${who} out and needs confirmation`, "pass --yes");
    }
    if (!(await ctx.prompter.confirm(`Log ${who} out and remove profile "${name}"?`, "--yes"))) {
      ctx.io.print("kept");
      return 1;
    }
  }
  const out = await logoutProfile({ ...ctx, profile: name }, profile, "local");
  if (out.wasLoggedIn && !out.revoked) {
    ctx.io.note(
      `lgauth: warning: could not revoke the session at Supabase Auth (${out.revokeError ?? "unknown error"}); its stored tokens were removed anyway`,
    );
  }
  await ctx.config.update((c) => {
    delete c.profiles[name];
    // commands fall back to "default" rather than to a profile that no longer exists
    if (c.activeProfile === name) delete c.activeProfile;
  });
  if (ctx.json) {
    ctx.io.printJson({ removed: name, was_logged_in: out.wasLoggedIn, revoked: out.revoked });
  } else {
    ctx.io.print(
      `Removed profile "${name}"${out.wasLoggedIn ? (out.revoked ? " (session revoked)" : " (tokens removed)") : ""}.`,
    );
  }
  return 0;
};
