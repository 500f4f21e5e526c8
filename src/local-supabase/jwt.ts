/**
 * JWT signing and verification with node:crypto, shaped after GoTrue (golang-jwt): ES256 with raw
 * r||s signatures and RS256 (PKCS #1 v1.5), each with a kid, or HS256 with the shared secret or
 * a configured `oct` key; header keys in Go's sorted order;
 * verification failures carry golang-jwt's wording behind GoTrue's "invalid JWT" prefix.
 */
import { createHmac, type KeyObject, sign, timingSafeEqual, verify } from "node:crypto";
import { type ApiError, forbidden } from "./errors.js";

export type JwtClaims = Record<string, unknown>;

export type JwtAlg = "ES256" | "RS256" | "HS256";

export interface SigningKey {
  alg: JwtAlg;
  kid?: string;
  /** EC or RSA private key, or the shared secret bytes for HS256. */
  key: KeyObject | Buffer;
}

export interface VerifyingKeys {
  /** Algorithms GoTrue would accept (its ValidMethods). */
  algs: string[];
  /** Public keys (secret bytes for HS256) by kid. */
  byKid: Map<string, { alg: JwtAlg; key: KeyObject | Buffer }>;
  /** The HS256 secret, when configured. */
  secret?: Buffer;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export function signJwt(signer: SigningKey, claims: JwtClaims): string {
  const header: Record<string, string> = { alg: signer.alg };
  if (signer.kid) header.kid = signer.kid;
  header.typ = "JWT";
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  let signature: Buffer;
  if (signer.alg === "HS256") {
    signature = createHmac("sha256", signer.key as Buffer)
      .update(input)
      .digest();
  } else if (signer.alg === "RS256") {
    signature = sign("sha256", Buffer.from(input), signer.key as KeyObject);
  } else {
    signature = sign("sha256", Buffer.from(input), { key: signer.key as KeyObject, dsaEncoding: "ieee-p1363" });
  }
  return `${input}.${b64url(signature)}`;
}

function badJwt(reason: string): ApiError {
  return forbidden("bad_jwt", `invalid JWT: unable to parse or verify signature, ${reason}`);
}

function decodeSegment(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    throw badJwt(`token is malformed: could not JSON decode ${what}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badJwt(`token is malformed: could not JSON decode ${what}`);
  }
  return value as Record<string, unknown>;
}

/**
 * The one base64url spelling of a segment's bytes. Decoders ignore the unused low bits of the
 * last character (and characters outside the alphabet), so without this check a token with its
 * last character changed (e.g. ...Q -> ...R) would still verify: a second spelling of one token.
 */
function canonical(segment: string): boolean {
  return Buffer.from(segment, "base64url").toString("base64url") === segment;
}

/** The signature check of one algorithm, failing with golang-jwt's wording for it. */
function checkSignature(alg: JwtAlg, key: KeyObject | Buffer, input: Buffer, signature: Buffer): void {
  if (alg === "HS256") {
    const expected = createHmac("sha256", key as Buffer)
      .update(input)
      .digest();
    if (expected.length !== signature.length || !timingSafeEqual(expected, signature)) {
      throw badJwt("token signature is invalid: signature is invalid");
    }
  } else if (alg === "RS256") {
    if (signature.length === 0 || !verify("sha256", input, key as KeyObject, signature)) {
      throw badJwt("token signature is invalid: crypto/rsa: verification error");
    }
  } else if (
    signature.length !== 64 ||
    !verify("sha256", input, { key: key as KeyObject, dsaEncoding: "ieee-p1363" }, signature)
  ) {
    throw badJwt("token signature is invalid: crypto/ecdsa: verification error");
  }
}

/**
 * Verifies a compact JWT the way GoTrue's parseJWTClaims does and returns its claims. A segment
 * that is not the canonical spelling of its bytes fails as a bad signature of the token's alg.
 */
export function verifyJwt(token: string, keys: VerifyingKeys, nowSeconds = Date.now() / 1000): JwtClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw badJwt("token is malformed: token contains an invalid number of segments");
  const [h, p, s] = parts as [string, string, string];
  const header = decodeSegment(h, "header");
  const claims = decodeSegment(p, "claims");
  const alg = typeof header.alg === "string" ? header.alg : "";
  if (!keys.algs.includes(alg))
    throw badJwt(`token signature is invalid: signing method ${alg || "(none)"} is invalid`);

  const kid = typeof header.kid === "string" ? header.kid : undefined;
  // an empty signature fails every algorithm's check below with that algorithm's own answer
  const signature = [h, p, s].every(canonical) ? Buffer.from(s, "base64url") : Buffer.alloc(0);
  const input = Buffer.from(`${h}.${p}`);
  const known = kid !== undefined ? keys.byKid.get(kid) : undefined;
  if (known) {
    if (known.alg !== alg) throw badJwt(`token signature is invalid: signing method ${alg} is invalid`);
    checkSignature(known.alg, known.key, input, signature);
  } else if (alg === "HS256" && keys.secret) {
    checkSignature("HS256", keys.secret, input, signature);
  } else {
    throw badJwt(
      `token is unverifiable: error while executing keyfunc: unrecognized JWT kid ${kid ?? "<nil>"} for algorithm ${alg}`,
    );
  }

  for (const name of ["exp", "nbf", "iat"]) {
    const v = claims[name];
    if (v !== undefined && typeof v !== "number") {
      throw badJwt(`token is malformed: could not JSON decode claim: invalid type for claim ${name}`);
    }
  }
  const exp = claims.exp as number | undefined;
  const nbf = claims.nbf as number | undefined;
  if (exp !== undefined && nowSeconds > exp) throw badJwt("token has invalid claims: token is expired");
  if (nbf !== undefined && nowSeconds < nbf) throw badJwt("token has invalid claims: token is not valid yet");
  return claims;
}
