/**
 * The per-token request limit of the public API: a token bucket per token holding a minute's
 * worth of requests (`PARLEY_API_RATE_PER_MINUTE`), refilled continuously. Each answer says
 * what is left, for the `X-RateLimit-*` and `Retry-After` headers.
 *
 * @module
 */

/** The outcome of one request against the limit. */
export interface RateDecision {
  ok: boolean;
  /** Requests per minute. */
  limit: number;
  /** Whole requests left now. */
  remaining: number;
  /** When refused: seconds until one request is allowed again (at least 1). */
  retryAfterSeconds: number;
}

/** Buckets by token id; full ones are pruned so memory stays bounded. */
export class ApiRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #perMs: number;

  /** Allows `perMinute` requests per key and minute (and as a burst). */
  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#perMs = perMinute / 60_000;
  }

  /** Counts one request of `key`. */
  take(key: string): RateDecision {
    const t = this.now();
    if (this.#buckets.size > 10_000) this.prune();
    const b = this.#buckets.get(key) ?? { tokens: this.perMinute, at: t };
    b.tokens = Math.min(this.perMinute, b.tokens + (t - b.at) * this.#perMs);
    b.at = t;
    this.#buckets.set(key, b);
    if (b.tokens < 1) {
      const wait = Math.max(1, Math.ceil((1 - b.tokens) / this.#perMs / 1000));
      return { ok: false, limit: this.perMinute, remaining: 0, retryAfterSeconds: wait };
    }
    b.tokens -= 1;
    return {
      ok: true,
      limit: this.perMinute,
      remaining: Math.floor(b.tokens),
      retryAfterSeconds: 0,
    };
  }

  /** Drops buckets that have refilled. */
  prune(): void {
    const t = this.now();
    for (const [k, b] of this.#buckets) {
      if (b.tokens + (t - b.at) * this.#perMs >= this.perMinute) this.#buckets.delete(k);
    }
  }
}
