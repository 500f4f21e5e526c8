/**
 * External OpenID providers named in the environment, for the standalone server and the local
 * stack: LGAUTH_OIDC_<NAME>_ISSUER, _CLIENT_ID and _CLIENT_SECRET make provider `<name>` (lower
 * case). Env, not argv: the client secret stays out of the process list.
 */
import type { ExternalProviderOptions } from "./options.js";

const ENV_PROVIDER = /^LGAUTH_OIDC_([A-Z0-9_]+)_ISSUER$/;

/** Providers from LGAUTH_OIDC_<NAME>_{ISSUER,CLIENT_ID,CLIENT_SECRET}; an incomplete one is an error. */
export function providersFromEnv(env: NodeJS.ProcessEnv): Record<string, ExternalProviderOptions> {
  const out: Record<string, ExternalProviderOptions> = {};
  for (const [key, issuer] of Object.entries(env)) {
    const m = ENV_PROVIDER.exec(key);
    if (!m?.[1] || !issuer) continue;
    const prefix = `LGAUTH_OIDC_${m[1]}`;
    const clientId = env[`${prefix}_CLIENT_ID`];
    const clientSecret = env[`${prefix}_CLIENT_SECRET`];
    if (!clientId || !clientSecret) {
      throw new Error(`${prefix}_ISSUER is set but ${prefix}_CLIENT_ID or ${prefix}_CLIENT_SECRET is not`);
    }
    out[m[1].toLowerCase()] = { issuer, clientId, clientSecret };
  }
  return out;
}
