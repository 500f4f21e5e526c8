import { isoTime, relativeExpiry, userLabel } from "../auth-format.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { ExitCode } from "../errors.js";
import { timeoutSignal } from "../../util/timeout-signal.js";
import { paint } from "../output.js";
import { decodeClaims } from "../../session/clock.js";
import type { ProfileConfig } from "../../session/config.js";
import { openStore } from "../../session/credentials/select.js";
import { type SessionCheck, checkSession, checkToken } from "../../session/session-check.js";
import { isLoggedIn, profileAccounts } from "../../session/session.js";
import { ENV_TOKEN, envToken } from "../../session/env-token.js";
import { resolveSettings, savedServers } from "../../session/settings.js";

const PROBE_TIMEOUT_MS = 2_000;

interface Probe {
  /** null: no URL to ask, the local stack the profile follows is not running. */
  url: string | null;
  reachable: boolean;
  status: number | null;
  ms: number | null;
  error: string | null;
}

async function probe(url: string, headers: Record<string, string> = {}): Promise<Probe> {
  const started = Date.now();
  const t = timeoutSignal(PROBE_TIMEOUT_MS);
  try {
    const res = await fetch(url, { headers, signal: t.signal });
    await res.body?.cancel();
    return { url, reachable: true, status: res.status, ms: Date.now() - started, error: null };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why =
      e.name === "TimeoutError"
        ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { url, reachable: false, status: null, ms: null, error: why };
  } finally {
    t.clear();
  }
}

/**
 * The servers of a profile that follows a local stack that is not running are not asked: the
 * URLs below the stack's (the built-in 54321 and 2024) are a guess, and may be someone else's.
 */
function stackDown(dataDir: string): Probe {
  return { url: null, reachable: false, status: null, ms: null, error: `the local stack in ${dataDir} is not running` };
}

interface TokenStorage {
  store: "keychain" | "file" | null;
  location: string | null;
  reason: string | null;
  refresh_token_present: boolean | null;
  error: string | null;
}

async function storageOf(ctx: Context, name: string, p: ProfileConfig): Promise<TokenStorage> {
  if (!isLoggedIn(p)) return { store: null, location: null, reason: null, refresh_token_present: null, error: null };
  const out: TokenStorage = {
    store: p.credentialStore,
    location: p.credentialStore === "file" ? ctx.config.credentialsFile : null,
    reason: p.credentialReason ?? null,
    refresh_token_present: null,
    error: null,
  };
  try {
    const store = await openStore(p.credentialStore, ctx, false);
    if (store.kind === "keychain") out.location = store.description;
    const accounts = profileAccounts(name, p);
    out.refresh_token_present = (await store.get(accounts.refresh)) !== null;
    // a locked keychain reads as empty: say it is locked, not that the tokens are gone
    const token = out.refresh_token_present || (await store.get(accounts.access)) !== null;
    if (!token && (await store.locked?.())) {
      out.refresh_token_present = null;
      out.error = "the keychain is locked; unlock it to use this profile";
    }
  } catch (err) {
    out.error = (err as Error).message;
  }
  return out;
}

/**
 * Every profile: user, whether its session is still alive at Supabase Auth (checked for every
 * logged-in profile at once, like `gh auth status`), token expiry, where the tokens live and
 * why, and whether its servers answer. Exit 4 when the active profile is not logged in or its
 * session has ended; a session that could not be checked (offline) is not a failure.
 */
