/**
 * An authenticator app for tests: TOTP codes for one secret, computed with the otpauth library.
 * Supabase Auth accepts each 30 s time step once per factor, within one step of its clock either
 * way, so each code is for a step after the last one handed out: the previous step while it has
 * a few seconds of validity left, else the current one, else the next, else it waits for the
 * clock. So three codes are ready at once, and a fourth may wait up to 30 s.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Secret, TOTP } from "otpauth";

const PERIOD_MS = 30_000;
/** A code for the previous step is used only with at least this much of the current step left. */
const MARGIN_MS = 8_000;

export interface Authenticator {
  /** A code the server has not seen yet. */
  code(): Promise<string>;
  /** A code for a step long past (a wrong code that looks right). */
  stale(): string;
  /**
   * The code the app showed two steps (30-60 s) ago: just out of the server's window of one
   * step either way, as a code read off the app and typed too late.
   */
  expired(): string;
}

export function authenticator(secret: string): Authenticator {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 });
  let last = Number.NEGATIVE_INFINITY;
  return {
    async code() {
      for (;;) {
        const now = Date.now();
        const step = Math.floor(now / PERIOD_MS);
        const leftInStep = (step + 1) * PERIOD_MS - now;
        const candidates = [leftInStep >= MARGIN_MS ? step - 1 : undefined, step, step + 1];
        const next = candidates.find((s): s is number => s !== undefined && s > last);
        if (next !== undefined) {
          last = next;
          return totp.generate({ timestamp: next * PERIOD_MS });
        }
        await sleep(500);
      }
    },
    stale() {
      return totp.generate({ timestamp: Date.now() - 10 * PERIOD_MS });
    },
    expired() {
      return totp.generate({ timestamp: (Math.floor(Date.now() / PERIOD_MS) - 2) * PERIOD_MS });
    },
  };
}
