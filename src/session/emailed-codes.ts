/**
 * Codes Supabase Auth sends by email (sign-up confirmation, password recovery, email change,
 * reauthentication): where they come from, and trying them. The CLI supplies the source (a
 * prompt with a few tries, or one line of stdin); nothing here keeps a code.
 */
import { LgauthError } from "../util/errors.js";

/** Where emailed codes come from. */
export interface EmailedCodeSource {
  /** How many codes may be tried before giving up. */
  attempts: number;
  /** The code; `refused` says why the previous one was not accepted (undefined on the first ask). */
  read(refused?: string): Promise<string>;
}

/** GoTrue's emailed codes: MAILER_OTP_LENGTH digits (6 to 10); letters allowed for other servers. */
const CODE = /^[0-9A-Za-z]{4,12}$/;

/** GoTrue's answers that mean "not this code" (wrong, used, replaced by a newer one, expired). */
const REFUSED = new Set(["otp_expired", "reauthentication_not_valid"]);

/**
 * Reads codes from `source` and hands each to `use` until one is accepted; a code refused by
 * the server (an LgauthError with code otp_expired or reauthentication_not_valid) is asked for
 * again while tries are left, then its error is thrown. Anything else is thrown at once.
 */
export async function tryEmailedCodes<T>(source: EmailedCodeSource, use: (code: string) => Promise<T>): Promise<T> {
  let refused: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const code = (await source.read(refused)).trim();
    if (!CODE.test(code)) {
      refused = "that is not a code from the email (letters and digits only)";
      if (attempt < source.attempts) continue;
      throw new LgauthError("invalid_input", refused);
    }
    try {
      return await use(code);
    } catch (err) {
      if (!(err instanceof LgauthError) || !REFUSED.has(err.code) || attempt >= source.attempts) throw err;
      refused = "that code was not accepted (wrong, already used, replaced by a newer one, or expired)";
    }
  }
}
