import { consentPrompt, readEmail, readPassword, refusePasswordFlag } from "../auth-input.js";
import { isoTime, relativeExpiry } from "../auth-format.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { readFirstLine } from "../stdin.js";
import { sessionAccounts } from "../../session/accounts.js";
import { chooseStoreForLogin } from "../../session/credentials/select.js";
import { type AuthOutcome, passwordAuth, tokenAuth } from "../../session/login.js";
import { envToken, envTokenRefusal, loadProfileState } from "../../session/session.js";

export interface LoginOptions {
  email?: string;
  passwordStdin?: boolean;
  withToken?: boolean;
  provider?: string;
  browser?: boolean;
  scopes?: string;
  timeout?: string;
  otp?: boolean;
  codeStdin?: boolean;
  insecureStorage?: boolean;
  password?: string;
}

export const login: Action<string[], LoginOptions> = async (ctx, _args, opts) => {
  refusePasswordFlag(opts.password);
  checkMethodFlags(opts);
  if (envToken(ctx.env)) throw envTokenRefusal("log in");
  const { settings } = await loadProfileState(ctx);
  const account = sessionAccounts(ctx.profile, settings.supabaseUrl, settings.localStack !== undefined).refresh;
  const chooseStore = () =>
    chooseStoreForLogin(ctx, {
      insecureStorage: opts.insecureStorage === true,
      probeAccount: account,
      confirm: consentPrompt(ctx),
    });
  let outcome: AuthOutcome;
  if (opts.provider !== undefined) {
    const { browserLogin } = await import("./login-browser.js");
    outcome = await browserLogin(ctx, opts.provider, opts, chooseStore);
  } else if (opts.otp) {
    const { otpLogin } = await import("./login-otp.js");
    outcome = await otpLogin(ctx, opts, chooseStore);
  } else if (opts.withToken) {
    const token = await readFirstLine("access token", "--with-token", ctx.io.stdin);
    outcome = await tokenAuth(ctx, token, await chooseStore());
  } else {
    const email = await readEmail(ctx, opts);
    // Where the tokens will go is settled before the password is asked for, so nobody types a
    // password only to be told that nothing can be stored.
    const chosen = await chooseStore();
    const password = await readPassword(ctx, opts, false);
    outcome = await passwordAuth(ctx, "login", email, password, chosen);
  }
  report(ctx, outcome);
  return 0;
};

/** One login method per run, and each method's flags only with it. */
function checkMethodFlags(opts: LoginOptions): void {
  const methods = [
    opts.provider !== undefined && "--provider",
    opts.otp && "--otp",
    opts.withToken && "--with-token",
    opts.passwordStdin && "--password-stdin",
  ].filter((m): m is string => typeof m === "string");
  if (methods.length > 1) throw new UsageError(`${methods.join(" and ")} cannot be used together`);
  if (opts.provider === undefined) {
    for (const [given, flag] of [
      [opts.browser === false, "--no-browser"],
      [opts.scopes !== undefined, "--scopes"],
    ] as const) {
      if (given) throw new UsageError(`${flag} goes with --provider`);
    }
  }
  if (opts.codeStdin && !opts.otp) throw new UsageError("--code-stdin goes with --otp");
  if (opts.provider !== undefined && !/^[A-Za-z0-9_:.-]{1,64}$/.test(opts.provider)) {
    throw new UsageError(`"${opts.provider.slice(0, 80)}" is not a provider name`, "e.g. --provider github");
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
      credential_store: o.store?.kind ?? null,
      supabase_url: o.supabaseUrl,
    });
    return;
  }
  if (o.status === "confirmation_required") {
    ctx.io.print(`Account created for ${o.email}. Confirm it with the link sent by email, then run \`lgauth login\`.`);
    return;
  }
  const where = o.store?.kind === "file" ? "a plain file (0600)" : "the keychain";
  ctx.io.print(
    `Logged in as ${o.email} on profile "${o.profile}" (token expires ${relativeExpiry(o.expiresAt)}; refresh token in ${where}).`,
  );
}
