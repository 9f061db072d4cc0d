/**
 * Token-bucket rate limiting: one bucket per socket for frames, and keyed buckets (per IP, per
 * account) for sockets, conversations and sign-in attempts. Buckets refill continuously.
 *
 * @module
 */

/** A single token bucket: `capacity` tokens, refilled at `perSecond`. */
export class TokenBucket {
  #tokens: number;
  #last: number;
  /** Creates a full bucket. */
  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = capacity;
    this.#last = now();
  }
  /** Takes `n` tokens if available; returns false (taking nothing) when the bucket is short. */
  take(n = 1): boolean {
    const t = this.now();
    this.#tokens = Math.min(
      this.capacity,
      this.#tokens + ((t - this.#last) / 1000) * this.perSecond,
    );
    this.#last = t;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
  /** Gives back `n` tokens taken for something that did not happen (never above capacity). */
  give(n = 1): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + n);
  }
  /** True when the bucket has refilled completely (safe to forget). */
  get full(): boolean {
    const t = this.now();
    return this.#tokens + ((t - this.#last) / 1000) * this.perSecond >= this.capacity;
  }
}

/** Buckets by key (an IP, an email). Full buckets are pruned so memory stays bounded. */
export class KeyedLimiter {
  #buckets = new Map<string, TokenBucket>();
  /** Creates a limiter allowing `capacity` events per key, refilled over `windowMs`. */
  constructor(
    private readonly capacity: number,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}
  /** Records one event for `key`; false when the key is over its limit. */
  take(key: string): boolean {
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= this.maxKeys) this.prune();
      b = new TokenBucket(this.capacity, (this.capacity * 1000) / this.windowMs, this.now);
      this.#buckets.set(key, b);
    }
    return b.take();
  }
  /** Gives back one event of `key` taken for something that did not happen after all. */
  refund(key: string): void {
    this.#buckets.get(key)?.give();
  }
  /** Forgets a key (e.g. after a successful sign-in). */
  reset(key: string): void {
    this.#buckets.delete(key);
  }
  /** Drops buckets that have refilled; called from the sweep. */
  prune(): void {
    for (const [k, b] of this.#buckets) if (b.full) this.#buckets.delete(k);
  }
  /** Number of tracked keys. */
  get size(): number {
    return this.#buckets.size;
  }
}

/** Counts concurrent things per key (sockets per IP). */
export class KeyedCounter {
  #counts = new Map<string, number>();
  /** Creates a counter allowing at most `max` concurrent per key. */
  constructor(private readonly max: number) {}
  /** Increments `key` unless it is at its maximum; returns whether it did. */
  acquire(key: string): boolean {
    const n = this.#counts.get(key) ?? 0;
    if (n >= this.max) return false;
    this.#counts.set(key, n + 1);
    return true;
  }
  /** Decrements `key`. */
  release(key: string): void {
    const n = (this.#counts.get(key) ?? 1) - 1;
    if (n <= 0) this.#counts.delete(key);
    else this.#counts.set(key, n);
  }
}
