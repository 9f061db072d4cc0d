/**
 * Sends the outbox's deliveries. Every instance runs one; they share the outbox through
 * {@link WebhookStore.claim} (`FOR UPDATE SKIP LOCKED` and a lease), so each delivery is sent by
 * one of them, and each conversation's events go out in order. Woken by the triggers'
 * notification (LISTEN/NOTIFY on Postgres, in-process on PGlite) and otherwise when the next
 * retry is due, at most {@link DelivererOptions.pollMs} apart.
 *
 * An attempt succeeds on any 2xx answer. Anything else (another status, a refused connection, a
 * timeout, a refused address) is retried with exponential backoff and jitter for
 * {@link DelivererOptions.maxAgeMs} (a day) after the event, then the delivery is marked failed.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import {
  type AttemptOutcome,
  type ClaimedDelivery,
  WEBHOOK_CHANNEL,
} from "../../db/sql_webhooks.ts";
import type { WebhookStore } from "../../db/sql_webhooks.ts";
import { postWebhook, WebhookRequestError } from "./http_post.ts";
import { signatureHeader } from "./signature.ts";
import { retryDelay as backoff } from "../retry_backoff.ts";

/** The part of the outbox the deliverer uses. */
export type Outbox = Pick<
  WebhookStore,
  "driver" | "claim" | "finish" | "release" | "msUntilNextDue" | "pruneFinished"
>;

/** How the deliverer sends and retries. */
export interface DelivererOptions {
  store: Outbox;
  log: Logger;
  /** Let requests reach private addresses (`PARLEY_WEBHOOK_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
  /** Bound on one attempt (`PARLEY_WEBHOOK_TIMEOUT_MS`). */
  timeoutMs: number;
  /** The first retry's delay; each next one doubles, up to {@link retryMaxDelayMs}. */
  retryBaseMs: number;
  /** The longest wait between two attempts (default an hour). */
  retryMaxDelayMs?: number;
  /** How long after the event attempts go on (default a day). */
  maxAgeMs?: number;
  /** The longest sleep between two looks at the outbox (default 5 s). */
  pollMs?: number;
  /** Deliveries taken at once (default 20). */
  batch?: number;
  /** Delivered and failed deliveries are kept this long for the log (default 30 days). */
  keepMs?: number;
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
  /** The request (tests). */
  post?: typeof postWebhook;
}

const HOUR = 3_600_000;

/** The outbox's sender for this instance. */
export class WebhookDeliverer {
  readonly #o: Required<Omit<DelivererOptions, "post" | "now">>;
  readonly #post: typeof postWebhook;
  readonly #now: () => number;
  readonly #abort = new AbortController();
  #unlisten: (() => Promise<void>) | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #woken = false;
  #wakeSleeper: (() => void) | null = null;
  #lastPrune = 0;
  /** Deliveries abandoned by {@link stop}, given back to the outbox. */
  readonly #abandoned: { id: string; attempt: number }[] = [];

