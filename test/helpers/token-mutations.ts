/**
 * Mutations of a valid Supabase access token for the reliability tests: every single-character
 * change, swapped and missing segments, `alg: none`, HS256 signed with the public key, a kid no
 * JWKS holds, oversized headers, and (when the signing key is ours, i.e. the named fixture key)
 * validly signed tokens with bad claims. Each case is the full Authorization header value.
 */
import { randomUUID } from "node:crypto";
import { decodeProtectedHeader, type JWK, SignJWT } from "jose";
import { claimsFor, type SigningKey, signEs256, type TokenSpec } from "./server-fixtures.js";

export interface TokenCase {
  name: string;
  header: string;
}

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

/** Every position changed two ways: to the next base64url character, and with its low bit flipped. */
export function byteFlips(token: string, every = 1): TokenCase[] {
  const out: TokenCase[] = [];
  for (let i = 0; i < token.length; i += every) {
    const ch = token[i] ?? "";
    const idx = B64URL.indexOf(ch);
    const next = idx === -1 ? "A" : B64URL[(idx + 1) % 64];
    const flipped = String.fromCharCode(ch.charCodeAt(0) ^ 0x01);
    for (const [how, repl] of [
      ["next", next],
      ["bit", flipped],
    ] as const) {
      if (repl === undefined || repl === ch) continue;
      out.push({ name: `flip ${how} @${i}`, header: `Bearer ${token.slice(0, i)}${repl}${token.slice(i + 1)}` });
    }
  }
  return out;
}

/** Mutations that need no signing key (usable against any server). */
export function structuralMutations(token: string, publicJwk?: JWK): TokenCase[] {
  const [h = "", p = "", s = ""] = token.split(".");
  const header = decodeProtectedHeader(token);
  const payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
  const bearer = (t: string) => `Bearer ${t}`;
  const cases: TokenCase[] = [
    { name: "swap header/payload", header: bearer(`${p}.${h}.${s}`) },
    { name: "swap payload/signature", header: bearer(`${h}.${s}.${p}`) },
    { name: "swap header/signature", header: bearer(`${s}.${p}.${h}`) },
    { name: "rotate segments", header: bearer(`${p}.${s}.${h}`) },
    { name: "two segments", header: bearer(`${h}.${p}`) },
    { name: "four segments", header: bearer(`${h}.${p}.${s}.${s}`) },
    { name: "signature stripped", header: bearer(`${h}.${p}.`) },
    { name: "payload empty", header: bearer(`${h}..${s}`) },
    { name: "duplicated payload", header: bearer(`${h}.${p}${p}.${s}`) },
    { name: "token twice", header: `Bearer ${token} ${token}` },
    { name: "Basic scheme", header: `Basic ${token}` },
    { name: "no scheme", header: token },
    { name: "empty bearer", header: "Bearer " },
    { name: "padding '='", header: bearer(`${h}=.${p}.${s}`) },
    { name: "unicode in token", header: bearer(`${h}.${p}é.${s}`) },
  ];
  for (const alg of ["none", "None", "NONE", "nOnE"]) {
    cases.push({ name: `alg ${alg}, no signature`, header: bearer(`${b64({ ...header, alg })}.${p}.`) });
    cases.push({ name: `alg ${alg}, old signature`, header: bearer(`${b64({ ...header, alg })}.${p}.${s}`) });
  }
  const noAlg: Record<string, unknown> = { ...header };
  delete noAlg.alg;
  cases.push({ name: "header without alg", header: bearer(`${b64(noAlg)}.${p}.${s}`) });
  cases.push({ name: "alg HS512", header: bearer(`${b64({ ...header, alg: "HS512" })}.${p}.${s}`) });
  cases.push({ name: "alg ES384", header: bearer(`${b64({ ...header, alg: "ES384" })}.${p}.${s}`) });
  cases.push({ name: "alg array", header: bearer(`${b64({ ...header, alg: ["ES256"] })}.${p}.${s}`) });
  cases.push({
    name: "unknown kid, old signature",
    header: bearer(`${b64({ ...header, kid: randomUUID() })}.${p}.${s}`),
  });
  cases.push({ name: "crit header", header: bearer(`${b64({ ...header, crit: ["x"], x: 1 })}.${p}.${s}`) });
  cases.push({
    name: "jwk embedded in header",
    header: bearer(`${b64({ ...header, jwk: publicJwk ?? { kty: "oct", k: "AAAA" } })}.${p}.${s}`),
  });
  cases.push({
    name: "64 KB JWT header",
    header: bearer(`${b64({ ...header, pad: "x".repeat(64 * 1024) })}.${p}.${s}`),
  });
  cases.push({ name: "64 KB Authorization header", header: `Bearer ${"A".repeat(64 * 1024)}` });
  for (const [name, change] of [
    ["payload sub emptied", { sub: "" }],
    ["payload sub changed", { sub: randomUUID() }],
    ["payload exp extended", { exp: Number(payload.exp ?? 0) + 86_400 }],
    ["payload role service_role", { role: "service_role" }],
  ] as const) {
    cases.push({ name: `${name}, old signature`, header: bearer(`${h}.${b64({ ...payload, ...change })}.${s}`) });
  }
  return cases;
}

