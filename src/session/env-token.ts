/**
 * LGAUTH_ACCESS_TOKEN: an access token that every command uses instead of stored state (for CI).
 * A module of its own so that commands which only read it (whoami) load nothing else.
 */
import { LgauthError } from "../util/errors.js";

export const ENV_TOKEN = "LGAUTH_ACCESS_TOKEN";

export function envToken(env: NodeJS.ProcessEnv): string | undefined {
  const t = env[ENV_TOKEN]?.trim();
  return t ? t : undefined;
}

/** login, signup and logout refuse to act on stored credentials while the variable is set. */
export function envTokenRefusal(action: string): LgauthError {
  return new LgauthError("env_token_set", `${ENV_TOKEN} is set, so lgauth uses that token and does not ${action}`, {
    details: { action },
  });
}
