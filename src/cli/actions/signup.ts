import { consentPrompt, readEmail, readPassword } from "../auth-input.js";
import type { Action } from "../command-kit.js";
import { sessionAccounts } from "../../session/accounts.js";
import { chooseStoreForLogin } from "../../session/credentials/select.js";
import { passwordAuth } from "../../session/login.js";
import { envToken, envTokenRefusal, loadProfileState } from "../../session/session.js";
import { report } from "./login.js";

export interface SignupOptions {
  email?: string;
  passwordStdin?: boolean;
  insecureStorage?: boolean;
}

/** Creates the account; logs in at once when the project needs no email confirmation. */
export const signup: Action<[], SignupOptions> = async (ctx, _args, opts) => {
  if (envToken(ctx.env)) throw envTokenRefusal("sign up");
  const { settings } = await loadProfileState(ctx);
  const email = await readEmail(ctx, opts);
  const chosen = await chooseStoreForLogin(ctx, {
    insecureStorage: opts.insecureStorage === true,
    probeAccount: sessionAccounts(ctx.profile, settings.supabaseUrl, settings.localStack !== undefined).refresh,
    confirm: consentPrompt(ctx),
  });
  const password = await readPassword(ctx, opts, true);
  report(ctx, await passwordAuth(ctx, "signup", email, password, chosen));
  return 0;
};
