/**
 * Sends the email outbox. Every instance runs one; they share the outbox through
 * {@link EmailStore.claim} (`FOR UPDATE SKIP LOCKED` and a lease), so each email is sent by one
 * of them. Woken by the notification {@link enqueueEmail} sends (LISTEN/NOTIFY on Postgres,
 * in-process on PGlite) and otherwise when the next retry is due, at most
 * {@link MailSenderOptions.pollMs} apart. The loop is the outboxes' shared one
 * (`core/outbox_runner.ts`, as the webhook deliverer's), with the same backoff; this module says
 * how an email is attempted (one at a time, through SMTP) and logged.
 *
 * Never twice in the normal case: the email is marked sent in the step right after the SMTP
 * server's 250. Only a crash between that answer and the mark (or the database failing at that
 * moment) sends it again when the lease ends: at least once, never lost.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import { type ClaimedEmail, EMAIL_CHANNEL, type EmailStore } from "../../db/sql_email.ts";
import { OutboxRunner } from "../outbox_runner.ts";
import type { SendEmail } from "./smtp.ts";

/** The part of the outbox the sender uses. */
export type MailOutbox = Pick<
  EmailStore,
  "driver" | "claim" | "finish" | "release" | "msUntilNextDue" | "pruneFinished"
>;

/** How the sender sends and retries. */
export interface MailSenderOptions {
  store: MailOutbox;
  log: Logger;
  send: SendEmail;
  /** The first retry's delay; each next one doubles, up to {@link retryMaxDelayMs}. */
  retryBaseMs: number;
  /** The longest wait between two attempts (default an hour). */
  retryMaxDelayMs?: number;
  /** How long after queueing attempts go on (default a day). */
  maxAgeMs?: number;
  /** The longest sleep between two looks at the outbox (default 5 s). */
  pollMs?: number;
  /** Emails taken at once (default 10). */
  batch?: number;
  /** How long a lease lasts: longer than one SMTP exchange (default 2 min). */
  leaseMs?: number;
  /** Sent and failed emails are kept this long (default 30 days). */
  keepMs?: number;
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
}

/** The outbox's sender for this instance. */
export class MailSender {
  readonly #runner: OutboxRunner<ClaimedEmail>;

  /** Creates a stopped sender. */
  constructor(opts: MailSenderOptions) {
    const { send, batch, leaseMs, ...common } = opts;
    const { log } = opts;
    this.#runner = new OutboxRunner<ClaimedEmail>({
      ...common,
      name: "email",
      channel: EMAIL_CHANNEL,
      rows: { plural: "emails", key: "email" },
      // One at a time: an SMTP server is happier with one connection than with a burst.
      concurrency: "one",
      batch: batch ?? 10,
      leaseMs: leaseMs ?? 120_000,
      attempt: async (e, signal) => {
        await send(e, signal);
        return { delivered: true, status: 250 };
      },
      onOutcome(e, outcome) {
        if (outcome.kind === "delivered") {
          log.info("email: sent", { email: e.id, kind: e.kind, attempt: e.attempt });
        } else if (outcome.kind === "retry") {
          log.warn("email: not sent, will retry", {
            email: e.id,
            attempt: e.attempt,
            error: outcome.error,
          });
        } else {
          log.warn("email: failed for good", { email: e.id, attempts: e.attempt });
        }
      },
    });
  }

  /** Subscribes to the outbox's notification and starts sending. */
  start(): Promise<void> {
    return this.#runner.start();
  }

  /** Looks at the outbox now (an email was queued). */
  wake(): void {
    this.#runner.wake();
  }

  /** Stops: emails being sent are abandoned and given back to the outbox at once. */
  stop(): Promise<void> {
    return this.#runner.stop();
  }
}
