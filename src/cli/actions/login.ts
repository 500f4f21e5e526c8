import { consentPrompt, readEmail, readPassword } from "../auth-input.js";
import { isoTime, relativeExpiry } from "../auth-format.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { authenticatorCodes } from "../authenticator-codes.js";
import { replaceGuard } from "../replace-guard.js";
import { readFirstLine, type StdinLines, stdinLines } from "../stdin.js";
import { LgauthError } from "../errors.js";
import { decodeClaims } from "../../session/clock.js";
import { sessionAccounts } from "../../session/accounts.js";
import { chooseStoreForLogin } from "../../session/credentials/select.js";
import { type AuthOutcome, type SecondFactorOptions, passwordAuth, tokenAuth } from "../../session/login.js";
import { loadProfileState, requireRunningStack } from "../../session/session.js";
import { envToken, envTokenRefusal } from "../../session/env-token.js";

/**
 * `login`'s flags as commander leaves them: one method at most (Option.conflicts), the
 * provider's flags only with --provider, --code-stdin not with --with-token, the
 * email and provider name checked, --timeout a number (src/cli/commands/auth.ts).
 */
export interface LoginOptions {
  email?: string;
  passwordStdin?: boolean;
  withToken?: boolean;
  provider?: string;
  /** false with --no-browser. */
  browser: boolean;
  scopes?: string;
  /** Seconds to wait for the browser. */
  timeout?: number;
  otp?: boolean;
  codeStdin?: boolean;
  insecureStorage?: boolean;
  /** Replace the login of another user on this profile without asking. */
  force?: boolean;
}

export const login: Action<[], LoginOptions> = async (ctx, _args, opts) => {
  if (envToken(ctx.env)) throw envTokenRefusal("log in");
  const { settings } = await loadProfileState(ctx);
  // before anything is asked: an email and password typed for a stack that is not running are lost
  requireRunningStack(settings);
  const account = sessionAccounts(ctx.profile, settings.supabaseUrl, settings.localStack !== undefined).refresh;
  const chooseStore = () =>
    chooseStoreForLogin(ctx, {
      insecureStorage: opts.insecureStorage === true,
      probeAccount: account,
      confirm: consentPrompt(ctx),
    });
  // stdin is read a line at a time: the password (or the emailed code), then the authenticator code
  const lines = stdinLines(ctx.io.stdin);
  // another user's login on this profile is replaced only when the person says so (or --force)
  const guard = await replaceGuard(ctx, opts.force === true);
  const secondFactor: SecondFactorOptions = {
    codes: authenticatorCodes(ctx, opts.codeStdin, lines),
    confirmUser: guard.confirmUser,
  };
  let outcome: AuthOutcome;
  try {
    if (opts.provider !== undefined) {
      const { browserLogin } = await import("./login-browser.js");
      outcome = await browserLogin(ctx, opts.provider, opts, chooseStore, secondFactor);
    } else if (opts.otp) {
      const { otpLogin } = await import("./login-otp.js");
      outcome = await otpLogin(ctx, opts, chooseStore, lines, secondFactor);
    } else if (opts.withToken) {
      const token = await readFirstLine("access token", "--with-token", ctx.io.stdin);
      const claims = decodeClaims(token);
      await guard.check({ email: claims?.email, id: claims?.sub });
      outcome = await tokenAuth(ctx, token, await chooseStore());
    } else {
      const email = await readEmail(ctx, opts);
      await guard.check({ email });
      // Where the tokens will go is settled before the password is asked for, so nobody types a
      // password only to be told that nothing can be stored.
      const chosen = await chooseStore();
      outcome = await withPasswordTries(ctx, opts, lines, (password) =>
        passwordAuth(ctx, "login", email, password, chosen, secondFactor),
      );
    }
  } finally {
    await lines.close();
  }
  report(ctx, outcome);
  return 0;
};

/** Passwords typed at the prompt before a login gives up, as sudo (and as authenticator codes get). */
const PASSWORD_TRIES = 3;

/**
 * Asks for the password and logs in with it; a wrong password typed at the terminal prompt is
 * asked for again, up to PASSWORD_TRIES in all. One from --password-stdin gets one try.
 */
async function withPasswordTries(
  ctx: Context,
  opts: LoginOptions,
  lines: StdinLines,
  logIn: (password: string) => Promise<AuthOutcome>,
): Promise<AuthOutcome> {
  for (let tried = 1; ; tried++) {
    const password = await readPassword(ctx, opts, lines);
    try {
      return await logIn(password);
    } catch (err) {
      const again =
        err instanceof LgauthError &&
        err.code === "invalid_credentials" &&
        !opts.passwordStdin &&
        tried < PASSWORD_TRIES;
      if (!again) throw err;
      ctx.io.note(`lgauth: ${err.message}; try again.`);
    }
  }
}

export function report(ctx: Context, o: AuthOutcome): void {
  if (o.weakPassword)
    ctx.io.note(`lgauth: warning: your password no longer meets this project's policy (${o.weakPassword})`);
  if (ctx.json) {
    ctx.io.printJson({
      status: o.status,
      profile: o.profile,
      email: o.email,
      user_id: o.userId ?? null,
      expires_at: isoTime(o.expiresAt),
      aal: o.aal ?? null,
      credential_store: o.store?.kind ?? null,
      // false after --with-token: only the access token was stored, nothing can refresh it
      refresh_token: o.status === "logged_in" ? o.accessTokenOnly !== true : null,
      supabase_url: o.supabaseUrl,
    });
    return;
  }
  if (o.status === "confirmation_required") {
    ctx.io.print(`Account created for ${o.email}; it needs confirming with the code sent there:`);
    ctx.io.print(`  lgauth signup --confirm --email ${o.email}   (scripts: add --code-stdin)`);
    ctx.io.print("or open the link in that email and then run `lgauth login`.");
    return;
  }
  const where = o.store?.kind === "file" ? "a plain file (0600)" : "the keychain";
  const mfa = o.aal === "aal2" ? " with your second factor" : "";
  if (o.accessTokenOnly) {
    const at = isoTime(o.expiresAt);
    ctx.io.print(
      `Logged in as ${o.email}${mfa} on profile "${o.profile}" with an access token only, stored in ${where}: no refresh token, so it cannot be renewed; it expires ${relativeExpiry(o.expiresAt)}${at ? ` (${at})` : ""}, then log in again.`,
    );
    return;
  }
  ctx.io.print(
    `Logged in as ${o.email}${mfa} on profile "${o.profile}" (token expires ${relativeExpiry(o.expiresAt)}; refresh token in ${where}).`,
  );
}