export const status: Action = async (ctx) => {
  const config = await ctx.config.load();
  const names = new Set(Object.keys(config.profiles));
  names.add(ctx.profile);
  const probes = new Map<string, Promise<Probe>>();
  const once = (key: string, make: () => Promise<Probe>) => {
    let p = probes.get(key);
    if (!p) {
      p = make();
      probes.set(key, p);
    }
    return p;
  };
  const fromEnv = envToken(ctx.env);
  const envClaims = fromEnv ? decodeClaims(fromEnv) : null;
  const active = resolveSettings(ctx.flags, ctx.env, config, ctx.profile);
  const envCheck = fromEnv ? checkToken(active.supabaseUrl, active.supabaseAnonKey, fromEnv) : undefined;
  const rows = await Promise.all(
    [...names].sort().map(async (name) => {
      const p = config.profiles[name] ?? {};
      const s = resolveSettings(name === ctx.profile ? ctx.flags : {}, ctx.env, config, name);
      const own = savedServers(p);
      const supabaseUrl = isLoggedIn(p) ? (own.supabaseUrl ?? s.supabaseUrl) : s.supabaseUrl;
      const anon = own.supabaseAnonKey ?? s.supabaseAnonKey;
      const down = s.localStackDown;
      const supabaseGuessed = down !== undefined && (!isLoggedIn(p) || own.supabaseUrl === undefined);
      const langgraphGuessed = down !== undefined && s.sources.langgraphUrl === "builtin";
      const [storage, session, supabase, langgraph] = await Promise.all([
        storageOf(ctx, name, p),
        isLoggedIn(p) ? checkSession(ctx, name, p) : Promise.resolve(null),
        supabaseGuessed
          ? stackDown(down)
          : once(`s ${supabaseUrl}`, () => probe(`${supabaseUrl}/auth/v1/health`, anon ? { apikey: anon } : {})),
        langgraphGuessed ? stackDown(down) : once(`l ${s.langgraphUrl}`, () => probe(`${s.langgraphUrl}/info`)),
      ]);
      return {
        name,
        p,
        storage,
        session,
        supabase,
        langgraph,
        supabaseUrl: supabaseGuessed ? null : supabaseUrl,
        langgraphUrl: langgraphGuessed ? null : s.langgraphUrl,
        stackDown: down,
      };
    }),
  );
  const envSession = envCheck ? await envCheck : null;
  // a check may have refreshed a session: show the expiry it has now
  const now = await ctx.config.load();
  const view = rows.map((r) => {
    const p = r.p;
    const expiresAt = now.profiles[r.name]?.expiresAt ?? p.expiresAt;
    return {
      name: r.name,
      active: r.name === ctx.profile,
      logged_in: isLoggedIn(p),
      email: p.email ?? null,
      display_name: p.displayName ?? null,
      user_id: p.userId ?? null,
      session: r.session ? { state: r.session.state, reason: r.session.reason } : null,
      access_token_only: isLoggedIn(p) ? p.accessTokenOnly === true : null,
      expires_at: isoTime(expiresAt),
      expires_in_seconds: expiresAt === undefined ? null : Math.round(expiresAt - Date.now() / 1000),
      aal: isLoggedIn(p) ? (now.profiles[r.name]?.aal ?? p.aal ?? null) : null,
      // how many second factors the account has verified: known when the session was checked
      verified_factors:
        r.session?.state === "live" && r.session.user
          ? (r.session.user.factors ?? []).filter((f) => f.status === "verified").length
          : null,
      tokens: r.storage,
      supabase: { ...r.supabase, url: r.supabaseUrl },
      langgraph: { ...r.langgraph, url: r.langgraphUrl },
      _expiresAt: expiresAt,
      _check: r.session,
      _stackDown: r.stackDown,
    };
  });
  const mine = view.find((r) => r.active);
  const activeOk = fromEnv
    ? envSession?.state !== "ended"
    : mine?.logged_in === true && mine.session?.state !== "ended";
  const code = activeOk ? ExitCode.ok : ExitCode.auth;
  if (ctx.json) {
    ctx.io.printJson({
      env_token: fromEnv
        ? {
            variable: ENV_TOKEN,
            user_id: envClaims?.sub ?? null,
            expires_at: isoTime(envClaims?.exp),
            session: envSession ? { state: envSession.state, reason: envSession.reason } : null,
          }
        : null,
      profiles: view.map(({ _expiresAt, _check, _stackDown, ...r }) => r),
    });
    return code;
  }
  const c = ctx.color;
  const lines: string[] = [];
  if (fromEnv) {
    lines.push(
      paint(
        c,
        "yellow",
        `${ENV_TOKEN} is set (user ${envClaims?.sub ?? "unknown"}): commands use it instead of any stored session`,
      ),
    );
    if (envSession) lines.push(`  session:   ${sessionWords(c, envSession, undefined)}`);
    lines.push("");
  }
  for (const r of view) {
    lines.push(`${paint(c, "bold", r.name)}${r.active ? " (active)" : ""}`);
    if (!r.logged_in) {
      lines.push("  not logged in");
    } else {
      lines.push(`  user:      ${userLabel(r.email ?? undefined, r.display_name ?? undefined)} (${r.user_id})`);
      if (r._check) lines.push(`  session:   ${sessionWords(c, r._check, r.name)}`);
      const ended = r._check?.state === "ended";
      const exp = r._expiresAt;
      const expired = exp !== undefined && exp < Date.now() / 1000;
      const only = r.access_token_only;
      lines.push(
        `  token:     access token${only ? " only (--with-token, no refresh token)" : ""} ${expired ? "expired" : "expires"} ${relativeExpiry(exp)}${r.expires_at ? ` (${r.expires_at})` : ""}${expired && !ended && !only ? "; refreshed on next use" : ""}`,
      );
      const level = levelWords(c, r.aal, r.verified_factors, r.name);
      if (level) lines.push(`  level:     ${level}`);
      const t = r.tokens;
      const where = t.store === "file" ? `plain file ${t.location}` : (t.location ?? "keychain");
      // why the store was chosen at login, unless it no longer holds (a keychain that answered
      // then and does not now is one problem line, not two contradicting ones)
      lines.push(`  stored in: ${where}${t.reason && !t.error ? ` (${t.reason})` : ""}`);
      if (t.store === "file")
        lines.push(paint(c, "yellow", "  warning:   tokens are stored in plain text (0600); prefer the keychain"));
      if (t.error) lines.push(paint(c, "red", `  problem:   ${t.error}`));
      else if (t.refresh_token_present === false && !ended && !only)
        lines.push(paint(c, "red", "  problem:   no refresh token in the store; log in again"));
    }
    const show = (label: string, pr: Probe) =>
      pr.url === null
        ? `  ${label} ${paint(c, "red", `${pr.error} (start it with \`lgauth dev --data-dir ${r._stackDown}\`, or in the background with --detach)`)}`
        : `  ${label} ${pr.url} ${pr.reachable ? paint(c, "green", `answers (HTTP ${pr.status}, ${pr.ms} ms)`) : paint(c, "red", `unreachable (${pr.error})`)}`;
    lines.push(show("supabase: ", r.supabase), show("langgraph:", r.langgraph));
  }
  ctx.io.print(lines.join("\n"));
  return code;
};

/**
 * The level line: the session's aal and, when the session was checked, the account's verified
 * factors; an aal1 session of an account with one is said in yellow (servers holding MFA users
 * to aal2 refuse it).
 */
function levelWords(c: boolean, aal: string | null, verified: number | null, profile: string): string | undefined {
  const factors =
    verified === null ? "" : `${verified} verified second factor${verified === 1 ? "" : "s"} on the account`;
  if (aal === null) return factors ? `not recorded; ${factors}` : undefined;
  if (aal === "aal2") return `aal2 (second factor verified)${factors ? `; ${factors}` : ""}`;
  if (verified !== null && verified > 0) {
    const login = `\`lgauth login${profile === "default" ? "" : ` --profile ${profile}`}\``;
    return paint(c, "yellow", `${aal}, but ${factors}: log in again with the code (${login})`);
  }
  return `${aal} (no second factor in this session)${factors ? `; ${factors}` : ""}`;
}

/** The session line: live, ended (and how to log in again), or not checked and why. */
function sessionWords(c: boolean, check: SessionCheck, profile: string | undefined): string {
  if (check.state === "live") return paint(c, "green", "live (checked with Supabase Auth)");
  if (check.state === "ended") {
    const again =
      profile === undefined
        ? ""
        : `; log in again with \`lgauth login${profile === "default" ? "" : ` --profile ${profile}`}\``;
    return paint(c, "red", `ended (${check.reason ?? "the server no longer knows it"})${again}`);
  }
  return paint(c, "yellow", `could not check (${check.reason ?? "no answer"})`);
}
