/**
 * The auth child's OAuth providers: the local OpenID provider (src/local-oidc, on a free port
 * on 127.0.0.1) configured as provider `local`, unless switched off, plus any real identity
 * provider named in the environment as LGAUTH_OIDC_<NAME>_ISSUER / _CLIENT_ID / _CLIENT_SECRET
 * (env, not argv: the secret stays out of the process list).
 *
 * The local provider listens before the auth server starts (so the issuer is known), learns the
 * auth server's callback URL once that listens, and builds itself (oidc-provider is slow to
 * import) in the background: the auth server is ready without waiting for it.
 */
import { randomBytes } from "node:crypto";
import { providersFromEnv } from "../local-supabase/env-providers.js";
import type { ExternalProviderOptions } from "../local-supabase/index.js";

export const LOCAL_PROVIDER = "local";
export const LOCAL_CLIENT_ID = "lgauth-local-supabase";

export interface AuthProviders {
  externalProviders: Record<string, ExternalProviderOptions>;
  /** The local provider's issuer, when it runs. */
  localIssuer: string | undefined;
  /** Tells the local provider the auth server's URL (its client's redirect URI) and builds it. */
  attach(authUrl: string): void;
  stop(): Promise<void>;
}

export async function prepareAuthProviders(opts: {
  localOidc: boolean;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}): Promise<AuthProviders> {
  const fromEnv = providersFromEnv(opts.env);
  if (!opts.localOidc || LOCAL_PROVIDER in fromEnv) {
    return { externalProviders: fromEnv, localIssuer: undefined, attach: () => {}, stop: async () => {} };
  }
  const { listenLocalOidcProvider } = await import("../local-oidc/index.js");
  const pending = await listenLocalOidcProvider({ host: "127.0.0.1", port: 0 });
  // a fresh client secret per run: it only ever travels between two parts of this process
  const clientSecret = randomBytes(24).toString("base64url");
  return {
    externalProviders: {
      [LOCAL_PROVIDER]: { issuer: pending.issuer, clientId: LOCAL_CLIENT_ID, clientSecret },
      ...fromEnv,
    },
    localIssuer: pending.issuer,
    attach(authUrl) {
      pending
        .start({
          clients: [{ clientId: LOCAL_CLIENT_ID, clientSecret, redirectUris: [`${authUrl}/auth/v1/callback`] }],
          log: opts.log,
        })
        .catch((err: unknown) =>
          opts.log(
            `[local-oidc] the local OpenID provider failed to start: ${err instanceof Error ? err.message : err}`,
          ),
        );
    },
    stop: () => pending.stop(),
  };
}
