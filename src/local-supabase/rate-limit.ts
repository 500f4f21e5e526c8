/**
 * Per-client token buckets, like GoTrue's tollbooth limiters: `limit` requests per `window`
 * seconds with a burst of `limit`. Over the limit: 429 over_request_rate_limit.
 */
import { tooManyRequests } from "./errors.js";

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly limit: number,
    windowSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = limit / (windowSeconds * 1000);
  }

  /** Takes one request from `key`'s bucket or throws the 429. */
  take(key: string): void {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.limit, at: t };
    b.tokens = Math.min(this.limit, b.tokens + (t - b.at) * this.perMs);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      throw tooManyRequests("over_request_rate_limit", "Request rate limit reached");
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.prune(t);
  }

  private prune(t: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + (t - b.at) * this.perMs >= this.limit) this.buckets.delete(key);
    }
  }
}
