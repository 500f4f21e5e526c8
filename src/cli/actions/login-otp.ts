import type { ChosenStore } from "../../session/credentials/select.js";
import type { AuthOutcome, SecondFactorOptions } from "../../session/login.js";
import { otpAuth } from "../../session/otp-login.js";
import { readEmail } from "../auth-input.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { missingValue } from "../prompter.js";
import type { StdinLines } from "../stdin.js";

export interface OtpLoginFlags {
  email?: string;
  codeStdin?: boolean;
}

const CODE = /^[0-9A-Za-z]{4,12}$/;

/** `login --otp`: email, then the code from the email typed at a prompt or read from stdin. */
export async function otpLogin(
  ctx: Context,
  flags: OtpLoginFlags,
  chooseStore: () => Promise<ChosenStore>,
  lines: StdinLines,
  secondFactor: SecondFactorOptions,
): Promise<AuthOutcome> {
  const email = await readEmail(ctx, flags);
  // another user's login on this profile: asked (or --force) before a code is sent
  await secondFactor.confirmUser?.({ email }, () => {});
  // Known before anything is sent: a script without a way to pass the code fails at once.
  if (!flags.codeStdin && !ctx.prompter.available) throw missingValue("the emailed code", "--code-stdin");
  const chosen = await chooseStore();
  return otpAuth(ctx, chosen, {
    email,
    secondFactor,
    sent(to) {
      ctx.io.note(`A login code was sent to ${to}.`);
    },
    async readCode() {
      const code = flags.codeStdin
        ? await lines.next("code", "--code-stdin")
        : await ctx.prompter.text("Code from the email:", "--code-stdin", "code");
      if (!CODE.test(code.trim())) throw new UsageError("that is not a code from the email (letters and digits only)");
      return code.trim();
    },
  });
}