async function hs256(secret: Uint8Array, header: Record<string, unknown>, p: string): Promise<string> {
  const payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
  return new SignJWT(payload).setProtectedHeader({ ...header, alg: "HS256" }).sign(secret);
}

/** HS256 tokens whose HMAC secret is the server's public key in the forms a confused verifier might use. */
export async function publicKeyAsSecret(token: string, publicJwk: JWK): Promise<TokenCase[]> {
  const [, p = ""] = token.split(".");
  const header = decodeProtectedHeader(token) as Record<string, unknown>;
  const forms: [string, string][] = [
    ["JWK JSON", JSON.stringify(publicJwk)],
    ["x coordinate", String(publicJwk.x ?? publicJwk.n ?? "")],
    ["JWKS JSON", JSON.stringify({ keys: [publicJwk] })],
  ];
  const out: TokenCase[] = [];
  for (const [name, secret] of forms) {
    out.push({
      name: `HS256 signed with the public key (${name})`,
      header: `Bearer ${await hs256(new TextEncoder().encode(secret), header, p)}`,
    });
  }
  return out;
}

/** Validly signed tokens with bad claims; needs the signing key (the named fixture key). */
export async function badClaims(key: SigningKey, issuer: string): Promise<TokenCase[]> {
  const specs: [string, TokenSpec][] = [
    ["expired 6 s ago (beyond the 5 s leeway)", { expiresIn: -6 }],
    ["expired an hour ago", { expiresIn: -3600 }],
    ["not yet valid (nbf +60 s)", { extra: { nbf: Math.floor(Date.now() / 1000) + 60 } }],
    ["wrong iss", { iss: "https://evil.example.com/auth/v1" }],
    ["iss with trailing slash", { iss: `${issuer}/` }],
    ["wrong aud", { aud: "anon" }],
    ["aud array without authenticated", { extra: { aud: ["x", "y"] } }],
    ["empty sub", { sub: "" }],
    ["blank sub", { sub: "   " }],
    ["missing sub", { sub: null }],
    ["numeric sub", {}],
    ["huge sub (100 KB)", { sub: "u".repeat(100 * 1024) }],
    ["missing exp", { extra: { exp: undefined } }],
    ["string exp", { extra: { exp: "9999999999" as unknown as number } }],
  ];
  const out: TokenCase[] = [];
  for (const [name, spec] of specs) {
    const claims = claimsFor(spec, issuer);
    if (name === "missing exp") delete claims.exp;
    if (name === "numeric sub") (claims as Record<string, unknown>).sub = 42;
    out.push({ name, header: `Bearer ${await signEs256(key, claims)}` });
  }
  out.push({
    name: "signed by our key under an unknown kid",
    header: `Bearer ${await signEs256(key, claimsFor({}, issuer), randomUUID())}`,
  });
  return out;
}

export async function mutatedTokens(opts: {
  valid: string;
  key?: SigningKey;
  publicJwk?: JWK;
  issuer: string;
  flipEvery?: number;
}): Promise<TokenCase[]> {
  const publicJwk = opts.publicJwk ?? opts.key?.publicJwk;
  const cases = [...byteFlips(opts.valid, opts.flipEvery ?? 1), ...structuralMutations(opts.valid, publicJwk)];
  if (publicJwk) cases.push(...(await publicKeyAsSecret(opts.valid, publicJwk)));
  if (opts.key) cases.push(...(await badClaims(opts.key, opts.issuer)));
  return cases;
}
