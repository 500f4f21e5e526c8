/**
 * Honours logout for locally verified tokens: a signature stays valid until `exp`, so each
 * session is confirmed with Supabase (GET /auth/v1/user) at most once per interval. A session
 * Supabase has refused stays refused. Concurrent requests of one session share one lookup.
 *
 * When Supabase Auth cannot answer (down, 5xx, timeout) the default is to fail open: the token's
 * signature, expiry, issuer and audience were already verified locally, so the request goes
 * through, a warning is logged (once per outage window), and lookups pause for a short
 * back-off so an outage does not add a timeout to every request. Sessions already known to be
 * revoked stay refused. `failOpen: false` (AUTH_REVOCATION=strict) answers 503 instead.
 *
 * The same answer tells how many verified MFA factors the user has (for AUTH_MFA): `check`
 * returns it from the cached lookup, so the MFA rule costs no extra round trip.
 */
import { createHash } from "node:crypto";
import type { VerifiedUser } from "./claims.js";
import { AuthFailure, unauthorized } from "./failure.js";
import { lookupUser, type UpstreamOptions } from "./upstream.js";

interface Entry {
  checkedAt: number;
  revoked: boolean;
  /** From the last answer: the user's verified MFA factors. */
  verifiedFactors?: number;
  pending?: Promise<void>;
}

/** What the lookup said about the session's user; undefined when it could not be asked. */
export interface SessionFacts {
  verifiedFactors: number;
}

export interface RevocationOptions extends UpstreamOptions {
  intervalMs: number;
  /** Entries kept before old ones are dropped (default 50 000). */
  maxEntries?: number;
  now?: () => number;
  /** Let verified tokens through when the auth server cannot answer (default true). */
  failOpen?: boolean;
  /** Where the fail-open warning goes (default console.warn). */
  warn?: (message: string) => void;
  /** How long lookups pause after the auth server failed to answer (default min(interval, 5 s)). */
  outageBackoffMs?: number;
}

export interface RevocationChecker {
  /** Refuses a revoked session; returns what the (cached) lookup said, or undefined when it failed open. */
  check(token: string, user: VerifiedUser): Promise<SessionFacts | undefined>;
  /** Number of calls made to /auth/v1/user so far (for tests and the benchmark). */
  readonly lookups: number;
  /** Requests let through unchecked because the auth server could not answer. */
  readonly failedOpen: number;
}

function sessionKey(token: string, user: VerifiedUser): string {
  if (user.sessionId) return `s:${user.sessionId}`;
  // no session_id claim: the token itself is the unit that can be revoked
  return `t:${createHash("sha256").update(token).digest("base64url")}`;
}

export function createRevocationChecker(opts: RevocationOptions): RevocationChecker {
  const entries = new Map<string, Entry>();
  const now = opts.now ?? Date.now;
  const maxEntries = opts.maxEntries ?? 50_000;
  let lookups = 0;
  let failedOpen = 0;
  const failOpen = opts.failOpen ?? true;
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const backoffMs = opts.outageBackoffMs ?? Math.min(opts.intervalMs, 5_000);
  /** While now() < outageUntil, the auth server is taken to be down and not asked. */
  let outageUntil = -Infinity;
  let warnedOutage = false;

  const factsOf = (entry: Entry): SessionFacts | undefined =>
    entry.verifiedFactors === undefined ? undefined : { verifiedFactors: entry.verifiedFactors };

  function letThrough(reason: string): undefined {
    failedOpen += 1;
    if (!warnedOutage) {
      warnedOutage = true;
      warn(
        `lgauth auth: ${reason}; letting locally verified tokens through without the revocation check ` +
          "(set AUTH_REVOCATION=strict to refuse instead)",
      );
    }
    return undefined;
  }

  function prune(): void {
    if (entries.size < maxEntries) return;
    const cutoff = now() - opts.intervalMs;
    for (const [key, entry] of entries) {
      if (!entry.revoked && !entry.pending && entry.checkedAt < cutoff) entries.delete(key);
    }
    // still full (a flood of distinct sessions): forget the oldest half
    if (entries.size >= maxEntries) {
      let drop = Math.floor(entries.size / 2);
      for (const key of entries.keys()) {
        if (drop-- <= 0) break;
        entries.delete(key);
      }
    }
  }

  async function ask(key: string, token: string, user: VerifiedUser, entry: Entry): Promise<void> {
    lookups += 1;
    const result = await lookupUser(token, opts);
    if (result.ok && result.user.id === user.id) {
      entry.checkedAt = now();
      entry.revoked = false;
      entry.verifiedFactors = result.verifiedFactors;
      return;
    }
    if (!result.ok && result.code === "bad_jwt") {
      // Supabase refused this token itself (expired by its clock, which has no leeway, or bad):
      // the session may be fine, so this request fails and nothing is remembered about it.
      throw unauthorized("token refused by Supabase Auth (expired or invalid)");
    }
    entry.revoked = true;
    entry.checkedAt = now();
    entries.set(key, entry);
  }

  return {
    get lookups() {
      return lookups;
    },
    get failedOpen() {
      return failedOpen;
    },
    async check(token, user) {
      const key = sessionKey(token, user);
      let entry = entries.get(key);
      if (entry?.revoked) throw unauthorized("session has been revoked (logged out)");
      if (entry && !entry.pending && now() - entry.checkedAt < opts.intervalMs) return factsOf(entry);
      // failing open, the last answer (if any) still tells whether the user has a second factor
      if (failOpen && now() < outageUntil)
        return letThrough("Supabase Auth is unavailable") ?? (entry && factsOf(entry));
      if (!entry) {
        prune();
        entry = { checkedAt: 0, revoked: false };
        entries.set(key, entry);
      }
      if (!entry.pending) {
        const current = entry;
        current.pending = ask(key, token, user, current).finally(() => {
          current.pending = undefined;
        });
      }
      try {
        await entry.pending;
      } catch (err) {
        // the auth server could not answer, or refused only this token: nothing is cached
        if (entry.checkedAt === 0) entries.delete(key);
        if (failOpen && err instanceof AuthFailure && err.status === 503) {
          outageUntil = now() + backoffMs;
          return letThrough(err.message) ?? factsOf(entry);
        }
        throw err;
      }
      if (warnedOutage && !entry.revoked) {
        warnedOutage = false; // answered again: the next outage warns again
        outageUntil = -Infinity;
      }
      if (entry.revoked) throw unauthorized("session has been revoked (logged out)");
      return factsOf(entry);
    },
  };
}
