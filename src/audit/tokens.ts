/**
 * Bad tokens for the probes, made from a real one: the same claims signed by a key the server
 * has never seen (same kid, so a lazy verifier might pick the real key's slot), and the real
 * signature over claims edited to name someone else, and (given the server's signing key) an
 * expired one.
 */
import { generateKeyPairSync, type JsonWebKey, type KeyObject, randomUUID } from "node:crypto";
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from "jose";

export async function forgedToken(real: string): Promise<string> {
  const header = decodeProtectedHeader(real);
  const claims = decodeJwt(real);
  const { privateKey } = await generateKeyPair("ES256");
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "ES256", typ: "JWT", ...(header.kid ? { kid: header.kid } : {}) })
    .sign(privateKey);
}

export function tamperedToken(real: string, sub: string): string {
  const [head, body, signature] = real.split(".");
  const claims = JSON.parse(Buffer.from(body ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
  claims.sub = sub;
  return `${head}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
}

/** A key the caller's own auth server signs with: its JWT_KEYS signing key, or a legacy HS256 secret. */
export interface TokenSigner {
  alg: "ES256" | "RS256" | "HS256";
  /** The key's id in the server's JWKS (none for a legacy secret). */
  kid?: string;
  /** The private key (ES256/RS256) or the secret's bytes (HS256). */
  key: KeyObject | Uint8Array;
}

/**
 * The real token's claims, signed again with the server's own signing key as they would read
 * `agoSeconds` after the token expired: a token the server itself could have issued, and must
 * refuse. For a stack whose key the caller holds (the demo's own).
 */
export async function expiredToken(real: string, signer: TokenSigner, agoSeconds = 600): Promise<string> {
  const claims = decodeJwt(real);
  const lifetime = typeof claims.exp === "number" && typeof claims.iat === "number" ? claims.exp - claims.iat : 3600;
  const exp = Math.floor(Date.now() / 1000) - agoSeconds;
  return new SignJWT({ ...claims, iat: exp - lifetime, exp })
    .setProtectedHeader({ alg: signer.alg, typ: "JWT", ...(signer.kid ? { kid: signer.kid } : {}) })
    .sign(signer.key);
}

/**
 * A new ES256 key pair, as a Supabase project's asymmetric signing key: the private JWK to give
 * one's own auth server as its JWT_KEYS signing key (it publishes the public part in its JWKS),
 * and the signer for expiredToken().
 */
export function newSigningKey(): { jwk: JsonWebKey; signer: TokenSigner } {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = randomUUID();
  return {
    jwk: { ...privateKey.export({ format: "jwk" }), kid, alg: "ES256", use: "sig", key_ops: ["sign", "verify"] },
    signer: { alg: "ES256", kid, key: privateKey },
  };
}
