/**
 * A forgotten password (GoTrue /recover, /verify type recovery, PUT /user): the emailed code
 * opens a session, the new password is set in it, and that session becomes the profile's. A
 * login like any other: an account with a second factor is asked for its code before the
 * password is set (GoTrue wants aal2 for that), and nothing is stored unless all of it worked.
 */
import { LgauthError } from "../util/errors.js";
import { asAuthError, authFailure } from "./auth-errors.js";
import type { ChosenStore } from "./credentials/select.js";
import { type EmailedCodeSource, tryEmailedCodes } from "./emailed-codes.js";
import {
  type AuthOutcome,
  type SecondFactorOptions,
  completeLogin,
  openLoginClient,
  verifyEmailedCode,
} from "./login.js";
import { openMemoryClient } from "./memory-client.js";
import type { SessionContext } from "./session.js";

/**
 * Has Supabase Auth email a recovery code (and link) to `email`. GoTrue answers alike whether
 * or not the address has an account; only its send interval is an error.
 */
export async function sendPasswordReset(ctx: SessionContext, email: string): Promise<void> {
  const { client, url } = await openMemoryClient(ctx);
  const { error } = await client.auth.resetPasswordForEmail(email);
  if (error) throw authFailure(error, url, client.wire, email);
}

/** Where the new password comes from: `refused` says why the previous one was not taken. */
export interface NewPasswordSource {
  attempts: number;
  read(refused?: string): Promise<string>;
}

/** GoTrue's refusals of a new password that another one may fix. */
const RETRY = new Set(["weak_password", "same_password"]);

export async function resetPassword(
  ctx: SessionContext,
  chosen: ChosenStore,
  opts: {
    email: string;
    codes: EmailedCodeSource;
    password: NewPasswordSource;
    secondFactor?: SecondFactorOptions;
  },
): Promise<AuthOutcome> {
  const login = await openLoginClient(ctx, chosen);
  const { client, url } = login;
  const user = await tryEmailedCodes(opts.codes, (token) => verifyEmailedCode(login, opts.email, token, "recovery"));
  const setPassword = async () => {
    let refused: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const password = await opts.password.read(refused);
      const { error } = await client.auth.updateUser({ password });
      if (!error) return;
      const e = asAuthError(error);
      const failure =
        e?.code === "same_password"
          ? new LgauthError("same_password", "the new password is the one the account already has")
          : authFailure(error, url, client.wire, opts.email);
      if (!e?.code || !RETRY.has(e.code) || attempt >= opts.password.attempts) throw failure;
      refused = failure.message;
    }
  };
  return completeLogin(ctx, login, chosen, user, { email: opts.email }, opts.secondFactor, setPassword);
}
