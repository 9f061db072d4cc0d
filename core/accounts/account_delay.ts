/**
 * The growing, bounded delay before a sign-in attempt on an account that has seen failures.
 * Counting attempts per account and refusing past a limit would hand attackers a lock-out: five
 * wrong guesses from anywhere would keep the owner out. A delay instead slows every guesser of
 * the account (wherever they come from) without ever refusing the right password, and it is
 * capped so the owner signing in from a new address waits a few seconds at most. Known browsers
 * (`known_browser.ts`) skip it altogether.
 *
 * @module
 */

/** How the delay grows. */
export interface AccountDelayOptions {
  /** Failures within `windowMs` that cost nothing (the owner mistyping). */
  freeFailures: number;
  /** The first delay; each further failure doubles it. */
  baseMs: number;
  /** The cap; 0 turns the delay off. */
  maxMs: number;
  /** A failure is forgotten this long after the account's last failure. */
  windowMs: number;
  /** Accounts tracked at most; the oldest are forgotten first, so memory stays bounded. */
  maxKeys?: number;
  now?: () => number;
}

/** Failures per account and the delay they earn. */
export class AccountDelay {
  #failures = new Map<string, { count: number; last: number }>();
  /** Creates an empty tracker. */
  constructor(private readonly opts: AccountDelayOptions) {}

  /**
   * The delay the next attempt on `account` waits, in ms: 0 for the first `freeFailures`
   * failures, then `baseMs` doubling with each failure, never more than `maxMs`.
   */
  delayMs(account: string): number {
    const f = this.#current(account);
    const over = (f?.count ?? 0) - this.opts.freeFailures;
    if (over <= 0 || this.opts.maxMs === 0) return 0;
    // The exponent is capped so a long attack cannot overflow to Infinity.
    return Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** Math.min(over - 1, 30));
  }

  /** Records a failed attempt on `account`. */
  failed(account: string): void {
    const now = this.#now();
    const count = (this.#current(account)?.count ?? 0) + 1;
    // Re-inserting keeps the map in order of last failure, oldest first, for the eviction.
    this.#failures.delete(account);
    if (this.#failures.size >= (this.opts.maxKeys ?? 100_000)) this.prune();
    if (this.#failures.size >= (this.opts.maxKeys ?? 100_000)) {
      const oldest = this.#failures.keys().next();
      if (!oldest.done) this.#failures.delete(oldest.value);
    }
    this.#failures.set(account, { count, last: now });
  }

  /** Forgets the failures of `account` (after a successful sign-in). */
  succeeded(account: string): void {
    this.#failures.delete(account);
  }

  /** Forgets failures older than the window. */
  prune(): void {
    const cutoff = this.#now() - this.opts.windowMs;
    for (const [k, f] of this.#failures) if (f.last < cutoff) this.#failures.delete(k);
  }

  /** Number of tracked accounts. */
  get size(): number {
    return this.#failures.size;
  }

  #current(account: string): { count: number; last: number } | undefined {
    const f = this.#failures.get(account);
    if (f && f.last < this.#now() - this.opts.windowMs) {
      this.#failures.delete(account);
      return undefined;
    }
    return f;
  }

  #now(): number {
    return (this.opts.now ?? Date.now)();
  }
}