  /** Creates a stopped deliverer. */
  constructor(opts: DelivererOptions) {
    this.#o = {
      retryMaxDelayMs: HOUR,
      maxAgeMs: 24 * HOUR,
      pollMs: 5000,
      batch: 20,
      keepMs: 30 * 24 * HOUR,
      ...opts,
    };
    this.#post = opts.post ?? postWebhook;
    this.#now = opts.now ?? Date.now;
  }

  /** Subscribes to the triggers' notification and starts sending. */
  async start(): Promise<void> {
    if (this.#running) return;
    try {
      this.#unlisten = await this.#o.store.driver.listen(
        WEBHOOK_CHANNEL,
        () => this.wake(),
        () => this.wake(),
      );
    } catch (err) {
      // Sending still works, found by the poll instead of woken at once.
      this.#o.log.warn("webhooks: no notifications, polling only", { error: reason(err) });
    }
    this.#running = this.#loop();
  }

  /** Looks at the outbox now (a delivery was queued). */
  wake(): void {
    this.#woken = true;
    this.#wakeSleeper?.();
  }

  /**
   * Stops: requests in flight are abandoned and their deliveries given back to the outbox at
   * once, for this or another instance to send again.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#abort.abort();
    this.wake();
    await this.#running;
    await this.#unlisten?.().catch(() => {});
    await this.#o.store.release(this.#abandoned.splice(0)).catch((err) =>
      this.#o.log.warn("webhooks: could not give back deliveries in flight", { error: reason(err) })
    );
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      this.#woken = false;
      let claimed: ClaimedDelivery[] = [];
      try {
        await this.#prune();
        // The lease outlasts the attempt, so no other instance takes a delivery being sent.
        claimed = await this.#o.store.claim(this.#o.batch, this.#o.timeoutMs + 30_000);
      } catch (err) {
        this.#o.log.warn("webhooks: outbox unavailable", { error: reason(err) });
        await this.#sleep(this.#o.pollMs);
        continue;
      }
      if (claimed.length > 0) {
        await Promise.all(claimed.map((d) => this.#deliver(d)));
        continue;
      }
      let wait = this.#o.pollMs;
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
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeSleeper = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeSleeper = done;
    });
  }

  async #prune(): Promise<void> {
    const now = this.#now();
    if (now - this.#lastPrune < HOUR) return;
    this.#lastPrune = now;
    const removed = await this.#o.store.pruneFinished(new Date(now - this.#o.keepMs));
    if (removed > 0) this.#o.log.info("webhooks: old deliveries removed", { removed });
  }

  /** One attempt of one delivery, and its outcome recorded. */
  async #deliver(d: ClaimedDelivery): Promise<void> {
    const body = JSON.stringify({
      id: d.eventId,
      type: d.type,
      createdAt: d.eventAt,
      siteId: d.siteId,
      data: d.data,
    });
    let outcome: AttemptOutcome;
    try {
      const signature = await signatureHeader(d.secret, body, Math.floor(this.#now() / 1000));
      const { status } = await this.#post(
        new URL(d.url),
        {
          "X-Parley-Event": d.type,
          "X-Parley-Delivery": d.eventId,
          "X-Parley-Signature": signature,
        },
        body,
        {
          allowPrivate: this.#o.allowPrivate,
          timeoutMs: this.#o.timeoutMs,
          signal: this.#abort.signal,
        },
      );
      outcome = status >= 200 && status < 300
        ? { kind: "delivered", status }
        : this.#failure(d, status, `HTTP ${status}`);
    } catch (err) {
      if (this.#abort.signal.aborted) {
        this.#abandoned.push({ id: d.id, attempt: d.attempt });
        return;
      }
      const message = err instanceof WebhookRequestError ? err.message : "Request failed";
      if (!(err instanceof WebhookRequestError)) {
        this.#o.log.error("webhooks: unexpected failure", { delivery: d.id }, err);
      }
      outcome = this.#failure(d, null, message);
    }
    try {
      await this.#o.store.finish(d.id, d.attempt, outcome);
    } catch (err) {
      // The lease ends and the delivery is tried again: at least once, never lost.
      this.#o.log.warn("webhooks: could not record an attempt", {
        delivery: d.id,
        error: reason(err),
      });
    }
    if (outcome.kind === "failed") {
      this.#o.log.warn("webhooks: delivery failed for good", {
        delivery: d.id,
        endpoint: d.endpointId,
        attempts: d.attempt,
      });
    }
  }

  /** A retry after the backoff, or failed once the event is older than the retry window. */
  #failure(d: ClaimedDelivery, status: number | null, error: string): AttemptOutcome {
    const now = this.#now();
    const deadline = Date.parse(d.createdAt) + this.#o.maxAgeMs;
    if (now >= deadline) return { kind: "failed", status, error };
    return {
      kind: "retry",
      status,
      error,
      retryAt: new Date(now + this.retryDelay(d.attempt, deadline - now)),
    };
  }

  /** The wait before the attempt after `attempt` (see {@link backoff}). */
  retryDelay(attempt: number, remainingMs = Infinity): number {
    return backoff(attempt, this.#o.retryBaseMs, this.#o.retryMaxDelayMs, remainingMs);
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
