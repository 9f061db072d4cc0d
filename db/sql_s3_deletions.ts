/**
 * The queue of S3 objects to delete (migration 0020, docs/attachments.md "S3"): filled by the
 * `ON DELETE` trigger of S3-backed attachment rows, worked by every instance's runner
 * (`core/attachments/s3_deletions.ts`). A claim leases due rows with `FOR UPDATE SKIP LOCKED`
 * (each row to one instance at a time; a lease left by an instance that died runs out and the
 * row is claimed again), then the runner deletes the objects and {@link S3DeletionQueue.done}
 * removes the row, or {@link S3DeletionQueue.retry} puts it off.
 *
 * @module
 */

import type { Db, Queryable } from "./driver.ts";
import { integer, optStr, text } from "./rows.ts";

/** The channel the trigger notifies when it queues a deletion. */
export const S3_DELETIONS_CHANNEL = "parley_s3_deletions";

/** A claimed deletion. */
export interface S3Deletion {
  attachmentId: string;
  /** Objects 0 … chunks-1, or null: list the attachment's prefix. */
  chunks: number | null;
  /** Attempts so far, this one included. */
  attempts: number;
  /** Passed back to {@link S3DeletionQueue.done}. */
  generation: number;
}

/** $1 batch, $2 lease in ms. Oldest due first; rows another instance holds are skipped. */
const CLAIM = `
WITH due AS (
  SELECT attachment_id FROM s3_deletions
  WHERE next_at <= clock_timestamp()
  ORDER BY next_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED
)
UPDATE s3_deletions AS d
SET attempts = d.attempts + 1, next_at = clock_timestamp() + $2 * interval '1 millisecond'
FROM due WHERE d.attachment_id = due.attachment_id
RETURNING d.attachment_id, d.chunks, d.attempts, d.generation`;

/** The deletion queue's queries. */
export class S3DeletionQueue {
  readonly #db: Queryable;
  /** The driver, for LISTEN on {@link S3_DELETIONS_CHANNEL}. */
  readonly driver: Pick<Db, "listen">;

  /** Over a migrated database. */
  constructor(db: Db) {
    this.#db = db;
    this.driver = db;
  }

  /** Leases up to `limit` due deletions for `leaseMs`. */
  async claim(limit: number, leaseMs: number): Promise<S3Deletion[]> {
    const rows = await this.#db.query(CLAIM, [limit, leaseMs]);
    return rows.map((r) => {
      const chunks = r.chunks;
      return {
        attachmentId: text(r, "attachment_id"),
        chunks: chunks === null ? null : integer(r, "chunks"),
        attempts: integer(r, "attempts"),
        generation: integer(r, "generation"),
      };
    });
  }

  /** The objects are gone: removes the row, unless it was queued again since the claim. */
  async done(d: S3Deletion): Promise<void> {
    await this.#db.query(
      "DELETE FROM s3_deletions WHERE attachment_id = $1 AND generation = $2",
      [d.attachmentId, d.generation],
    );
  }

  /** The attempt failed: tries again in `delayMs`, keeping why for operators. */
  async retry(d: S3Deletion, delayMs: number, error: string): Promise<void> {
    await this.#db.query(
      `UPDATE s3_deletions
       SET next_at = clock_timestamp() + $2 * interval '1 millisecond', last_error = $3
       WHERE attachment_id = $1`,
      [d.attachmentId, Math.round(delayMs), error.slice(0, 500)],
    );
  }

  /** Milliseconds until the next deletion is due (0: now); null when the queue is empty. */
  async msUntilNextDue(): Promise<number | null> {
    const rows = await this.#db.query(
      `SELECT (extract(epoch FROM min(next_at) - clock_timestamp()) * 1000)::float8 AS ms
       FROM s3_deletions`,
    );
    const ms = rows[0]?.ms;
    return ms === null || ms === undefined ? null : Math.max(0, Math.ceil(Number(ms)));
  }

  /** How many deletions wait, and the error of the oldest failing one (start-up, metrics). */
  async backlog(): Promise<{ n: number; lastError: string | null }> {
    const rows = await this.#db.query(
      `SELECT count(*)::int AS n,
         (SELECT last_error FROM s3_deletions WHERE last_error IS NOT NULL
          ORDER BY created_at LIMIT 1) AS last_error
       FROM s3_deletions`,
    );
    return { n: integer(rows[0], "n"), lastError: optStr(rows[0], "last_error") };
  }
}

/**
 * Queues the objects of attachment `id` for deletion again (their row is gone already, or goes
 * now): an upload that failed after its row was deleted may have written chunks the runner had
 * already listed. A no-op for an id whose row is still there.
 */
export async function requeueS3Deletion(db: Queryable, id: string): Promise<void> {
  await db.query(
    `INSERT INTO s3_deletions (attachment_id, chunks)
     SELECT $1, NULL WHERE NOT EXISTS (SELECT 1 FROM attachments WHERE id = $1)
     ON CONFLICT (attachment_id) DO UPDATE
       SET chunks = NULL, next_at = now(), generation = s3_deletions.generation + 1`,
    [id],
  );
  await db.query(`SELECT pg_notify('${S3_DELETIONS_CHANNEL}', '')`);
}
