/**
 * A profile's MFA factors (GoTrue's /factors API through supabase-js): list, enroll a TOTP
 * factor, verify a code (which gives the stored session aal2), remove. A verified factor's
 * removal, and a second enrollment, need an aal2 session: they step the session up first with a
 * code from the caller's `CodeSource`. The TOTP secret is handed to the caller once and kept
 * nowhere.
 */
import { hostname } from "node:os";
import { LgauthError, NotLoggedInError } from "../util/errors.js";
import { pickByPrefix } from "../util/id-prefix.js";
import { asAuthError, authFailure } from "./auth-errors.js";
import type { ProfileClient } from "./client.js";
import { type Aal, decodeClaims } from "./clock.js";
import type { SessionContext } from "./context.js";
import { type CodeSource, type Factor, stepUpFactor, verifiedFactors, verifyWithCodes } from "./second-factor.js";
import { envToken, envTokenRefusal } from "./env-token.js";
import {
  forceRefresh,
  getAccessTokenDetailed,
  loadProfileState,
  openProfileClient,
  openSession,
  requireAnonKey,
} from "./session.js";
import { timeoutSignal } from "../util/timeout-signal.js";

/** A factor as `lgauth mfa list` shows it. */
export interface FactorSummary {
  id: string;
  type: string;
  friendly_name: string | null;
  status: string;
  created_at: string;
}

/** A TOTP factor just enrolled: what an authenticator app needs, shown once. */
export interface Enrollment {
  factor_id: string;
  type: "totp";
  friendly_name: string;
  uri: string;
  secret: string;
  status: "unverified";
}

interface MfaSession {
  client: ProfileClient;
  url: string;
  aal: Aal | undefined;
  token: string;
}

function summary(f: Factor): FactorSummary {
  return {
    id: f.id,
    type: f.factor_type,
    friendly_name: f.friendly_name ? f.friendly_name : null,
    status: f.status,
    created_at: f.created_at,
  };
}

/** The profile's stored session, valid for a minute at least, with supabase-js on it. */
async function openMfaSession(ctx: SessionContext): Promise<MfaSession> {
  if (envToken(ctx.env)) throw envTokenRefusal("manage MFA factors");
  const { token } = await getAccessTokenDetailed(ctx);
  const session = await openSession(ctx);
  if ((await session.store.get(session.accounts.refresh)) === null) {
    throw new NotLoggedInError(
      ctx.profile,
      `profile "${ctx.profile}" holds only an access token (--with-token); MFA needs a full login`,
    );
  }
  const client = await openProfileClient(ctx, session, { minValiditySeconds: 60 });
  return { client, url: session.supabaseUrl, aal: decodeClaims(token)?.aal, token };
}

/** The factor `idOrPrefix` names: its whole id, or the start of one (4 or more characters) of the account's. */
function findFactor(factors: Factor[], idOrPrefix: string): Factor {
  const notFound = (message: string) => new LgauthError("mfa_factor_not_found", message);
  const whole = factors.find((f) => f.id === idOrPrefix);
  if (whole) return whole;
  if (idOrPrefix.length === 36) throw notFound(`no factor ${idOrPrefix} on this account`);
  return pickByPrefix("factor", idOrPrefix, factors, (f) => f.id, "on this account ", notFound);
}

async function factorsOf(s: MfaSession): Promise<Factor[]> {
  const { data, error } = await s.client.auth.getUser(s.token);
  if (error || !data.user) throw authFailure(error ?? new Error("no user"), s.url, s.client.wire);
  return data.user.factors ?? [];
}

async function stepUp(s: MfaSession, factors: Factor[], codes: CodeSource | undefined, why: string): Promise<void> {
  const factor = stepUpFactor(verifiedFactors({ factors }));
  if (!factor)
    throw new LgauthError("failed", `${why} needs an aal2 session, and this account has no TOTP factor to give it one`);
  if (!codes) {
    throw new LgauthError("mfa_code_required", `${why} needs a session verified with your second factor (aal2)`);
  }
  await verifyWithCodes(s.client, s.url, factor, codes);
  s.aal = "aal2";
}

/** The user's factors (verified and pending) and the stored session's level. */
export async function listFactors(ctx: SessionContext): Promise<{ factors: FactorSummary[]; aal: Aal | undefined }> {
  const s = await openMfaSession(ctx);
  return { factors: (await factorsOf(s)).map(summary), aal: s.aal };
}

/**
 * Starts a TOTP enrollment (GoTrue: POST /factors). The factor stays unverified until a code
 * from it is verified (`verifyFactor`). A user who already has a verified factor must be at
 * aal2 to add another: the session steps up first with `stepUpCodes`.
 */
