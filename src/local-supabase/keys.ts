/**
 * Signing material and API keys. Default (what new Supabase projects use): an ES256 key pair,
 * created once and kept in the database so tokens survive restarts, published in the JWKS, and
 * anon/service_role keys signed with it like the Supabase CLI does ({iss:"supabase-demo", role,
 * exp: +10 years}). With a jwtSecret: legacy HS256, empty JWKS, and the CLI's deterministic
 * keys (the default secret gives the well-known local demo keys). With jwtKeys (GoTrue's
 * GOTRUE_JWT_KEYS): the one key whose key_ops has "sign" signs, every key verifies its kid's
 * tokens, a jwtSecret beside them still verifies legacy HS256 tokens, and the JWKS lists the
 * public part of each RSA and EC key.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
  randomUUID,
} from "node:crypto";
import type { Queryable } from "./db.js";
import { type JwtAlg, type SigningKey, signJwt, type VerifyingKeys } from "./jwt.js";

/** A published verification key: the public JWK members plus kid, alg, use and key_ops. */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: string;
  use: "sig";
  key_ops: ["verify"];
  [member: string]: unknown;
}

export interface KeyMaterial {
  /** How tokens are signed, for the banner: "ES256", "HS256", or "RS256 (configured keys)". */
  mode: string;
  signer: SigningKey;
  verifying: VerifyingKeys;
  jwks: PublicJwk[];
  anonKey: string;
  serviceRoleKey: string;
}

const CLI_KEY_EXP = 1983812996; // supabase/cli pkg/config/apikeys.go defaultJwtExpiry
const TEN_YEARS = 10 * 365 * 24 * 3600;

async function getMeta(db: Queryable, key: string): Promise<string | undefined> {
  const r = await db.query<{ value: string }>("select value from lgauth_meta where key = $1", [key]);
  return r.rows[0]?.value;
}

async function setMetaIfAbsent(db: Queryable, key: string, value: string): Promise<string> {
  await db.query("insert into lgauth_meta (key, value) values ($1, $2) on conflict (key) do nothing", [key, value]);
  return (await getMeta(db, key)) ?? value;
}

/**
 * The server's secret for the hashes of emailed codes (`tokenHash` in handlers/mail.ts): 32
 * random bytes, made once and kept in the database so outstanding links survive a restart.
 */
export async function codeHashKey(db: Queryable): Promise<Buffer> {
  let stored = await getMeta(db, "code_hash_key");
  if (!stored) stored = await setMetaIfAbsent(db, "code_hash_key", randomBytes(32).toString("hex"));
  return Buffer.from(stored, "hex");
}

export function hs256Keys(secret: string, kid?: string): KeyMaterial {
  const key = Buffer.from(secret, "utf8");
  // the API keys are the CLI's, made from the secret alone; GoTrue puts the key id on its own tokens
  const apiKey = (role: string) => signJwt({ alg: "HS256", key }, { iss: "supabase-demo", role, exp: CLI_KEY_EXP });
  const signer: SigningKey = kid ? { alg: "HS256", kid, key } : { alg: "HS256", key };
  return {
    mode: "HS256",
    signer,
    verifying: { algs: ["HS256"], byKid: new Map(), secret: Buffer.from(secret, "utf8") },
    jwks: [],
    anonKey: apiKey("anon"),
    serviceRoleKey: apiKey("service_role"),
  };
}

export async function es256Keys(db: Queryable): Promise<KeyMaterial> {
  let stored = await getMeta(db, "es256_private_jwk");
  if (!stored) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = { ...privateKey.export({ format: "jwk" }), kid: randomUUID() };
    stored = await setMetaIfAbsent(db, "es256_private_jwk", JSON.stringify(jwk));
  }
  const jwk = JSON.parse(stored) as JsonWebKey & { kid: string };
  const privateKey = createPrivateKey({ key: jwk, format: "jwk" });
  const publicKey = createPublicKey(privateKey);
  const pub = publicKey.export({ format: "jwk" });
  const signer: SigningKey = { alg: "ES256", kid: jwk.kid, key: privateKey };

  const apiKey = async (role: string) => {
    const existing = await getMeta(db, `es256_${role}_key`);
    if (existing) return existing;
    const exp = Math.floor(Date.now() / 1000) + TEN_YEARS;
    return setMetaIfAbsent(db, `es256_${role}_key`, signJwt(signer, { iss: "supabase-demo", role, exp }));
  };
  return {
    mode: "ES256",
    signer,
    verifying: { algs: ["ES256"], byKid: new Map([[jwk.kid, { alg: "ES256", key: publicKey }]]) },
    jwks: [
      {
        kty: "EC",
        crv: "P-256",
        x: String(pub.x),
        y: String(pub.y),
        kid: jwk.kid,
        alg: "ES256",
        use: "sig",
        key_ops: ["verify"],
      },
    ],
    anonKey: await apiKey("anon"),
    serviceRoleKey: await apiKey("service_role"),
  };
}

/** One entry of GoTrue's JWT_KEYS: a JWK with a kid and key_ops. */
export type ConfiguredJwk = JsonWebKey & { kid?: unknown; alg?: unknown; key_ops?: unknown };

const ALG_OF_KTY: Record<string, JwtAlg> = { RSA: "RS256", EC: "ES256", oct: "HS256" };

