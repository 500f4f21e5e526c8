import { consentPrompt, readEmail, readPassword, refusePasswordFlag } from "../auth-input.js";
import { isoTime, relativeExpiry } from "../auth-format.js";
import type { Action } from "../command-kit.js";
import { note, printJson, printLine } from "../output.js";
import { readFirstLine } from "../stdin.js";
import { sessionAccounts } from "../../session/accounts.js";
import { chooseStoreForLogin } from "../../session/credentials/select.js";
import { type AuthOutcome, passwordAuth, tokenAuth } from "../../session/login.js";
import { envToken, envTokenRefusal, loadProfileState } from "../../session/session.js";

export interface LoginOptions {
  email?: string;
  passwordStdin?: boolean;
  withToken?: boolean;
  insecureStorage?: boolean;
  password?: string;
}

export const login: Action<string[], LoginOptions> = async (ctx, _args, opts) => {
  refusePasswordFlag(opts.password);
  if (envToken(ctx.env)) throw envTokenRefusal("log in");
  const { settings } = await loadProfileState(ctx);
  const account = sessionAccounts(ctx.profile, settings.supabaseUrl).refresh;
  let outcome: AuthOutcome;
  if (opts.withToken) {
    const token = await readFirstLine("access token", "--with-token");
    const chosen = await chooseStoreForLogin({
      env: ctx.env,
      insecureStorage: opts.insecureStorage === true,
      probeAccount: account,
      confirm: consentPrompt(),
    });
    outcome = await tokenAuth(ctx, token, chosen);
  } else {
    const email = await readEmail(opts);
    // Where the tokens will go is settled before the password is asked for, so nobody types a
    // password only to be told that nothing can be stored.
    const chosen = await chooseStoreForLogin({
      env: ctx.env,
      insecureStorage: opts.insecureStorage === true,
      probeAccount: account,
      confirm: consentPrompt(),
    });
    const password = await readPassword(opts, false);
    outcome = await passwordAuth(ctx, "login", email, password, chosen);
  }
  report(ctx.json, outcome);
  return 0;
};

export function report(json: boolean, o: AuthOutcome): void {
  if (o.weakPassword) note(`lgauth: warning: your password no longer meets this project's policy (${o.weakPassword})`);
  if (json) {
    printJson({
      status: o.status,
      profile: o.profile,
      email: o.email,
      user_id: o.userId ?? null,
      expires_at: isoTime(o.expiresAt),
      credential_store: o.store?.kind ?? null,
      supabase_url: o.supabaseUrl,
    });
    return;
  }
  if (o.status === "confirmation_required") {
    printLine(`Account created for ${o.email}. Confirm it with the link sent by email, then run \`lgauth login\`.`);
    return;
  }
  const where = o.store?.kind === "file" ? "a plain file (0600)" : "the keychain";
  printLine(
    `Logged in as ${o.email} on profile "${o.profile}" (token expires ${relativeExpiry(o.expiresAt)}; refresh token in ${where}).`,
  );
}
