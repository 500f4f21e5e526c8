/**
 * Bad tokens for the probes, made from a real one: the same claims signed by a key the server
 * has never seen (same kid, so a lazy verifier might pick the real key's slot), and the real
 * signature over claims edited to name someone else, and (given the secret) an expired one.
 */
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

/**
 * The real token's claims, signed again with the project's legacy HS256 secret as they would
 * read `agoSeconds` after the token expired: a token the server itself could have issued, and
 * must refuse. For a stack whose secret the caller holds (the demo's own).
 */
export async function expiredToken(real: string, secret: string, agoSeconds = 600): Promise<string> {
  const claims = decodeJwt(real);
  const lifetime = typeof claims.exp === "number" && typeof claims.iat === "number" ? claims.exp - claims.iat : 3600;
  const exp = Math.floor(Date.now() / 1000) - agoSeconds;
  return new SignJWT({ ...claims, iat: exp - lifetime, exp })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secret));
}
