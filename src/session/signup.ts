/**
 * The rest of a sign-up that waits for email confirmation: completing it with the emailed code
 * (GoTrue /verify type signup, which opens a session: the profile is logged in), and sending
 * the confirmation again (/resend).
 */
import { authFailure } from "./auth-errors.js";
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

/** Confirms `email` with a code from `codes` and logs the profile in (nothing stored on failure). */
export async function confirmSignup(
  ctx: SessionContext,
  chosen: ChosenStore,
  opts: { email: string; codes: EmailedCodeSource; secondFactor?: SecondFactorOptions },
): Promise<AuthOutcome> {
  const login = await openLoginClient(ctx, chosen);
  const user = await tryEmailedCodes(opts.codes, (token) => verifyEmailedCode(login, opts.email, token, "signup"));
  return completeLogin(ctx, login, chosen, user, { email: opts.email }, opts.secondFactor);
}

/**
 * Sends the sign-up confirmation of `email` again (a new code replaces the old one). GoTrue
 * answers the same whether or not the address waits for confirmation, and sends nothing when
 * it does not; only its send interval ("after N seconds") is an error.
 */
export async function resendConfirmation(ctx: SessionContext, email: string): Promise<void> {
  const { client, url } = await openMemoryClient(ctx);
  const { error } = await client.auth.resend({ type: "signup", email });
  if (error) throw authFailure(error, url, client.wire, email);
}
