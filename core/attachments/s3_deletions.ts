/**
 * Deletes the S3 objects of attachment rows that are gone (docs/attachments.md, "S3"). Rows are
 * deleted by cascades (erasure, retention, a site deleted, aborted and swept uploads); their
 * trigger queues each id in `s3_deletions` (migration 0020) and notifies. Every instance runs
 * this runner when S3 is configured; they share the queue through the claim's
 * `FOR UPDATE SKIP LOCKED` and lease (`db/sql_s3_deletions.ts`), so each id is worked by one
 * instance at a time, and one that dies mid-way leaves a lease that runs out.
 *
 * Objects first, queue row last: a crash between the two deletes the objects again, which S3
 * answers as success. A failure (the store down, a permission missing) is retried with the shared
 * backoff, for ever: a queue row is cheap, a leaked file of an erased visitor is not. The runner
 * wakes on the trigger's notification, else when the next retry is due, at most
 * {@link S3DeletionOptions.pollMs} apart.
 *
 * @module
 */

import { DueLoop } from "../due_loop.ts";
import type { Logger } from "../log.ts";
import { retryDelay } from "../retry_backoff.ts";
import {
  S3_DELETIONS_CHANNEL,
  type S3Deletion,
  type S3DeletionQueue,
} from "../../db/sql_s3_deletions.ts";
import type { S3BlobStore } from "../../db/s3_blob_store.ts";
import { ObjectStoreError } from "../../db/s3_blob_store.ts";

/** What the runner needs. */
export interface S3DeletionOptions {
  queue: Pick<S3DeletionQueue, "claim" | "done" | "retry" | "msUntilNextDue" | "driver">;
  objects: Pick<S3BlobStore, "deleteAttachment">;
  log: Logger;
  /** The longest sleep between two looks (default 30 s). */
  pollMs?: number;
  /** Ids claimed per look (default 20). */
  batch?: number;
  /** How long a claim holds its rows: longer than deleting a batch (default 5 min). */
  leaseMs?: number;
  /** The first retry's delay, doubled per attempt (default 1 s). */
  retryBaseMs?: number;
  /** The longest wait between two attempts (default 15 min). */
  retryMaxMs?: number;
}

/** This instance's runner of the S3 deletion queue. */
export class S3DeletionRunner {
  readonly #o: Required<S3DeletionOptions>;
  readonly #loop: DueLoop;
  #started = false;
  #unlisten: (() => Promise<void>) | null = null;

  /** Creates a stopped runner. */
  constructor(opts: S3DeletionOptions) {
    this.#o = {
      pollMs: 30_000,
      batch: 20,
      leaseMs: 300_000,
      retryBaseMs: 1000,
      retryMaxMs: 900_000,
      ...opts,
    };
    this.#loop = new DueLoop({
      runOnce: () => this.runOnce(),
      msUntilNextDue: () => this.#o.queue.msUntilNextDue(),
      failed: (err) =>
        this.#o.log.warn("s3 deletions: look at the queue failed", { error: reason(err) }),
      pollMs: this.#o.pollMs,
      batch: this.#o.batch,
    });
  }

  /** Subscribes to the queue's notification and starts working it. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    try {
      this.#unlisten = await this.#o.queue.driver.listen(
        S3_DELETIONS_CHANNEL,
        () => this.wake(),
        () => this.wake(),
      );
    } catch (err) {
      // Deletions still happen, found by the poll instead of at once.
      this.#o.log.warn("s3 deletions: no notifications, polling only", { error: reason(err) });
    }
    this.#loop.start();
  }

  /** Looks at the queue now. */
  wake(): void {
    this.#loop.wake();
  }

  /** Stops; the deletion in progress (one object request) finishes, the rest wait for a lease to end. */
  async stop(): Promise<void> {
    await this.#loop.stop();
    await this.#unlisten?.().catch(() => {});
  }

  /** Works one batch of due deletions; returns how many were claimed (tests). */
  async runOnce(): Promise<number> {
    const claimed = await this.#o.queue.claim(this.#o.batch, this.#o.leaseMs);
    for (const d of claimed) {
      if (this.#loop.stopped) break; // Left leased: another look (here or elsewhere) takes it.
      await this.#delete(d);
    }
    return claimed.length;
  }

  async #delete(d: S3Deletion): Promise<void> {
    try {
      await this.#o.objects.deleteAttachment(d.attachmentId, d.chunks);
    } catch (err) {
      const error = err instanceof ObjectStoreError ? err.detail : reason(err);
      const delay = retryDelay(d.attempts, this.#o.retryBaseMs, this.#o.retryMaxMs);
      this.#o.log.warn("s3 deletions: objects not deleted, will retry", {
        attachment: d.attachmentId,
        attempts: d.attempts,
        retryInMs: Math.round(delay),
        error,
      });
      await this.#o.queue.retry(d, delay, error);
      return;
    }
    await this.#o.queue.done(d);
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
