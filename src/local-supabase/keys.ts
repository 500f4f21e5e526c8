/**
 * Signing material and API keys. Default (what new Supabase projects use): an ES256 key pair,
 * created once and kept in the database so tokens survive restarts, published in the JWKS, and
 * anon/service_role keys signed with it like the Supabase CLI does ({iss:"supabase-demo", role,
 * exp: +10 years}). With a jwtSecret: legacy HS256, empty JWKS, and the CLI's deterministic
 * keys (the default secret gives the well-known local demo keys).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, randomUUID } from "node:crypto";
import type { Queryable } from "./db.js";
import { type SigningKey, signJwt, type VerifyingKeys } from "./jwt.js";

export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
  kid: string;
  alg: string;
  use: "sig";
  key_ops: ["verify"];
}

export interface KeyMaterial {
  mode: "ES256" | "HS256";
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

export function hs256Keys(secret: string): KeyMaterial {
  const signer: SigningKey = { alg: "HS256", key: Buffer.from(secret, "utf8") };
  const apiKey = (role: string) => signJwt(signer, { iss: "supabase-demo", role, exp: CLI_KEY_EXP });
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
