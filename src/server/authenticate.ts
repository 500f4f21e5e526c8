/**
 * `authenticate`: turns `Authorization: Bearer <Supabase access token>` into the identity the
 * resource handlers see, or refuses the request with a short reason. The identity carries the
 * session's assurance level as `aal` and as a permission ("aal1" or "aal2"), and AUTH_MFA
 * decides which levels get through (src/server/mfa.ts).
 */
import { decodeJwt } from "jose";
import { type Aal, aalOf, type VerifiedUser } from "./claims.js";
import { AuthFailure, forbidden, notFound, toHttpException, unauthorized } from "./failure.js";
import { mfaRefusal } from "./mfa.js";
import { createRevocationChecker, type RevocationChecker } from "./revocation.js";
import { checkRoute, runScopeOf } from "./routes.js";
import { type RunLocator, serverRunLocator } from "./run-scope.js";
import type { AuthSettings } from "./settings.js";
import { lookupUser } from "./upstream.js";
import { cachedVerifier, createVerifier, type TokenVerifier } from "./verify.js";

export interface Identity {
  identity: string;
  email: string | undefined;
  display_name: string;
  is_authenticated: true;
  /** The token's permissions from app_metadata, plus its level: "aal1" or "aal2". */
  permissions: string[];
  role: string | undefined;
  /** The session's authenticator assurance level (a token without the claim counts as aal1). */
  aal: Aal;
}

const BEARER = /^Bearer +([^\s]+) *$/i;

export function bearerToken(header: string | null): string {
  if (header === null || header.trim() === "") throw unauthorized("missing Authorization header");
  const match = BEARER.exec(header);
  if (!match?.[1]) throw unauthorized("Authorization header must be 'Bearer <token>'");
  return match[1];
}

function identityOf(user: VerifiedUser): Identity {
  const aal = user.aal ?? "aal1";
  return {
    identity: user.id,
    email: user.email,
    // user_metadata's name (display_name, full_name, name), else the email, else the id
    display_name: user.displayName ?? user.email ?? user.id,
    is_authenticated: true,
    permissions: [...user.permissions, aal],
    role: user.role,
    aal,
  };
}

export type Authenticator = (request: Request) => Promise<Identity>;

/** The answer for a run that is not on the thread named with it, the same as for no run at all. */
export const RUN_NOT_FOUND = "Run not found";

export function createAuthenticator(settings: AuthSettings, runs: RunLocator = serverRunLocator): Authenticator {
  const upstream = { authUrl: settings.authUrl, apiKey: settings.apiKey, timeoutMs: settings.upstreamTimeoutMs };
  const verify: TokenVerifier = cachedVerifier(
    createVerifier({
      authUrl: settings.authUrl,
      issuer: settings.issuer,
      audience: settings.audience,
      jwtSecret: settings.jwtSecret,
      apiKey: settings.apiKey,
      upstreamTimeoutMs: settings.upstreamTimeoutMs,
    }),
  );
  const revocation: RevocationChecker | undefined = settings.revocationCheck
    ? createRevocationChecker({
        ...upstream,
        intervalMs: settings.revocationIntervalMs,
        failOpen: settings.revocationFailure === "open",
      })
    : undefined;

  if (settings.mfa === "enrolled" && settings.mode === "jwks" && !settings.revocationCheck) {
    console.warn(
      "lgauth auth: AUTH_MFA=enrolled learns who has a second factor from the /auth/v1/user lookup, which " +
        "AUTH_REVOCATION_CHECK=off turns off: aal1 tokens of users with MFA are accepted (AUTH_MFA=required refuses every aal1 token)",
    );
  }

  /** The token's user and, when the user lookup was made, how many verified factors they have. */
  async function verifiedSession(token: string): Promise<{ user: VerifiedUser; verifiedFactors?: number }> {
    if (settings.mode === "remote") {
      // the tutorial's way: Supabase decides on every request
      const result = await lookupUser(token, upstream);
      if (!result.ok) throw unauthorized(`Supabase refused the token (${result.code.slice(0, 40)})`);
      // Supabase accepted this very token, so its claims are its own
      let aal: Aal | undefined;
      try {
        aal = aalOf(decodeJwt(token).aal);
      } catch {
        aal = undefined;
      }
      return { user: { ...result.user, aal }, verifiedFactors: result.verifiedFactors };
    }
    const { user } = await verify(token);
    const facts = await revocation?.check(token, user);
    return { user, verifiedFactors: facts?.verifiedFactors };
  }

  async function identify(request: Request): Promise<Identity> {
    const route = checkRoute(request.url);
    if (!route.allowed) throw forbidden(route.reason ?? "route not allowed");
    const { user, verifiedFactors } = await verifiedSession(bearerToken(request.headers.get("authorization")));
    const refusal = mfaRefusal(settings.mfa, user.aal, verifiedFactors);
    if (refusal) throw refusal;
    // after the token (a stranger learns nothing about which runs exist), before the route
    // (which would read the run's event queue whatever thread it was named through); someone
    // else's thread gets the answer of a run that does not exist
    const scope = runScopeOf(request.url);
    if (scope && (await runs(scope.threadId, scope.runId, user.id)) === false) throw notFound(RUN_NOT_FOUND);
    return identityOf(user);
  }

  return async (request: Request): Promise<Identity> => {
    try {
      return await identify(request);
    } catch (err) {
      if (err instanceof AuthFailure) throw toHttpException(err);
      throw err;
    }
  };
}
