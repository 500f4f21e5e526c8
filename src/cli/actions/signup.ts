import { confirmSignup, resendConfirmation } from "../../session/signup.js";
import { sessionAccounts } from "../../session/accounts.js";
import { chooseStoreForLogin } from "../../session/credentials/select.js";
import type { EmailedCodeSource } from "../../session/emailed-codes.js";
import { type AuthOutcome, passwordAuth } from "../../session/login.js";
import { loadProfileState, requireRunningStack } from "../../session/session.js";
import { envToken, envTokenRefusal } from "../../session/env-token.js";
import { LgauthError } from "../../util/errors.js";
import { consentPrompt, readEmail, readNewPassword } from "../auth-input.js";
import { authenticatorCodes } from "../authenticator-codes.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { emailedCodes } from "../emailed-codes.js";
import { missingValue } from "../prompter.js";
import { replaceGuard } from "../replace-guard.js";
import { type StdinLines, stdinLines } from "../stdin.js";
import { report } from "./login.js";

/**
 * `signup`'s flags as commander leaves them (src/cli/commands/auth.ts): --resend and --confirm
 * exclude each other and the sign-up's own flags; --name non-empty, --data key=value pairs.
 */
export interface SignupOptions {
  email?: string;
  passwordStdin?: boolean;
  insecureStorage?: boolean;
  name?: string;
  data?: Record<string, string>;
  resend?: boolean;
  confirm?: boolean;
  codeStdin?: boolean;
  /** Replace the login of another user on this profile without asking. */
  force?: boolean;
}

/** How many times a terminal is asked for another password after the project refused one as weak. */
const WEAK_RETRIES = 3;

/** The user_metadata a sign-up sends: --data, and --name as display_name (the dashboard's). */
function metadata(opts: SignupOptions): Record<string, string> | undefined {
  const data = { ...opts.data, ...(opts.name === undefined ? {} : { display_name: opts.name.trim() }) };
  return Object.keys(data).length > 0 ? data : undefined;
}

/** A wrong or stale confirmation code: how to get a new one. */
function resendHint(err: unknown, email: string): unknown {
  if (err instanceof LgauthError && err.code === "otp_expired") {
    return new LgauthError("otp_expired", err.message, {
      hint: `get a new one with \`lgauth signup --resend --email ${email}\``,
    });
  }
  return err;
}

/**
 * Creates the account; logs in at once when the project needs no email confirmation. When it
 * does, the emailed code completes the sign-up (a prompt, or --code-stdin), else the command
 * says how to finish later. --confirm completes a waiting sign-up; --resend sends its code again.
 */
export const signup: Action<[], SignupOptions> = async (ctx, _args, opts) => {
  if (envToken(ctx.env)) throw envTokenRefusal("sign up");
  const { settings } = await loadProfileState(ctx);
  // before anything is asked: an email and password typed for a stack that is not running are lost
  requireRunningStack(settings);
  if (opts.resend) return resend(ctx, opts);
  const email = await readEmail(ctx, opts);
  // signing up logs in: another user's login on this profile is replaced only when asked for
  await (await replaceGuard(ctx, opts.force === true)).check({ email });
  // known before anything is sent: a script that cannot give the code fails at once
  if (opts.confirm && !opts.codeStdin && !ctx.prompter.available)
    throw missingValue("the emailed code", "--code-stdin");
  const chosen = await chooseStoreForLogin(ctx, {
    insecureStorage: opts.insecureStorage === true,
    probeAccount: sessionAccounts(ctx.profile, settings.supabaseUrl, settings.localStack !== undefined).refresh,
    confirm: consentPrompt(ctx),
  });
  // stdin a line at a time: the password, then the emailed code, then an authenticator code
  const lines = stdinLines(ctx.io.stdin);
  try {
    const secondFactor = { codes: authenticatorCodes(ctx, opts.codeStdin, lines) };
    const question = `Code from the confirmation email sent to ${email}:`;
    const confirm = async (codes: EmailedCodeSource): Promise<AuthOutcome> => {
      try {
        return await confirmSignup(ctx, chosen, { email, codes, secondFactor });
      } catch (err) {
        throw resendHint(err, email);
      }
    };
    if (opts.confirm) {
      const codes = emailedCodes(ctx, { codeStdin: opts.codeStdin, lines, question });
      if (!codes) throw missingValue("the emailed code", "--code-stdin");
      report(ctx, await confirm(codes));
      return 0;
    }
    const outcome = await signUpWithNewPassword(ctx, opts, email, lines, (password) =>
      passwordAuth(ctx, "signup", email, password, chosen, undefined, metadata(opts)),
    );
    // with --json on a terminal nothing is asked (the prompt would write to stdout)
    const codes =
      outcome.status === "confirmation_required" && (opts.codeStdin || !ctx.json)
        ? emailedCodes(ctx, { codeStdin: opts.codeStdin, lines, question })
        : undefined;
    if (codes) {
      ctx.io.note(`Account created for ${email}; a confirmation code was sent there.`);
      report(ctx, await confirm(codes));
      return 0;
    }
    // the project confirms no addresses: the account exists and is logged in, say both
    if (outcome.status === "logged_in" && !ctx.json) ctx.io.print(`Account created for ${email}.`);
    report(ctx, outcome);
    return 0;
  } finally {
    await lines.close();
  }
};

/**
 * Asks for the new password (checked here first, see readNewPassword) and signs up with it; on a
 * terminal a password the project's own policy refuses (longer minimum, required characters,
 * leaked) is asked for again with the server's reasons, since no account was created.
 */
async function signUpWithNewPassword(
  ctx: Context,
  opts: SignupOptions,
  email: string,
  lines: StdinLines,
  signUp: (password: string) => Promise<AuthOutcome>,
): Promise<AuthOutcome> {
  for (let retry = 0; ; retry++) {
    const password = await readNewPassword(ctx, opts, { lines, email });
    try {
      return await signUp(password);
    } catch (err) {
      const again =
        err instanceof LgauthError && err.code === "weak_password" && !opts.passwordStdin && retry < WEAK_RETRIES;
      if (!again) throw err;
      ctx.io.note(`lgauth: ${err.message}; try another.`);
    }
  }
}

async function resend(ctx: Context, opts: SignupOptions): Promise<number> {
  const email = await readEmail(ctx, opts);
  await resendConfirmation(ctx, email);
  if (ctx.json) {
    ctx.io.printJson({ status: "sent", email });
    return 0;
  }
  // GoTrue answers alike for every address (and sends nothing to one that needs no confirmation)
  ctx.io.print(`If ${email} is waiting for confirmation, a new code and link were sent there.`);
  ctx.io.print(`Finish with \`lgauth signup --confirm --email ${email}\` (scripts: add --code-stdin).`);
  return 0;
}
