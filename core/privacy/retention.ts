/**
 * Automatic retention: resolved conversations older than their site's retention (or the
 * server's `PARLEY_RETENTION_DAYS`) are deleted with their messages, and anonymous visitors who
 * never started a conversation are deleted once unseen for `PARLEY_ANONYMOUS_VISITOR_TTL_HOURS`.
 *
 * Why it cannot stall the chat: each run deletes in batches of {@link RetentionOptions.batchSize}
 * rows, each batch one statement and its own short transaction, and yields between batches, so
 * messages interleave with it (PGlite runs one statement at a time). Why it runs once across
 * instances: a run holds the `retention` advisory lock (`Store.runExclusive`); an instance that
 * finds it taken skips its turn. Open and queued conversations are never deleted; a conversation
 * reopened or written to while a batch runs is kept (the condition is checked again per row).
 *
 * @module
 */

import type { Store } from "../../db/store.ts";
import type { Logger } from "../log.ts";
import type { Counter, MetricsRegistry } from "../metrics.ts";

/** When and how much retention deletes. */
export interface RetentionOptions {
  /** Days resolved conversations are kept when their site sets none; null: for ever. */
  defaultDays: number | null;
  /** Hours an anonymous visitor who never wrote is kept after their last visit; 0: for ever. */
  anonymousVisitorTtlHours: number;
  /** Time between runs. */
  everyMs: number;
  /** Time from start to the first run (the start-up has other work first). */
  firstDelayMs: number;
  /** Rows per batch. */
  batchSize: number;
}

/** Default timing: hourly, first a minute after start, batches of 300 rows. */
export const RETENTION_DEFAULTS = {
  everyMs: 3_600_000,
  firstDelayMs: 60_000,
  batchSize: 300,
} as const;

/** What one run deleted. */
export interface RetentionCounts {
  conversations: number;
  messages: number;
  visitors: number;
}

/** Collaborators of {@link Retention}. */
export interface RetentionDeps {
  store: Store;
  log: Logger;
  /** Where `parley_retention_deleted_total` is registered. */
  metrics: MetricsRegistry;
  options: RetentionOptions;
  /** The clock; injectable so tests move time instead of waiting. */
  now?: () => Date;
  /** Visitors with a socket on this instance: never purged while connected. */
  connectedVisitors?: () => Iterable<string>;
}

/** The retention job: {@link Retention.runOnce} by hand, or {@link Retention.start} on a timer. */
export class Retention {
  readonly #deps: RetentionDeps;
  readonly #deleted: Counter;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<RetentionCounts | null> | null = null;
  #stopped = false;

  /** Creates the job; nothing runs until {@link start} or {@link runOnce}. */
  constructor(deps: RetentionDeps) {
    this.#deps = deps;
    this.#deleted = deps.metrics.counter(
      "parley_retention_deleted_total",
      "Rows deleted by automatic retention, by kind (conversations, messages, visitors)",
      ["kind"],
    );
  }

  /** Runs every `everyMs`, the first time after `firstDelayMs`. */
  start(): void {
    this.#stopped = false;
    this.#schedule(this.#deps.options.firstDelayMs);
  }

  /** Stops the timer and waits for a run in progress to finish its current batch. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => null);
  }

  /**
   * One run: both purges, batch after batch, under the cluster-wide lock. Resolves to what it
   * deleted, or null when another instance holds the lock. A second call while one runs joins it.
   */
  runOnce(): Promise<RetentionCounts | null> {
    return this.#running ??= this.#run().finally(() => this.#running = null);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      this.#timer = null;
      await this.runOnce().catch((err) =>
        this.#deps.log.warn("retention run failed", { err: String(err) })
      );
      this.#schedule(this.#deps.options.everyMs);
    }, ms);
    // A pending run never keeps the process alive on its own.
    Deno.unrefTimer(this.#timer);
  }

  async #run(): Promise<RetentionCounts | null> {
    const { store, log, options } = this.#deps;
    const started = performance.now();
    const counts: RetentionCounts = { conversations: 0, messages: 0, visitors: 0 };
    const ran = await store.runExclusive("retention", async () => {
      const now = this.#deps.now?.() ?? new Date();
      for (;;) {
        if (this.#stopped) return;
        const n = await store.purgeExpiredConversations(
          now,
          options.defaultDays,
          options.batchSize,
        );
        this.#add(counts, { ...n, visitors: 0 });
        if (n.conversations < options.batchSize) break;
        await yieldTurn();
      }
      if (options.anonymousVisitorTtlHours <= 0) return;
      const before = new Date(now.getTime() - options.anonymousVisitorTtlHours * 3_600_000);
      for (;;) {
        if (this.#stopped) return;
        const keep = [...this.#deps.connectedVisitors?.() ?? []];
        const visitors = await store.purgeAnonymousVisitors(before, keep, options.batchSize);
        this.#add(counts, { conversations: 0, messages: 0, visitors });
        if (visitors < options.batchSize) break;
        await yieldTurn();
      }
    });
    if (!ran) {
      log.debug("retention skipped: another instance is running it");
      return null;
    }
    log.info("retention run", { ...counts, ms: Math.round(performance.now() - started) });
    return counts;
  }

  #add(total: RetentionCounts, n: RetentionCounts): void {
    total.conversations += n.conversations;
    total.messages += n.messages;
    total.visitors += n.visitors;
    for (const kind of ["conversations", "messages", "visitors"] as const) {
      if (n[kind] > 0) this.#deleted.inc({ kind }, n[kind]);
    }
  }
}

/** Lets other work (the chat's statements, sockets) run between two batches. */
function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
