import { changePassword } from "../../session/account.js";
import { sessionAccounts } from "../../session/accounts.js";
import { chooseStoreForLogin } from "../../session/credentials/select.js";
import { resetPassword, sendPasswordReset } from "../../session/password-reset.js";
import { envToken, envTokenRefusal, loadProfileState, requireRunningStack } from "../../session/session.js";
import { LgauthError } from "../../util/errors.js";
import { consentPrompt, readEmail, readNewPassword } from "../auth-input.js";
import { authenticatorCodes } from "../authenticator-codes.js";
import type { Action } from "../command-kit.js";
import { emailedCodes } from "../emailed-codes.js";
import { missingValue } from "../prompter.js";
import { stdinLines } from "../stdin.js";
import { report } from "./login.js";

/** `password change`'s flags (src/cli/commands/account.ts). */
export interface PasswordChangeOptions {
  passwordStdin?: boolean;
  codeStdin?: boolean;
}

/**
 * `lgauth password change`: the new password (twice on a terminal, one line with
 * --password-stdin). Where the project wants the emailed reauthentication code first, lgauth
 * has it sent and asks for it; scripts give it with --code-stdin, on the line before the password.
 */
export const passwordChange: Action<[], PasswordChangeOptions> = async (ctx, _args, opts) => {
  if (!opts.passwordStdin && !ctx.prompter.available) throw missingValue("the new password", "--password-stdin");
  const { profile, settings } = await loadProfileState(ctx);
  requireRunningStack(settings); // before the new password is asked for
  const lines = stdinLines(ctx.io.stdin);
  try {
    // with --code-stdin: the code first (it was emailed by an earlier run), then the password
    const nonce = opts.codeStdin ? await lines.next("code", "--code-stdin") : undefined;
    const ask = () => readNewPassword(ctx, opts, { lines, label: "New password", email: profile?.email });
    const change = (password: string) =>
      changePassword(ctx, {
        password,
        nonce,
        askNonce: ctx.prompter.available
          ? emailedCodes(ctx, { codeStdin: false, lines, question: "Code from the reauthentication email:" })
          : undefined,
        sent: (to) => ctx.io.note(`This project wants a code before a password change: one was sent to ${to}.`),
        // an aal1 session of an account with a second factor: asked on a terminal; --code-stdin
        // is the reauthentication code here, so a script steps up first with `lgauth mfa verify`
        stepUpCodes: authenticatorCodes(ctx, false, lines),
      });
    let result: Awaited<ReturnType<typeof changePassword>> | undefined;
    for (let retry = 0; !result; retry++) {
      try {
        result = await change(await ask());
      } catch (err) {
        // the project's own policy (a longer minimum, required characters) is the server's to
        // say: on a terminal the password is asked for again; nothing was changed or sent
        const again =
          err instanceof LgauthError &&
          (err.code === "weak_password" || err.code === "same_password") &&
          !opts.passwordStdin &&
          retry < 2;
        if (!again) throw err;
        ctx.io.note(`lgauth: ${err.message}; choose another.`);
      }
    }
    const { user } = result;
    if (ctx.json) {
      ctx.io.printJson({ status: "changed", profile: ctx.profile, email: user.email ?? null });
    } else {
      ctx.io.print(
        `Password changed for ${user.email ?? "your account"}; its other sessions were signed out, this one (profile "${ctx.profile}") stays.`,
      );
    }
    return 0;
  } finally {
    await lines.close();
  }
};

/** `password reset`'s flags (src/cli/commands/account.ts). */
export interface PasswordResetOptions {
  email?: string;
  codeStdin?: boolean;
  passwordStdin?: boolean;
  insecureStorage?: boolean;
}

/**
 * `lgauth password reset`: a forgotten password. On a terminal it has the recovery email sent,
 * asks for its code and the new password (twice) and logs the profile in. In scripts, without
 * --code-stdin it only sends the email; with it, it sends nothing and reads the code (first
 * line) and the new password (next line), sets it and logs in.
 */
export const passwordReset: Action<[], PasswordResetOptions> = async (ctx, _args, opts) => {
  if (envToken(ctx.env)) throw envTokenRefusal("reset the password");
  const { profile, settings } = await loadProfileState(ctx);
  requireRunningStack(settings); // before the email is asked for
  // the profile's own account unless --email names another
  const email = await readEmail(ctx, { email: opts.email ?? profile?.email });
  const terminal = ctx.prompter.available;
  if (!opts.codeStdin && !terminal) {
    await sendPasswordReset(ctx, email);
    if (ctx.json) {
      ctx.io.printJson({ status: "sent", email });
      return 0;
    }
    ctx.io.print(`If ${email} has an account, a password reset code was sent there. Finish with:`);
    ctx.io.print(
      `  printf '%s\\n%s\\n' "$CODE" "$NEW_PASSWORD" | lgauth password reset --email ${email} --code-stdin --password-stdin`,
    );
    return 0;
  }
  // known before anything is asked: a script cannot type the new password
  if (!opts.passwordStdin && !terminal) throw missingValue("the new password", "--password-stdin");
  const chosen = await chooseStoreForLogin(ctx, {
    insecureStorage: opts.insecureStorage === true,
    probeAccount: sessionAccounts(ctx.profile, settings.supabaseUrl, settings.localStack !== undefined).refresh,
    confirm: consentPrompt(ctx),
  });
  if (!opts.codeStdin) {
    await sendPasswordReset(ctx, email);
    ctx.io.note(`If ${email} has an account, a password reset code was sent there.`);
  }
  const lines = stdinLines(ctx.io.stdin);
  try {
    // stdin in a script: the code, the new password, then an authenticator code if the account
    // has a second factor (asked after the code is verified, before the password is set), so
    // the first two lines are read here, in that order
    const scripted = opts.codeStdin ? await lines.next("code", "--code-stdin") : undefined;
    const scriptedPassword =
      scripted !== undefined && opts.passwordStdin ? await readNewPassword(ctx, opts, { lines }) : undefined;
    const codes =
      scripted !== undefined
        ? { attempts: 1, read: async () => scripted }
        : emailedCodes(ctx, {
            codeStdin: false,
            lines,
            question: `Code from the password reset email sent to ${email}:`,
          });
    if (!codes) throw missingValue("the emailed code", "--code-stdin");
    const outcome = await resetPassword(ctx, chosen, {
      email,
      codes,
      password: {
        attempts: opts.passwordStdin ? 1 : 3,
        async read(refused) {
          if (refused) ctx.io.note(`lgauth: ${refused}; choose another.`);
          return scriptedPassword ?? readNewPassword(ctx, opts, { lines, label: "New password", email });
        },
      },
      secondFactor: { codes: authenticatorCodes(ctx, opts.codeStdin, lines) },
    }).catch((err: unknown) => {
      if (err instanceof LgauthError && err.code === "otp_expired") {
        throw new LgauthError("otp_expired", `${err.message}; the password is not changed`, {
          hint: `get a new one with \`lgauth password reset --email ${email}\``,
        });
      }
      throw err;
    });
    if (!ctx.json) ctx.io.note(`Password changed for ${outcome.email}.`);
    report(ctx, outcome);
    return 0;
  } finally {
    await lines.close();
  }
};
