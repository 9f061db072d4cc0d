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
 * The loop is the outboxes' shared one (`core/outbox_runner.ts`); this module says how a delivery
 * is attempted (a signed POST, a batch at a time) and logged.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import { type ClaimedDelivery, WEBHOOK_CHANNEL } from "../../db/sql_webhooks.ts";
import type { WebhookStore } from "../../db/sql_webhooks.ts";
import { OutboxRunner } from "../outbox_runner.ts";
import { postWebhook, WebhookRequestError } from "./http_post.ts";
import { signatureHeader } from "./signature.ts";

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

/** The outbox's sender for this instance. */
export class WebhookDeliverer {
  readonly #runner: OutboxRunner<ClaimedDelivery>;

  /** Creates a stopped deliverer. */
  constructor(opts: DelivererOptions) {
    const { allowPrivate, timeoutMs, post = postWebhook, batch, ...common } = opts;
    const { log, now = Date.now } = opts;
    this.#runner = new OutboxRunner<ClaimedDelivery>({
      ...common,
      now,
      name: "webhooks",
      channel: WEBHOOK_CHANNEL,
      rows: { plural: "deliveries", key: "delivery" },
      // Receivers are independent of each other; the claim already keeps each conversation's
      // events in order (one pending delivery per endpoint and conversation is due at a time).
      concurrency: "batch",
      batch: batch ?? 20,
      // The lease outlasts the attempt, so no other instance takes a delivery being sent.
      leaseMs: timeoutMs + 30_000,
      async attempt(d, signal) {
        const body = JSON.stringify({
          id: d.eventId,
          type: d.type,
          createdAt: d.eventAt,
          siteId: d.siteId,
          data: d.data,
        });
        const signature = await signatureHeader(d.secret, body, Math.floor(now() / 1000));
        const { status } = await post(
          new URL(d.url),
          {
            "X-Parley-Event": d.type,
            "X-Parley-Delivery": d.eventId,
            "X-Parley-Signature": signature,
          },
          body,
          { allowPrivate, timeoutMs, signal },
        );
        return status >= 200 && status < 300
          ? { delivered: true, status }
          : { delivered: false, status, error: `HTTP ${status}` };
      },
      describeError(err, d) {
        if (err instanceof WebhookRequestError) return err.message;
        log.error("webhooks: unexpected failure", { delivery: d.id }, err);
        return "Request failed";
      },
      onOutcome(d, outcome) {
        if (outcome.kind !== "failed") return;
        log.warn("webhooks: delivery failed for good", {
          delivery: d.id,
          endpoint: d.endpointId,
          attempts: d.attempt,
        });
      },
    });
  }

  /** Subscribes to the triggers' notification and starts sending. */
  start(): Promise<void> {
    return this.#runner.start();
  }

  /** Looks at the outbox now (a delivery was queued). */
  wake(): void {
    this.#runner.wake();
  }

  /**
   * Stops: requests in flight are abandoned and their deliveries given back to the outbox at
   * once, for this or another instance to send again.
   */
  stop(): Promise<void> {
    return this.#runner.stop();
  }

  /** The wait before the attempt after `attempt` (see `core/retry_backoff.ts`). */
  retryDelay(attempt: number, remainingMs = Infinity): number {
    return this.#runner.retryDelay(attempt, remainingMs);
  }
}
