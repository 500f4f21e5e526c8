import { authFailure } from "./auth-errors.js";
import type { ChosenStore } from "./credentials/select.js";
import {
  type AuthOutcome,
  type SecondFactorOptions,
  completeLogin,
  openLoginClient,
  verifyEmailedCode,
} from "./login.js";
import type { SessionContext } from "./session.js";

export interface OtpLoginOptions {
  email: string;
  /** Called once the email has been sent; returns the code the user read from it. */
  readCode(): Promise<string>;
  /** Tells the user where the code went. */
  sent(email: string): void;
  /** The authenticator code, when the user has a second factor. */
  secondFactor?: SecondFactorOptions;
}

/**
 * `login --otp`: supabase-js's signInWithOtp (Supabase Auth emails a one-time code) and
 * verifyOtp with the code the user types. No browser, no port: the SSH and container login.
 * Only for existing accounts (`lgauth signup` creates them).
 */
export async function otpAuth(ctx: SessionContext, chosen: ChosenStore, opts: OtpLoginOptions): Promise<AuthOutcome> {
  const login = await openLoginClient(ctx, chosen);
  const { client, url } = login;
  // never a sign-up: a mistyped address must not become an empty account (GoTrue then answers
  // otp_disabled, "there is no account")
  const sent = await client.auth.signInWithOtp({ email: opts.email, options: { shouldCreateUser: false } });
  if (sent.error) throw authFailure(sent.error, url, client.wire, opts.email);
  opts.sent(opts.email);
  const token = (await opts.readCode()).trim();
  const user = await verifyEmailedCode(login, opts.email, token, "email");
  return completeLogin(ctx, login, chosen, user, { email: opts.email }, opts.secondFactor);
}
