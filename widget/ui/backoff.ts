/**
 * Full-jitter exponential backoff for reconnects and retries.
 *
 * @module
 */

/** Backoff bounds in milliseconds. */
export interface BackoffOptions {
  base: number;
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
  return Math.floor(random() * Math.min(cap, base * 2 ** Math.min(attempt, 30)));
}
