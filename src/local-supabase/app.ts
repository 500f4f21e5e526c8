/** Everything a handler needs, built once per server. */
import type { ServerResponse } from "node:http";
import type { CodeAttempts } from "./code-attempts.js";
import type { Database } from "./db.js";
import type { Req } from "./http.js";
import type { KeyedMutex } from "./keyed-mutex.js";
import type { KeyMaterial } from "./keys.js";
import type { OidcClient } from "./oidc-client.js";
import type { ServerConfig } from "./options.js";
import type { Outbox } from "./outbox.js";
import type { RateLimiter } from "./rate-limit.js";
import type { ClientInfo, TokenContext } from "./sessions.js";

export interface App {
  config: ServerConfig;
  database: Database;
  keys: KeyMaterial;
  /** The secret of emailed codes' hashes (keys.ts codeHashKey, handlers/mail.ts tokenHash). */
  codeHashKey: Buffer;
  tokens: TokenContext;
  /** Base URL without /auth/v1. */
  baseUrl: string;
  /** Where confirmation links send the browser when no valid redirect_to is given. */
  siteUrl: string;
  outbox: Outbox;
  limiters: {
    token: RateLimiter;
    signup: RateLimiter;
    verify: RateLimiter;
    /** Anonymous sign-ins, per hour (GoTrue RATE_LIMIT_ANONYMOUS_USERS). */
    anonymous: RateLimiter;
    mfaChallenge: RateLimiter;
    mfaVerify: RateLimiter;
  };
  /** Wrong one-time codes per subject: 5 void the subject's codes (code-attempts.ts). */
  codeAttempts: CodeAttempts;
  /** Serialises signups of one email so parallel requests create one user and hash once. */
  signupLock: KeyedMutex;
  /** The configured external (OpenID Connect) providers by name. */
  providers: Map<string, OidcClient>;
}

export type Handler = (app: App, req: Req, res: ServerResponse) => Promise<void>;

export function clientInfo(req: Req): ClientInfo {
  const ua = req.headers["user-agent"];
  return { userAgent: typeof ua === "string" ? ua : undefined, ip: req.ip };
}
