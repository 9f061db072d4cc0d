/**
 * What the SQL outboxes (`email_outbox`, `webhook_deliveries`) have in common: an attempt's outcome,
 * a lease, and the statements that read the same on both tables. Each outbox keeps its own claim
 * and finish, which differ in what they join, order by and record.
 *
 * Every row has `status` (`'pending'` until it is done), `attempts` (the attempt a lease belongs
 * to), `next_attempt_at` (when it is due; a lease moves it to the lease's end) and `created_at`.
 *
 * @module
 */

import type { Queryable } from "./driver.ts";
import { integer as int } from "./rows.ts";

/** How an attempt ended: delivered, retried at `retryAt`, or given up. */
export type AttemptOutcome =
  | { kind: "delivered"; status: number }
  | { kind: "retry"; status: number | null; error: string; retryAt: Date }
  | { kind: "failed"; status: number | null; error: string };

/** A claimed row and the attempt its lease is for. */
export interface Lease {
  id: string;
  attempt: number;
}

/** The outbox tables; a name is interpolated into SQL, so only these are accepted. */
export type OutboxTable = "email_outbox" | "webhook_deliveries";

/**
 * Gives leased rows back at once, their attempt not counted (a runner stopping with attempts in
 * flight). A row that moved on since (another attempt, or done) is left alone.
 */
export async function releaseLeases(
  q: Queryable,
  table: OutboxTable,
  leases: Lease[],
): Promise<void> {
  if (leases.length === 0) return;
  await q.query(
    `UPDATE ${table} o SET next_attempt_at = clock_timestamp(), attempts = o.attempts - 1
     FROM unnest($1::text[], $2::int[]) AS l(id, attempt)
     WHERE o.id = l.id AND o.attempts = l.attempt AND o.status = 'pending'`,
    [leases.map((l) => l.id), leases.map((l) => l.attempt)],
  );
}

/** Milliseconds until the next pending row is due (0: now), or null when none is. */
export async function msUntilNextDue(q: Queryable, table: OutboxTable): Promise<number | null> {
  // Not `greatest(0, …)` in SQL: greatest ignores a NULL (nothing pending) and would answer 0,
  // and an idle runner would then look at the outbox every few milliseconds.
  const rows = await q.query(
    `SELECT (extract(epoch FROM min(next_attempt_at) - clock_timestamp()) * 1000)::float8 AS ms
     FROM ${table} WHERE status = 'pending'`,
  );
  const ms = rows[0]?.ms;
  return typeof ms === "number" ? Math.max(0, ms) : null;
}

/** Deletes the rows done (any status but pending) and queued before `before`; returns how many. */
export async function pruneFinished(
  q: Queryable,
  table: OutboxTable,
  before: Date,
): Promise<number> {
  const rows = await q.query(
    `WITH d AS (
       DELETE FROM ${table} WHERE status <> 'pending' AND created_at < $1 RETURNING 1
     ) SELECT count(*)::int AS n FROM d`,
    [before],
  );
  return int(rows[0], "n");
}
