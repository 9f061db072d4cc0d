/**
 * Full-jitter exponential backoff: the one delay rule for every retry in Parley (the widget's and
 * the console's reconnects and resends, and the server's database retries at start-up).
 *
 * @module
 */

/** Backoff bounds in milliseconds. */
export interface BackoffOptions {
  /** The first retry's ceiling; it doubles per attempt. */
  base: number;
  /** The largest ceiling. */
  cap: number;
}

/** Parley's defaults: 500 ms base, 30 s cap. */
export const DEFAULT_BACKOFF: BackoffOptions = { base: 500, cap: 30_000 };

/**
 * The delay before retry number `attempt` (0 for the first retry): a uniformly random value in
 * `[0, min(cap, base * 2^attempt))`, so many clients dropped at once do not return in lockstep.
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  { base, cap }: BackoffOptions = DEFAULT_BACKOFF,
): number {
  // The exponent is clamped so a huge attempt count cannot overflow to Infinity * 0 = NaN.
  return Math.floor(random() * Math.min(cap, base * 2 ** Math.min(attempt, 30)));
}
