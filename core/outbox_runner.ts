/**
 * The loop that works an outbox (email, webhooks): every instance runs one per outbox, and they
 * share it through the store's claim (`FOR UPDATE SKIP LOCKED` and a lease), so each row is
 * attempted by one of them at a time. The runner is woken by the outbox's notification
 * (LISTEN/NOTIFY on Postgres, in-process on PGlite) and otherwise when the next retry is due, at
 * most {@link OutboxRunnerOptions.pollMs} apart.
 *
 * One pass: prune (hourly), claim a batch with a lease, attempt each row, record each outcome
 * with {@link OutboxStore.finish} naming the attempt (so a late answer from an attempt whose
 * lease ended changes nothing). A failure is retried with the shared backoff
 * (`core/retry_backoff.ts`) until {@link OutboxRunnerOptions.maxAgeMs} after the row was queued,
 * then the row is failed. Stopping aborts the attempts in flight and gives their rows back at
 * once, for this or another instance to try again.
 *
 * At least once, never lost: only a crash between the receiver's answer and the finish (or the
 * database failing at that moment) attempts a row again when its lease ends.
 *
 * @module
 */

import type { Logger } from "./log.ts";
import type { Db } from "../db/driver.ts";
import type { AttemptOutcome, Lease } from "../db/sql_outbox.ts";
import { retryDelay } from "./retry_backoff.ts";

/** A claimed row: its lease, and when it was queued (retries stop {@link OutboxRunnerOptions.maxAgeMs} after). */
export interface OutboxItem extends Lease {
  createdAt: string;
}

/** The outbox's SQL side the runner uses (`db/sql_email.ts`, `db/sql_webhooks.ts`). */
export interface OutboxStore<T extends OutboxItem> {
  /** The driver, for LISTEN on the outbox's channel. */
  readonly driver: Pick<Db, "listen">;
  /** Takes up to `limit` due rows and leases them for `leaseMs`. */
  claim(limit: number, leaseMs: number): Promise<T[]>;
  /** Records how attempt `attempt` of a row ended; false when the row has moved on since. */
  finish(id: string, attempt: number, outcome: AttemptOutcome): Promise<boolean>;
  /** Gives leased rows back at once, their attempt not counted. */
  release(leases: Lease[]): Promise<void>;
  /** Milliseconds until the next pending row is due, or null when none is. */
  msUntilNextDue(): Promise<number | null>;
  /** Deletes rows done before `before`; returns how many. */
  pruneFinished(before: Date): Promise<number>;
}

/** What one attempt came to: the receiver took it, or refused it (`status` when it answered). */
export type AttemptResult =
  | { delivered: true; status: number }
  | { delivered: false; status: number | null; error: string };

/** How a runner claims, attempts and retries. */
export interface OutboxRunnerOptions<T extends OutboxItem> {
  /** The log prefix (`email`, `webhooks`). */
  name: string;
  /** The notification channel the outbox's inserts notify. */
  channel: string;
  store: OutboxStore<T>;
  log: Logger;
  /**
   * Attempts one row. A throw is a failure too, its message from {@link describeError}; after
   * `signal` aborts (the runner stopping), the row is given back instead.
   */
  attempt(item: T, signal: AbortSignal): Promise<AttemptResult>;
  /** The error stored and logged for a thrown failure (default: its message). */
  describeError?: (err: unknown, item: T) => string;
  /** Called once an outcome is recorded (or could not be), for the channel's own log lines. */
  onOutcome?: (item: T, outcome: AttemptOutcome) => void;
  /** How the log names rows (`emails`, `deliveries`) and one row's id field (`email`). */
  rows: { plural: string; key: string };
  /** `one`: a batch's rows one after another (an SMTP server prefers that); `batch`: together. */
  concurrency: "one" | "batch";
  /** Rows taken per claim. */
  batch: number;
  /** How long a lease lasts: longer than one attempt. */
  leaseMs: number;
  /** The first retry's delay; each next one doubles, up to {@link retryMaxDelayMs}. */
  retryBaseMs: number;
  /** The longest wait between two attempts (default an hour). */
  retryMaxDelayMs?: number;
  /** How long after queueing attempts go on (default a day). */
  maxAgeMs?: number;
  /** The longest sleep between two looks at the outbox (default 5 s). */
  pollMs?: number;
  /** Finished rows are kept this long (default 30 days). */
  keepMs?: number;
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
  /** Resolves after `ms`, or at once when `wake` aborts (tests: a fake clock). */
  sleep?: (ms: number, wake: AbortSignal) => Promise<void>;
}

const HOUR = 3_600_000;

/** One outbox's runner for this instance. */
export class OutboxRunner<T extends OutboxItem> {
  readonly #o: OutboxRunnerOptions<T>;
  readonly #retryMaxDelayMs: number;
  readonly #maxAgeMs: number;
  readonly #pollMs: number;
  readonly #keepMs: number;
  readonly #now: () => number;
  readonly #abort = new AbortController();
  #unlisten: (() => Promise<void>) | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #woken = false;
  #wakeSleeper: (() => void) | null = null;
  #lastPrune = 0;
  /** Rows abandoned by {@link stop}, given back to the outbox. */
  readonly #abandoned: Lease[] = [];

