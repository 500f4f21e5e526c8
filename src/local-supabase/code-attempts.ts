/**
 * Our rule against guessing one-time codes (GoTrue has only the per-IP /verify limit): after
 * MAX_WRONG_CODES wrong codes for one subject (an email address; an MFA factor or challenge),
 * the subject's outstanding codes are void and a new one must be requested. An attempt is taken
 * before the code is checked, so parallel guesses cannot check more than the limit either.
 *
 * Use: `if (!attempts.take(s)) { void s's codes; refuse }`, check the code, then
 * `attempts.reset(s)` on success, or on a wrong code `if (attempts.wrong(s)) void s's codes`.
 * Sending a new code also calls `reset(s)`: each code gets its five tries.
 * A TOTP factor has no new code to send (its codes follow the clock), so its subject
 * ("factor:<id>") is held instead: `take(s, holdMs)` and, on a wrong code, `spent(s)` (void the
 * factor's challenges) without starting the count over; its attempts come back `holdMs` after
 * the last counted one, or with a right code.
 * Subjects are opaque strings: prefix them by kind ("email:", "factor:").
 */
import type { Queryable } from "./db.js";

export const MAX_WRONG_CODES = 5;

interface Entry {
  count: number;
  /** when the last counted attempt was taken (a refused one does not move it) */
  at: number;
  forgetAfterMs: number;
}

export class CodeAttempts {
  private readonly entries = new Map<string, Entry>();

  /**
   * @param forgetAfterMs how long a count outlives its last attempt: at least the codes' life,
   *   so a count is never forgotten while the codes it guards still work.
   */
  constructor(
    private readonly forgetAfterMs: number,
    readonly limit = MAX_WRONG_CODES,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes one attempt; false when the subject has none left (refuse unchecked, void its codes).
   * `forgetAfterMs` overrides the constructor's for this subject (a factor's hold).
   */
  take(subject: string, forgetAfterMs = this.forgetAfterMs): boolean {
    const t = this.now();
    if (this.entries.size > 10_000) this.prune(t);
    const e = this.live(subject, t) ?? { count: 0, at: t, forgetAfterMs };
    if (e.count >= this.limit) return false; // refused unchecked: the hold does not grow with it
    e.count += 1;
    e.at = t;
    this.entries.set(subject, e);
    return true;
  }

  /** True when the subject has used up its attempts (they stay used up until forgotten or reset). */
  spent(subject: string): boolean {
    return (this.live(subject, this.now())?.count ?? 0) >= this.limit;
  }

  /** The code was right, or a new code was sent: the count starts over. */
  reset(subject: string): void {
    this.entries.delete(subject);
  }

  /** The code was wrong. True when that used up the attempts: void the subject's codes now (the count starts over). */
  wrong(subject: string): boolean {
    const e = this.live(subject, this.now());
    if (!e || e.count < this.limit) return false;
    this.entries.delete(subject);
    return true;
  }

  private live(subject: string, t: number): Entry | undefined {
    const e = this.entries.get(subject);
    if (e && t - e.at > e.forgetAfterMs) {
      this.entries.delete(subject);
      return undefined;
    }
    return e;
  }

  private prune(t: number): void {
    for (const [subject, e] of this.entries) if (t - e.at > e.forgetAfterMs) this.entries.delete(subject);
  }
}

/**
 * Voids every emailed code for `email`: its signup or invite confirmation, magic link and
 * recovery codes, reauthentication nonce, the code for changing away from it, and an email
 * change to it. Add new per-address code columns here.
 */
export async function voidEmailCodes(db: Queryable, email: string): Promise<void> {
  const now = new Date().toISOString();
  await db.query(
    `update users set confirmation_token = '', recovery_token = '', email_change_token_current = '',
       reauthentication_token = '', updated_at = $2
     where email = $1 and (confirmation_token <> '' or recovery_token <> '' or email_change_token_current <> ''
       or reauthentication_token <> '')`,
    [email, now],
  );
  await db.query(
    "update users set email_change_token_new = '', updated_at = $2 where email_change = $1 and email_change_token_new <> ''",
    [email, now],
  );
}
