/**
 * A local Supabase-Auth-compatible (GoTrue) server on embedded Postgres, for development and
 * tests: the unmodified supabase-js client works against it as against a real project.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { App } from "./app.js";
import { CodeAttempts } from "./code-attempts.js";
import { openDatabase } from "./db.js";
import { answerClientError } from "./http.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { codeHashKey, configuredKeys, es256Keys, hs256Keys, type KeyMaterial } from "./keys.js";
import { OidcClient } from "./oidc-client.js";
import { type LocalSupabase, type LocalSupabaseOptions, resolveOptions } from "./options.js";
import { Outbox } from "./outbox.js";
import { RateLimiter } from "./rate-limit.js";
import { createRequestListener } from "./router.js";

export type { ExternalProviderOptions, LocalSupabase, LocalSupabaseOptions } from "./options.js";

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

export async function startLocalSupabase(opts: LocalSupabaseOptions = {}): Promise<LocalSupabase> {
  const config = resolveOptions(opts);
  const database = await openDatabase(config.dataDir);
  try {
    const keys: KeyMaterial =
      config.jwtKeys !== undefined
        ? await configuredKeys(database.db, config.jwtKeys)
        : config.jwtSecret !== undefined
          ? hs256Keys(config.jwtSecret, config.jwtKeyId)
          : await es256Keys(database.db);
    const hashKey = await codeHashKey(database.db);
    const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const baseUrl = `http://${formatHost(config.host)}:${port}`;
    const app: App = {
      config,
      database,
      keys,
      codeHashKey: hashKey,
      tokens: {
        keys,
        issuer: `${baseUrl}/auth/v1`,
        accessTokenTtl: config.accessTokenTtl,
        refreshTokenReuseInterval: config.refreshTokenReuseInterval,
      },
      baseUrl,
      siteUrl: config.siteUrl,
      outbox: new Outbox(),
      limiters: {
        token: new RateLimiter(config.rateLimits.token, config.rateLimits.windowSeconds),
        signup: new RateLimiter(config.rateLimits.signup, config.rateLimits.windowSeconds),
        verify: new RateLimiter(config.rateLimits.verify, config.rateLimits.windowSeconds),
        anonymous: new RateLimiter(config.rateLimits.anonymousUsers, 3600),
        // GoTrue: N per minute with bursts of 30
        mfaChallenge: new RateLimiter(30, 1800 / config.rateLimits.mfa),
        mfaVerify: new RateLimiter(30, 1800 / config.rateLimits.mfa),
      },
      codeAttempts: new CodeAttempts(config.otpExpiry * 1000),
      signupLock: new KeyedMutex(),
      providers: new Map([...config.externalProviders].map(([name, p]) => [name, new OidcClient(name, p)])),
    };
    server.on("request", createRequestListener(app));
    server.on("clientError", answerClientError); // headers over 16 KB, malformed requests: GoTrue's shape

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        await database.close();
      })();
      return stopping;
    };
    config.log(
      `[local-supabase] listening on ${baseUrl}/auth/v1 (${keys.mode}${config.dataDir ? `, data in ${config.dataDir}` : ", in memory"})`,
    );
    return {
      url: baseUrl,
      anonKey: keys.anonKey,
      serviceRoleKey: keys.serviceRoleKey,
      ...(config.jwtSecret !== undefined ? { jwtSecret: config.jwtSecret } : {}),
      stop,
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}