  /** Creates a stopped runner. */
  constructor(opts: OutboxRunnerOptions<T>) {
    this.#o = opts;
    this.#retryMaxDelayMs = opts.retryMaxDelayMs ?? HOUR;
    this.#maxAgeMs = opts.maxAgeMs ?? 24 * HOUR;
    this.#pollMs = opts.pollMs ?? 5000;
    this.#keepMs = opts.keepMs ?? 30 * 24 * HOUR;
    this.#now = opts.now ?? Date.now;
  }

  /** Subscribes to the outbox's notification and starts working it. */
  async start(): Promise<void> {
    if (this.#running) return;
    try {
      this.#unlisten = await this.#o.store.driver.listen(
        this.#o.channel,
        () => this.wake(),
        () => this.wake(),
      );
    } catch (err) {
      // Rows still go out, found by the poll instead of woken at once.
      this.#o.log.warn(`${this.#o.name}: no notifications, polling only`, { error: reason(err) });
    }
    this.#running = this.#loop();
  }

  /** Looks at the outbox now (a row was queued). */
  wake(): void {
    this.#woken = true;
    this.#wakeSleeper?.();
  }

  /** Stops: attempts in flight are abandoned and their rows given back to the outbox at once. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#abort.abort();
    this.wake();
    await this.#running;
    await this.#unlisten?.().catch(() => {});
    await this.#o.store.release(this.#abandoned.splice(0)).catch((err) =>
      this.#o.log.warn(`${this.#o.name}: could not give back ${this.#o.rows.plural} in flight`, {
        error: reason(err),
      })
    );
  }

  /** The wait before the attempt after `attempt` (see `retryDelay` in `core/retry_backoff.ts`). */
  retryDelay(attempt: number, remainingMs = Infinity): number {
    return retryDelay(attempt, this.#o.retryBaseMs, this.#retryMaxDelayMs, remainingMs);
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      this.#woken = false;
      let claimed: T[] = [];
      try {
        await this.#prune();
        claimed = await this.#o.store.claim(this.#o.batch, this.#o.leaseMs);
      } catch (err) {
        this.#o.log.warn(`${this.#o.name}: outbox unavailable`, { error: reason(err) });
        await this.#sleep(this.#pollMs);
        continue;
      }
      if (claimed.length > 0) {
        if (this.#o.concurrency === "one") {
          for (const item of claimed) await this.#attempt(item);
        } else {
          await Promise.all(claimed.map((item) => this.#attempt(item)));
        }
        continue;
      }
      let wait = this.#pollMs;
      try {
        const due = await this.#o.store.msUntilNextDue();
        if (due !== null) wait = Math.min(wait, Math.max(due, 5));
      } catch {
        // The claim above will say so.
      }
      await this.#sleep(wait);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken || this.#stopped) return Promise.resolve();
    const wake = new AbortController();
    this.#wakeSleeper = () => wake.abort();
    return (this.#o.sleep ?? delay)(ms, wake.signal).finally(() => this.#wakeSleeper = null);
  }

  async #prune(): Promise<void> {
    const now = this.#now();
    if (now - this.#lastPrune < HOUR) return;
    this.#lastPrune = now;
    const removed = await this.#o.store.pruneFinished(new Date(now - this.#keepMs));
    if (removed > 0) {
      this.#o.log.info(`${this.#o.name}: old ${this.#o.rows.plural} removed`, { removed });
    }
  }

  /** One attempt of one row, and its outcome recorded. */
  async #attempt(item: T): Promise<void> {
    if (this.#stopped) {
      this.#abandoned.push({ id: item.id, attempt: item.attempt });
      return;
    }
    let outcome: AttemptOutcome;
    try {
      const result = await this.#o.attempt(item, this.#abort.signal);
      outcome = result.delivered
        ? { kind: "delivered", status: result.status }
        : this.#failure(item, result.status, result.error);
    } catch (err) {
      if (this.#abort.signal.aborted) {
        this.#abandoned.push({ id: item.id, attempt: item.attempt });
        return;
      }
      const describe = this.#o.describeError ?? reason;
      outcome = this.#failure(item, null, describe(err, item));
    }
    try {
      await this.#o.store.finish(item.id, item.attempt, outcome);
    } catch (err) {
      // The lease ends and the row is tried again: at least once, never lost.
      this.#o.log.warn(`${this.#o.name}: could not record an attempt`, {
        [this.#o.rows.key]: item.id,
        error: reason(err),
      });
    }
    this.#o.onOutcome?.(item, outcome);
  }

  /** A retry after the backoff, or failed once the row is older than the retry window. */
  #failure(item: T, status: number | null, error: string): AttemptOutcome {
    const now = this.#now();
    const deadline = Date.parse(item.createdAt) + this.#maxAgeMs;
    if (now >= deadline) return { kind: "failed", status, error };
    const wait = this.retryDelay(item.attempt, deadline - now);
    return { kind: "retry", status, error, retryAt: new Date(now + wait) };
  }
}

/** Resolves after `ms`, or as soon as `wake` aborts. */
function delay(ms: number, wake: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      wake.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    wake.addEventListener("abort", done);
  });
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
