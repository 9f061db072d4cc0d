/**
 * Sends the email outbox. Every instance runs one; they share the outbox through
 * {@link EmailStore.claim} (`FOR UPDATE SKIP LOCKED` and a lease), so each email is sent by one
 * of them. Woken by the notification {@link enqueueEmail} sends (LISTEN/NOTIFY on Postgres,
 * in-process on PGlite) and otherwise when the next retry is due, at most
 * {@link MailSenderOptions.pollMs} apart. The same loop as the webhook deliverer's
 * (`core/webhooks/deliverer.ts`), with the same backoff (`core/retry_backoff.ts`).
 *
 * Never twice in the normal case: the email is marked sent in the step right after the SMTP
 * server's 250. Only a crash between that answer and the mark (or the database failing at that
 * moment) sends it again when the lease ends: at least once, never lost.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import type { AttemptOutcome } from "../../db/sql_webhooks.ts";
import { type ClaimedEmail, EMAIL_CHANNEL, type EmailStore } from "../../db/sql_email.ts";
import { retryDelay } from "../retry_backoff.ts";
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

const HOUR = 3_600_000;

/** The outbox's sender for this instance. */
export class MailSender {
  readonly #o: Required<Omit<MailSenderOptions, "now">>;
  readonly #now: () => number;
  readonly #abort = new AbortController();
  #unlisten: (() => Promise<void>) | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #woken = false;
  #wakeSleeper: (() => void) | null = null;
  #lastPrune = 0;
  readonly #abandoned: { id: string; attempt: number }[] = [];

  /** Creates a stopped sender. */
  constructor(opts: MailSenderOptions) {
    this.#o = {
      retryMaxDelayMs: HOUR,
      maxAgeMs: 24 * HOUR,
      pollMs: 5000,
      batch: 10,
      leaseMs: 120_000,
      keepMs: 30 * 24 * HOUR,
      ...opts,
    };
    this.#now = opts.now ?? Date.now;
  }

  /** Subscribes to the outbox's notification and starts sending. */
  async start(): Promise<void> {
    if (this.#running) return;
    try {
      this.#unlisten = await this.#o.store.driver.listen(
        EMAIL_CHANNEL,
        () => this.wake(),
        () => this.wake(),
      );
    } catch (err) {
      this.#o.log.warn("email: no notifications, polling only", { error: reason(err) });
    }
    this.#running = this.#loop();
  }

  /** Looks at the outbox now (an email was queued). */
  wake(): void {
    this.#woken = true;
    this.#wakeSleeper?.();
  }

  /** Stops: emails being sent are abandoned and given back to the outbox at once. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#abort.abort();
    this.wake();
    await this.#running;
    await this.#unlisten?.().catch(() => {});
    await this.#o.store.release(this.#abandoned.splice(0)).catch((err) =>
      this.#o.log.warn("email: could not give back emails in flight", { error: reason(err) })
    );
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      this.#woken = false;
      let claimed: ClaimedEmail[] = [];
      try {
        await this.#prune();
        claimed = await this.#o.store.claim(this.#o.batch, this.#o.leaseMs);
      } catch (err) {
        this.#o.log.warn("email: outbox unavailable", { error: reason(err) });
        await this.#sleep(this.#o.pollMs);
        continue;
      }
      if (claimed.length > 0) {
        // One at a time: an SMTP server is happier with one connection than with a burst.
        for (const e of claimed) await this.#deliver(e);
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
    if (removed > 0) this.#o.log.info("email: old emails removed", { removed });
  }

  /** One attempt of one email, and its outcome recorded. */
  async #deliver(e: ClaimedEmail): Promise<void> {
    if (this.#stopped) {
      this.#abandoned.push({ id: e.id, attempt: e.attempt });
      return;
    }
    let outcome: AttemptOutcome;
    try {
      await this.#o.send(e, this.#abort.signal);
      outcome = { kind: "delivered", status: 250 };
    } catch (err) {
      if (this.#abort.signal.aborted) {
        this.#abandoned.push({ id: e.id, attempt: e.attempt });
        return;
      }
      outcome = this.#failure(e, reason(err));
    }
    try {
      await this.#o.store.finish(e.id, e.attempt, outcome);
    } catch (err) {
      // The lease ends and the email is tried again: at least once, never lost.
      this.#o.log.warn("email: could not record an attempt", { email: e.id, error: reason(err) });
    }
    if (outcome.kind === "delivered") {
      this.#o.log.info("email: sent", { email: e.id, kind: e.kind, attempt: e.attempt });
    } else if (outcome.kind === "retry") {
      this.#o.log.warn("email: not sent, will retry", {
        email: e.id,
        attempt: e.attempt,
        error: outcome.error,
      });
    } else {
      this.#o.log.warn("email: failed for good", { email: e.id, attempts: e.attempt });
    }
  }

  #failure(e: ClaimedEmail, error: string): AttemptOutcome {
    const now = this.#now();
    const deadline = Date.parse(e.createdAt) + this.#o.maxAgeMs;
    if (now >= deadline) return { kind: "failed", status: null, error };
    const wait = retryDelay(
      e.attempt,
      this.#o.retryBaseMs,
      this.#o.retryMaxDelayMs,
      deadline - now,
    );
    return { kind: "retry", status: null, error, retryAt: new Date(now + wait) };
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