function configuredKey(jwk: ConfiguredJwk, i: number) {
  const where = `jwtKeys[${i}]`;
  if (typeof jwk !== "object" || jwk === null) throw new RangeError(`${where} is not a JWK object`);
  const kid = typeof jwk.kid === "string" ? jwk.kid : "";
  if (kid === "") throw new RangeError(`${where} has no kid`);
  const kty = typeof jwk.kty === "string" ? jwk.kty : "";
  const alg = typeof jwk.alg === "string" ? jwk.alg : ALG_OF_KTY[kty];
  if (alg === undefined || ALG_OF_KTY[kty] !== alg || (alg === "ES256" && jwk.crv !== "P-256")) {
    throw new RangeError(
      `${where} (kid ${kid}): ${String(jwk.alg ?? kty)} is not supported here; use RS256 (RSA), ES256 (EC P-256) or HS256 (oct)`,
    );
  }
  const ops = Array.isArray(jwk.key_ops) ? jwk.key_ops : [];
  const signs = ops.includes("sign");
  if (alg === "HS256") {
    if (typeof jwk.k !== "string" || jwk.k === "") throw new RangeError(`${where} (kid ${kid}): oct key without k`);
    const secret = Buffer.from(jwk.k, "base64url");
    return { kid, alg, signs, signingKey: secret, verifyKey: secret, published: undefined };
  }
  let privateKey: KeyObject | undefined;
  let publicKey: KeyObject;
  try {
    const { key_ops: _ops, alg: _alg, kid: _kid, use: _use, ...material } = jwk as Record<string, unknown>;
    if (typeof material.d === "string") {
      privateKey = createPrivateKey({ key: material as JsonWebKey, format: "jwk" });
      publicKey = createPublicKey(privateKey);
    } else {
      publicKey = createPublicKey({ key: material as JsonWebKey, format: "jwk" });
    }
  } catch (err) {
    throw new RangeError(`${where} (kid ${kid}): not a usable ${kty} key (${(err as Error).message})`);
  }
  if (signs && !privateKey) throw new RangeError(`${where} (kid ${kid}): a signing key needs its private part`);
  const published: PublicJwk = {
    ...(publicKey.export({ format: "jwk" }) as Record<string, unknown>),
    kty,
    kid,
    alg,
    use: "sig",
    key_ops: ["verify"],
  };
  return { kid, alg, signs, signingKey: privateKey, verifyKey: publicKey, published };
}

/** A checked JWT_KEYS set: its signer, its verification keys and what the JWKS publishes. */
export interface KeySet {
  signer: SigningKey;
  verifying: VerifyingKeys;
  jwks: PublicJwk[];
  /** Names the signing key's material, so stored API keys are never reused for another key. */
  fingerprint: string;
}

/**
 * GoTrue's JWT_KEYS: exactly one key signs (startup fails otherwise, as GoTrue's does); the
 * accepted algorithms are the keys' own, plus HS256 when a legacy secret is configured too.
 * Throws a RangeError naming the bad entry.
 */
export function parseJwtKeys(jwks: ConfiguredJwk[], secret?: string): KeySet {
  if (!Array.isArray(jwks) || jwks.length === 0) throw new RangeError("jwtKeys must be a non-empty array of JWKs");
  const keys = jwks.map(configuredKey);
  const signing = keys.filter((k) => k.signs);
  if (signing.length === 0) throw new RangeError('jwtKeys: no signing key detected (one key needs "sign" in key_ops)');
  if (signing.length > 1)
    throw new RangeError("jwtKeys: multiple signing keys detected, only 1 signing key is supported");
  const byKid = new Map<string, { alg: JwtAlg; key: KeyObject | Buffer }>();
  for (const k of keys) {
    if (byKid.has(k.kid)) throw new RangeError(`jwtKeys: kid ${k.kid} appears twice`);
    byKid.set(k.kid, { alg: k.alg, key: k.verifyKey });
  }
  const first = signing[0] as (typeof signing)[number];
  const signer: SigningKey = { alg: first.alg, kid: first.kid, key: first.signingKey as KeyObject | Buffer };
  const algs = [...new Set([...keys.map((k) => k.alg), ...(secret !== undefined ? ["HS256"] : [])])];
  const fingerprint = createHash("sha256")
    .update(JSON.stringify([first.kid, first.published ?? Buffer.from(first.signingKey as Buffer).toString("base64")]))
    .digest("hex")
    .slice(0, 32);
  return {
    signer,
    verifying: { algs, byKid, ...(secret !== undefined ? { secret: Buffer.from(secret, "utf8") } : {}) },
    jwks: keys.flatMap((k) => (k.published ? [k.published] : [])),
    fingerprint,
  };
}

/**
 * The key material of a configured set. The anon and service_role keys are signed with the
 * signing key (the Supabase CLI does so when given signing keys) and kept in the database for
 * that key, so they survive restarts.
 */
export async function configuredKeys(db: Queryable, set: KeySet): Promise<KeyMaterial> {
  const apiKey = async (role: string) => {
    const name = `jwt_keys_${set.fingerprint}_${role}_key`;
    const existing = await getMeta(db, name);
    if (existing) return existing;
    const exp = Math.floor(Date.now() / 1000) + TEN_YEARS;
    return setMetaIfAbsent(db, name, signJwt(set.signer, { iss: "supabase-demo", role, exp }));
  };
  return {
    mode: `${set.signer.alg} (configured keys)`,
    signer: set.signer,
    verifying: set.verifying,
    jwks: set.jwks,
    anonKey: await apiKey("anon"),
    serviceRoleKey: await apiKey("service_role"),
  };
}
