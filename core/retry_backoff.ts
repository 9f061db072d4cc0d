/**
 * The retry schedule the outboxes share (webhooks, email): exponential, capped, half jittered.
 *
 * @module
 */

/**
 * The wait before the attempt after `attempt`: `baseMs` doubled per attempt, capped at `maxMs`,
 * half of it random (so a receiver back from an outage is not hit by every instance at once),
 * and never past the end of the retry window (`remainingMs`), so the last attempt falls on it.
 */
export function retryDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  remainingMs = Infinity,
): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.min(remainingMs, full / 2 + Math.random() * full / 2);
}
