/**
 * Local verification of Supabase access tokens with jose: asymmetric tokens against the
 * project's JWKS (fetched once, cached, fetched again when a token names an unknown `kid`),
 * legacy HS256 tokens against SUPABASE_JWT_SECRET. Checks signature, `exp`, `iss` and `aud`
 * and refuses unsigned tokens and tokens without a subject.
 */
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from "jose";
import { userFromClaims, type VerifiedUser } from "./claims.js";
import { AuthFailure, unauthorized, unavailable } from "./failure.js";

/** Algorithms Supabase signs with from a JWKS (auth-js itself verifies only these two). */
const ASYMMETRIC_ALGS = ["ES256", "RS256"];
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export interface VerifierOptions {
  authUrl: string;
  issuer: string;
  audience: string;
  jwtSecret: string | undefined;
  /** Sent as `apikey` with the JWKS request (the Supabase gateway wants a key on /auth/v1). */
  apiKey?: string | undefined;
  upstreamTimeoutMs: number;
  /** Seconds of clock skew accepted on exp/nbf/iat. */
  clockToleranceSeconds?: number;
  /** Minimum time between two JWKS fetches caused by unknown `kid`s. */
  jwksCooldownMs?: number;
}

export interface Verified {
  user: VerifiedUser;
  payload: JWTPayload;
}

export type TokenVerifier = (token: string) => Promise<Verified>;

function describeJoseError(err: unknown): AuthFailure {
  if (err instanceof AuthFailure) return err;
  if (err instanceof errors.JWTExpired) return unauthorized("token expired");
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "iss") return unauthorized("token issuer is not this Supabase project");
    if (err.claim === "aud") return unauthorized("token audience is not 'authenticated'");
    if (err.claim === "sub") return unauthorized("token has no subject");
    if (err.claim === "exp") return unauthorized("token has no expiry");
    return unauthorized(`token claim '${err.claim}' is invalid`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return unauthorized("token signature is invalid");
  if (err instanceof errors.JWKSNoMatchingKey) return unauthorized("token signed with an unknown key");
  if (err instanceof errors.JOSEAlgNotAllowed) return unauthorized("token algorithm not allowed");
  if (err instanceof errors.JWKSTimeout) return unavailable("auth server did not answer for its signing keys");
  if (err instanceof errors.JWKSInvalid) return unavailable("auth server returned invalid signing keys");
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return unauthorized("malformed token");
  if (err instanceof errors.JOSEError) return unauthorized("token rejected");
  // fetch failures of the JWKS (connection refused, DNS) end up here
  return unavailable("cannot reach the auth server for its signing keys");
}

/**
 * Each segment must be the one base64url spelling of its bytes. Decoders ignore the unused low
 * bits of the last character, so without this check a token with its last character changed
 * (e.g. ...Q -> ...R) still verifies: a second spelling of the same token that caches and
 * revocation lists keyed on the token text would treat as a different one.
 */
function canonicalSegments(token: string): boolean {
  return token.split(".").every((seg) => Buffer.from(seg, "base64url").toString("base64url") === seg);
}

export function createVerifier(opts: VerifierOptions): TokenVerifier {
  const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(`${opts.authUrl}/.well-known/jwks.json`), {
    timeoutDuration: opts.upstreamTimeoutMs,
    cooldownDuration: opts.jwksCooldownMs ?? 5_000,
    cacheMaxAge: 10 * 60_000,
    ...(opts.apiKey ? { headers: { apikey: opts.apiKey } } : {}),
  });
  const secret = opts.jwtSecret ? new TextEncoder().encode(opts.jwtSecret) : undefined;
  const common: JWTVerifyOptions = {
    issuer: opts.issuer,
    audience: opts.audience,
    requiredClaims: ["exp", "sub"],
    clockTolerance: opts.clockToleranceSeconds ?? 5,
  };

  return async (token) => {
    if (!JWT_SHAPE.test(token)) throw unauthorized("malformed token");
    if (!canonicalSegments(token)) throw unauthorized("malformed token (non-canonical base64url)");
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthorized("malformed token");
    }
    if (typeof alg !== "string") throw unauthorized("token header has no algorithm");
    if (alg.toLowerCase() === "none") throw unauthorized("unsigned token (alg none) refused");
    let payload: JWTPayload;
    try {
      if (alg === "HS256") {
        if (!secret) throw unauthorized("HS256 token but the server has no SUPABASE_JWT_SECRET");
        ({ payload } = await jwtVerify(token, secret, { ...common, algorithms: ["HS256"] }));
      } else if (ASYMMETRIC_ALGS.includes(alg)) {
        ({ payload } = await jwtVerify(token, jwks, { ...common, algorithms: ASYMMETRIC_ALGS }));
      } else {
        throw unauthorized(`token algorithm ${alg.slice(0, 10)} not allowed`);
      }
    } catch (err) {
      throw describeJoseError(err);
    }
    const user = userFromClaims(payload);
    if (!user) throw unauthorized("token has no usable subject (missing, empty or too long)");
    return { user, payload };
  };
}

interface CacheEntry {
  verified: Verified;
  /** Unix ms after which the entry must be verified again. */
  until: number;
}

/**
 * Remembers successful verifications by the exact token text, so a session's repeated requests
 * skip the signature check. An entry lives until the token's `exp` (plus the same clock leeway
 * the verifier allows) and at most `maxAgeMs` (60 s by default, well under the 10 minutes the
 * JWKS itself is cached, so a key removed from the JWKS stops working as soon as it would have
 * without this cache). Failures are never cached. The text is canonical (checked before
 * caching), so one token has one cache entry.
 */
export function cachedVerifier(
  verify: TokenVerifier,
  opts: { maxEntries?: number; maxAgeMs?: number; clockToleranceSeconds?: number; now?: () => number } = {},
): TokenVerifier {
  const entries = new Map<string, CacheEntry>();
  const maxEntries = opts.maxEntries ?? 10_000;
  const maxAgeMs = opts.maxAgeMs ?? 60_000;
  const leewayMs = (opts.clockToleranceSeconds ?? 5) * 1000;
  const now = opts.now ?? Date.now;
  return async (token) => {
    const hit = entries.get(token);
    if (hit && now() < hit.until) return hit.verified;
    if (hit) entries.delete(token);
    const verified = await verify(token);
    const exp = typeof verified.payload.exp === "number" ? verified.payload.exp * 1000 + leewayMs : 0;
    const until = Math.min(exp, now() + maxAgeMs);
    if (until > now()) {
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.set(token, { verified, until });
    }
    return verified;
  };
}
