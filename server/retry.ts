/**
 * Retries the database connection at start-up with full-jitter exponential backoff, logging one
 * clear line per attempt instead of crashing with a stack trace. Only failures that pass by
 * themselves are retried (the caller says which), and only for a bounded time: a database that
 * never comes up ends the start with a clear reason instead of a process that waits forever.
 *
 * @module
 */

import type { Logger } from "../core/log.ts";
import { backoffDelay } from "../protocol/backoff.ts";

/** Options for {@link connectWithRetry}. */
export interface RetryOptions {
  /**
   * How long to keep retrying, in ms, counted from the first attempt (0: one attempt). The last
   * attempt starts no later than this; its failure is rethrown.
   */
  budgetMs: number;
  /** True for a failure worth retrying; any other is rethrown at once. */
  isTransient: (err: unknown) => boolean;
  /** The first wait's ceiling (default 500 ms; doubles per attempt). */
  baseMs?: number;
  /** The longest wait (default 30 s). */
  capMs?: number;
  /** The clock (tests). */
  now?: () => number;
  /** Waits `ms` (tests). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Calls `connect` until it succeeds, a failure is not transient, or the budget is spent; then
 * rethrows the last failure.
 */
export async function connectWithRetry<T>(
  connect: () => Promise<T>,
  log: Logger,
  opts: RetryOptions,
): Promise<T> {
  const { budgetMs, isTransient, baseMs = 500, capMs = 30_000 } = opts;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + budgetMs;
  for (let attempt = 1;; attempt++) {
    try {
      return await connect();
    } catch (err) {
      const left = deadline - now();
      if (!isTransient(err) || left <= 0) throw err;
      // Attempt 1 failed: its wait is the second ceiling (1 s by default). The wait never runs
      // past the deadline, so one last attempt is made right at it.
      const delay = Math.min(
        backoffDelay(attempt, Math.random, { base: baseMs, cap: capMs }),
        left,
      );
      log.warn("database unavailable, retrying", {
        attempt,
        retryInMs: delay,
        giveUpInMs: left,
        reason: err instanceof Error ? err.message : String(err),
      });
      await sleep(delay);
    }
  }
}
