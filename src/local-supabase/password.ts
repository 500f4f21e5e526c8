/** GoTrue's password policy (internal/api/password.go) and bcrypt at GoTrue's cost. */
import { randomBytes } from "node:crypto";
import { channel } from "node:diagnostics_channel";
import bcrypt from "bcryptjs";
import { badRequest, WeakPasswordError } from "./errors.js";

export const BCRYPT_COST = 10; // golang.org/x/crypto/bcrypt DefaultCost, used by GoTrue
export const MAX_PASSWORD_LENGTH = 72;

/** The server's password policy (pass `app.config`). */
export interface PasswordPolicy {
  passwordMinLength: number;
  /** GoTrue PASSWORD_REQUIRED_CHARACTERS: one character of each set. */
  passwordRequiredCharacters: readonly string[];
}

/**
 * Throws 400 validation_failed for >72 bytes, WeakPasswordError (reasons `length`,
 * `characters`, messages joined as GoTrue joins them) for a password the policy refuses.
 */
export function checkPasswordStrength(password: string, policy: PasswordPolicy): void {
  const bytes = Buffer.byteLength(password, "utf8");
  if (bytes > MAX_PASSWORD_LENGTH) {
    throw badRequest("validation_failed", `Password cannot be longer than ${MAX_PASSWORD_LENGTH} characters`);
  }
  const reasons: string[] = [];
  const messages: string[] = [];
  if (bytes < policy.passwordMinLength) {
    reasons.push("length");
    messages.push(`Password should be at least ${policy.passwordMinLength} characters.`);
  }
  const sets = policy.passwordRequiredCharacters;
  if (sets.some((set) => set !== "" && ![...set].some((c) => password.includes(c)))) {
    reasons.push("characters");
    messages.push(`Password should contain at least one character of each: ${sets.join(", ")}.`);
  }
  if (reasons.length > 0) throw new WeakPasswordError(messages.join(" "), reasons);
}

/** The strength failure for a password, if any (sign-in reports it as `weak_password`). */
export function passwordWeakness(password: string, policy: PasswordPolicy): WeakPasswordError | undefined {
  try {
    checkPasswordStrength(password, policy);
    return undefined;
  } catch (err) {
    return err instanceof WeakPasswordError ? err : undefined;
  }
}

export function hashPassword(password: string): Promise<string> {
  if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_LENGTH) {
    // what Go's bcrypt says (bcrypt.ErrPasswordTooLong)
    return Promise.reject(badRequest("validation_failed", "bcrypt: password length exceeds 72 bytes"));
  }
  if (hashChannel.hasSubscribers) hashChannel.publish({ rounds: BCRYPT_COST });
  return bcrypt.hash(password, BCRYPT_COST);
}

/**
 * A bcrypt hash at BCRYPT_COST of a random secret nobody knows: a login for an email without an
 * account (or without a password) is compared against it, so it costs what a wrong password
 * costs and its time does not tell which emails have accounts.
 */
export const DUMMY_PASSWORD_HASH = "$2b$10$4Z72M2B7rsqgAXMbFdpaZeg6lQEBl/EgkDB0V322rerFrrbaBiTCS";

/**
 * Named diagnostics channel with one message per bcrypt comparison, `{ rounds }` (its cost):
 * lets tests and tracing count the work a request did without timing it.
 */
export const BCRYPT_COMPARE_CHANNEL = "lgauth:local-supabase:bcrypt-compare";
const compareChannel = channel(BCRYPT_COMPARE_CHANNEL);
/** The same for every bcrypt hash the server computes (a new password), `{ rounds }`. */
export const BCRYPT_HASH_CHANNEL = "lgauth:local-supabase:bcrypt-hash";
const hashChannel = channel(BCRYPT_HASH_CHANNEL);

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (!hash) return false;
  if (compareChannel.hasSubscribers) compareChannel.publish({ rounds: bcryptRounds(hash) });
  try {
    return await bcrypt.compare(password, hash);
  } catch {
    return false;
  }
}

function bcryptRounds(hash: string): number | undefined {
  try {
    return bcrypt.getRounds(hash);
  } catch {
    return undefined;
  }
}

/** GoTrue gives admin-created users without a password a random 64-character one. */
export function randomPassword(): string {
  return randomBytes(48).toString("base64url").slice(0, 64);
}