export async function enrollTotp(
  ctx: SessionContext,
  name: string | undefined,
  stepUpCodes: CodeSource | undefined,
): Promise<Enrollment> {
  const s = await openMfaSession(ctx);
  const friendlyName = name ?? `lgauth on ${hostname()}`;
  const enroll = () => s.client.auth.mfa.enroll({ factorType: "totp", friendlyName });
  let { data, error } = await enroll();
  let code = asAuthError(error)?.code;
  if (code === "insufficient_aal") {
    await stepUp(s, await factorsOf(s), stepUpCodes, "adding another factor");
    ({ data, error } = await enroll());
    code = asAuthError(error)?.code;
  }
  if (code === "mfa_factor_name_conflict" && name === undefined) {
    // our default name, left by an enrollment that was never verified: start that one afresh
    const stale = (await factorsOf(s)).find((f) => f.friendly_name === friendlyName && f.status !== "verified");
    if (stale && !(await s.client.auth.mfa.unenroll({ factorId: stale.id })).error) {
      ({ data, error } = await enroll());
    }
  }
  if (error || !data) throw authFailure(error ?? new Error("no factor"), s.url, s.client.wire);
  if (data.type !== "totp") throw new LgauthError("auth_unexpected", `Supabase Auth enrolled a ${data.type} factor`);
  return {
    factor_id: data.id,
    type: "totp",
    friendly_name: data.friendly_name ?? friendlyName,
    uri: data.totp.uri,
    secret: data.totp.secret,
    status: "unverified",
  };
}

/**
 * Verifies a code of `factorId` (a pending enrollment, or a verified factor to step the session
 * up); the aal2 session supabase-js gets is stored as the profile's.
 */
export async function verifyFactor(
  ctx: SessionContext,
  factorId: string,
  codes: CodeSource,
): Promise<{ factor: FactorSummary; aal: Aal | undefined }> {
  const s = await openMfaSession(ctx);
  const factor = findFactor(await factorsOf(s), factorId);
  await verifyWithCodes(s.client, s.url, factor, codes);
  const saved = s.client.storage.saved;
  return { factor: { ...summary(factor), status: "verified" }, aal: saved?.aal };
}

/**
 * Removes a factor (GoTrue: DELETE /factors/{id}). A verified one needs an aal2 session: an
 * aal1 session steps up first (with that factor's code when it is a TOTP factor). GoTrue then
 * lowers the sessions that used it to aal1, so the stored session is refreshed to say so.
 */
export async function removeFactor(
  ctx: SessionContext,
  factorId: string,
  opts: {
    /** Asked once the factor is known; false leaves everything as it is. */
    confirm: (factor: FactorSummary) => Promise<boolean>;
    stepUpCodes: CodeSource | undefined;
  },
): Promise<{ removed: boolean; factor: FactorSummary; aal: Aal | undefined; steppedUp: boolean }> {
  const s = await openMfaSession(ctx);
  const factors = await factorsOf(s);
  const factor = findFactor(factors, factorId);
  if (!(await opts.confirm(summary(factor)))) {
    return { removed: false, factor: summary(factor), aal: s.aal, steppedUp: false };
  }
  let steppedUp = false;
  if (factor.status === "verified" && s.aal !== "aal2") {
    const own = factor.factor_type === "totp" ? [factor] : factors;
    await stepUp(s, own, opts.stepUpCodes, "removing a verified factor");
    steppedUp = true;
  }
  const { error } = await s.client.auth.mfa.unenroll({ factorId: factor.id });
  if (error) throw authFailure(error, s.url, s.client.wire);
  let aal = s.aal;
  if (factor.status === "verified") {
    try {
      aal = decodeClaims(await forceRefresh(ctx))?.aal;
    } catch (err) {
      ctx.log.warn(`the factor was removed, but the session could not be refreshed (${(err as Error).message})`);
    }
  }
  return { removed: true, factor: summary(factor), aal, steppedUp };
}

/**
 * An access token from the first factor alone: a password sign-in (GoTrue's password grant)
 * that stops before the second factor, as a client that ignores MFA would hold it. For the
 * demo's probe of the server's MFA policy; it is stored nowhere.
 */
export async function passwordOnlyToken(ctx: SessionContext, email: string, password: string): Promise<string> {
  const { settings } = await loadProfileState(ctx);
  const t = timeoutSignal(15_000);
  try {
    const res = await fetch(`${settings.supabaseUrl.replace(/\/+$/, "")}/auth/v1/token?grant_type=password`, {
      method: "POST",
      headers: { apikey: requireAnonKey(settings), "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
      signal: t.signal,
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; msg?: unknown };
    if (!res.ok || typeof body.access_token !== "string") {
      throw new LgauthError("auth_failed", `a password sign-in at ${settings.supabaseUrl} failed (HTTP ${res.status})`);
    }
    return body.access_token;
  } finally {
    t.clear();
  }
}
