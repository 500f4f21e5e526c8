/**
 * TEST FIXTURES for the server-side auth tests, named as such: signing keys we control, token
 * minting, and a tiny fake auth server (node:http) that serves a JWKS and answers
 * GET /auth/v1/user. They exist to cause faults the real local Supabase Auth server cannot be
 * made to produce (expired or wrongly signed tokens, key rotation, a JWKS that is down). The
 * end-to-end tests use the real local Supabase Auth server.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, jwtVerify, SignJWT, createLocalJWKSet } from "jose";

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeSigningKey(kid: string = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig", key_ops: ["verify"] };
  return { kid, privateKey, publicJwk };
}

export interface TokenSpec {
  sub?: string | null;
  email?: string;
  sessionId?: string;
  iss?: string;
  aud?: string;
  /** Seconds from now; negative = already expired. */
  expiresIn?: number;
  extra?: JWTPayload;
}

export function claimsFor(spec: TokenSpec, issuer: string): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    iss: spec.iss ?? issuer,
    aud: spec.aud ?? "authenticated",
    exp: now + (spec.expiresIn ?? 3600),
    iat: now - 1,
    email: spec.email ?? "alice@example.com",
    role: "authenticated",
    session_id: spec.sessionId ?? randomUUID(),
    ...spec.extra,
  };
  if (spec.sub !== null) claims.sub = spec.sub ?? randomUUID();
  return claims;
}

export async function signEs256(key: SigningKey, claims: JWTPayload, kid = key.kid): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "ES256", typ: "JWT", kid }).sign(key.privateKey);
}

export async function signHs256(secret: string, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(secret));
}

/** An unsigned token (`alg: none`), built by hand because jose refuses to make one. */
export function unsignedToken(claims: JWTPayload): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
}

/** Fake auth server: JWKS plus GET /auth/v1/user that honours a revoked-session list. */
export interface FakeAuthServer {
  url: string;
  authUrl: string;
  keys: SigningKey[];
  revokedSessions: Set<string>;
  counts: { jwks: number; user: number };
  /** When set, /auth/v1/user answers this status (e.g. 500) instead. */
  failUserWith: number | undefined;
  close(): Promise<void>;
}

export async function startFakeAuthServer(): Promise<FakeAuthServer> {
  const state = {
    keys: [await makeSigningKey()],
    revokedSessions: new Set<string>(),
    counts: { jwks: 0, user: 0 },
    failUserWith: undefined as number | undefined,
  };
  let authUrl = "";
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/auth/v1/.well-known/jwks.json") {
      state.counts.jwks += 1;
      return send(200, { keys: state.keys.map((k) => k.publicJwk) });
    }
    if (req.url === "/auth/v1/user") {
      state.counts.user += 1;
      if (state.failUserWith) return send(state.failUserWith, { code: "unexpected_failure", message: "fixture" });
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!token)
        return send(401, { code: "no_authorization", message: "This endpoint requires a valid Bearer token" });
      try {
        const jwks = createLocalJWKSet({ keys: state.keys.map((k) => k.publicJwk) });
        const { payload } = await jwtVerify(token, jwks, { issuer: authUrl });
        if (typeof payload.session_id === "string" && state.revokedSessions.has(payload.session_id)) {
          return send(403, {
            code: "session_not_found",
            message: "Session from session_id claim in JWT does not exist",
          });
        }
        return send(200, { id: payload.sub, email: payload.email, role: "authenticated", app_metadata: {} });
      } catch {
        return send(403, { code: "bad_jwt", message: "invalid JWT" });
      }
    }
    if (req.url === "/auth/v1/health") return send(200, { name: "GoTrue" });
    send(404, { code: "not_found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  authUrl = `${url}/auth/v1`;
  return Object.assign(state, {
    url,
    authUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
