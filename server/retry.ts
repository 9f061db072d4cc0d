/**
 * Retries the database connection at start-up with full-jitter exponential backoff, logging one
 * clear line per attempt instead of crashing with a stack trace.
 *
 * @module
 */

import type { Logger } from "../core/log.ts";
import { backoffDelay } from "../protocol/backoff.ts";

/** Calls `connect` until it succeeds or `maxAttempts` is reached (then rethrows). */
export async function connectWithRetry<T>(
  connect: () => Promise<T>,
  log: Logger,
  opts: { maxAttempts?: number; baseMs?: number; capMs?: number } = {},
): Promise<T> {
  const { maxAttempts = Infinity, baseMs = 500, capMs = 30_000 } = opts;
  for (let attempt = 1;; attempt++) {
    try {
      return await connect();
    } catch (err) {
      if (attempt >= maxAttempts) throw err;
      // Attempt 1 failed: its wait is the second ceiling (1 s by default), as before.
      const delay = backoffDelay(attempt, Math.random, { base: baseMs, cap: capMs });
      log.warn("database unavailable, retrying", {
        attempt,
        retryInMs: delay,
        reason: err instanceof Error ? err.message : String(err),
      });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
