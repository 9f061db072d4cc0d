/**
 * Conversations: reads, inbox listings, assignment, status changes, ratings and read markers.
 * Every state change is one statement, so it is atomic without an explicit transaction.
 *
 * @module
 */

import type { ConversationSummary } from "../protocol/frames.ts";
import { type Conversation, type ConversationQuery, StoreError } from "./store.ts";
import type { Queryable, Row } from "./driver.ts";
import {
  conversationColumns,
  int4,
  integer,
  rowToConversation,
  rowToSummary,
  SUMMARY_COLUMNS,
  text,
} from "./rows.ts";
import { constraintError } from "./sql_agents.ts";

/** Default and largest page of {@link listConversations}. */
export const DEFAULT_CONVERSATION_PAGE = 50;
/** Largest page of {@link listConversations}. */
export const MAX_CONVERSATION_PAGE = 500;

/** See `Store.startOver`. */
export async function startOver(db: Queryable, visitorId: string): Promise<void> {
  await db.query("UPDATE visitors SET current_conversation_id = NULL WHERE id = $1", [visitorId]);
}

/** Clamps a requested page size to `[1, max]`, with `fallback` when absent or not a number. */
export function pageSize(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(max, Math.max(1, Math.trunc(limit)));
}

/**
 * See `Store.listConversations`. The WHERE clause is assembled from fixed fragments (each
 * filter combination is its own prepared statement, so every one gets a plan that fits it);
 * values are always bound as parameters.
 */
export async function listConversations(
  db: Queryable,
  q: ConversationQuery,
): Promise<ConversationSummary[]> {
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (q.status !== undefined) where.push(`c.status = ANY(${param(q.status)}::text[])`);
  if (q.assigneeId === null) where.push("c.assignee_id IS NULL");
  else if (q.assigneeId !== undefined) where.push(`c.assignee_id = ${param(q.assigneeId)}`);
  if (q.visitorId !== undefined) where.push(`c.visitor_id = ${param(q.visitorId)}`);
  if (q.siteIds !== undefined) {
    // No site at all matches nothing: skip the round trip.
    if (q.siteIds.length === 0) return [];
    where.push(`c.site_id = ANY(${param(q.siteIds)}::text[])`);
  }
  if (q.updatedBefore !== undefined) {
    where.push(`c.updated_at < ${param(q.updatedBefore)}::text::timestamptz`);
  }
  if (q.updatedSince !== undefined) {
    where.push(`c.updated_at >= ${param(q.updatedSince)}::text::timestamptz`);
  }
  if (q.after !== undefined) {
    where.push(
      `(c.updated_at, c.id) < (${param(q.after.updatedAt)}::text::timestamptz, ${
        param(q.after.id)
      }::text)`,
    );
  }
  if (q.labelId !== undefined) {
    where.push(
      `EXISTS (SELECT 1 FROM conversation_labels cl WHERE cl.conversation_id = c.id
        AND cl.label_id = ${param(q.labelId)})`,
    );
  }
  const reads = q.forAgentId === undefined
    ? "LEFT JOIN agent_reads r ON false"
    : `LEFT JOIN agent_reads r ON r.conversation_id = c.id AND r.agent_id = ${param(q.forAgentId)}`;
  const limit = param(pageSize(q.limit, DEFAULT_CONVERSATION_PAGE, MAX_CONVERSATION_PAGE));
  const rows = await db.query(
    `SELECT ${SUMMARY_COLUMNS}
     FROM conversations c JOIN visitors v ON v.id = c.visitor_id ${reads}
     ${where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`}
     ORDER BY ${q.order === "priority" ? "c.priority DESC, " : ""}c.updated_at DESC, c.id DESC
     LIMIT ${limit}`,
    params,
  );
  return rows.map(rowToSummary);
}

/** See `Store.getConversationSummary`. */
export async function getConversationSummary(
  db: Queryable,
  id: string,
  forAgentId?: string,
): Promise<ConversationSummary | null> {
  const rows = await db.query(
    `SELECT ${SUMMARY_COLUMNS}
     FROM conversations c JOIN visitors v ON v.id = c.visitor_id
     LEFT JOIN agent_reads r ON r.conversation_id = c.id AND r.agent_id = $2
     WHERE c.id = $1`,
    [id, forAgentId ?? null],
  );
  return rows.length === 0 ? null : rowToSummary(rows[0]);
}

/** See `Store.countVisitorConversations`. */
export async function countVisitorConversations(
  db: Queryable,
  visitorId: string,
): Promise<number> {
  const rows = await db.query(
    "SELECT count(*)::int AS n FROM conversations WHERE visitor_id = $1",
    [visitorId],
  );
  return integer(rows[0], "n");
}

/**
 * Runs `UPDATE conversations ... WHERE id = $1 AND <cond>` and tells "condition failed" (null)
 * from "no such conversation" (`not_found`) in the same round trip.
 */
async function updateWhere(
  db: Queryable,
  set: string,
  cond: string,
  params: unknown[],
): Promise<Conversation | null> {
  let rows: Row[];
  try {
    rows = await db.query(
      `WITH u AS (
         UPDATE conversations AS c SET ${set} WHERE c.id = $1 AND ${cond}
         RETURNING ${conversationColumns("c")}
       )
       SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1) AS found, u.*
       FROM (SELECT 1) AS one LEFT JOIN u ON true`,
      params,
    );
  } catch (err) {
    throw constraintError(err, "Conversation");
  }
  const row = rows[0];
  if (row.id !== null && row.id !== undefined) return rowToConversation(row);
  if (row.found !== true) throw new StoreError("not_found", "Conversation not found");
  return null;
}

/**
 * See `Store.assign`. With `expectUnassigned` it is a compare-and-set (unassigned and not
 * resolved). Without it, it is a transfer: it always assigns and sets `open`, also reopening a
 * resolved conversation. Throws `not_found` for a missing conversation or agent.
 */
export async function assign(
  db: Queryable,
  conversationId: string,
  agentId: string,
  opts: { expectUnassigned: boolean },
): Promise<Conversation | null> {
  return await updateWhere(
    db,
    "assignee_id = $2, status = 'open', resolved_at = NULL, updated_at = now()",
    opts.expectUnassigned ? "c.assignee_id IS NULL AND c.status <> 'resolved'" : "true",
    [conversationId, agentId],
  );
}

/** See `Store.unassign`. Throws `not_found` for a missing conversation. */
export async function unassign(
  db: Queryable,
  conversationId: string,
): Promise<Conversation | null> {
  return await updateWhere(
    db,
    "assignee_id = NULL, status = 'queued', updated_at = now()",
    "c.assignee_id IS NOT NULL AND c.status <> 'resolved'",
    [conversationId],
  );
}

/** See `Store.resolve`. Throws `not_found` for a missing conversation. */
export async function resolve(db: Queryable, conversationId: string): Promise<Conversation | null> {
  return await updateWhere(
    db,
    // A resolved conversation is in no open list: a snooze left on it would wake it for nothing.
    `status = 'resolved', resolved_at = now(), resolved_seq = c.last_seq + 1, updated_at = now(),
     snoozed_until = NULL`,
    "c.status <> 'resolved'",
    [conversationId],
  );
}

/** See `Store.reopen`. Throws `not_found` for a missing conversation. */
export async function reopen(db: Queryable, conversationId: string): Promise<Conversation | null> {
  return await updateWhere(
    db,
    `status = CASE WHEN c.assignee_id IS NULL THEN 'queued' ELSE 'open' END,
     resolved_at = NULL, updated_at = now()`,
    "c.status = 'resolved'",
    [conversationId],
  );
}

/**
 * See `Store.snooze`. `updated_at` is left alone: a snooze is not activity, and the inbox order
 * (and retention) go by activity.
 */
export async function snooze(
  db: Queryable,
  conversationId: string,
  until: string | null,
): Promise<Conversation | null> {
  return until === null
    ? await updateWhere(db, "snoozed_until = NULL", "c.snoozed_until IS NOT NULL", [
      conversationId,
    ])
    : await updateWhere(
      db,
      "snoozed_until = $2::text::timestamptz",
      "c.status <> 'resolved'",
      [conversationId, until],
    );
}

/** See `Store.rate`. Throws `invalid` unless 1-5 and `not_found` for a missing conversation. */
export async function rate(
  db: Queryable,
  conversationId: string,
  rating: number,
): Promise<Conversation> {
  if (!Number.isInteger(rating) || rating < 1 || rating > 5) {
    throw new StoreError("invalid", "Rating must be an integer from 1 to 5");
  }
  const c = await updateWhere(db, "rating = $2", "true", [conversationId, rating]);
  if (c === null) throw new StoreError("not_found", "Conversation not found");
  return c;
}

/**
 * See `Store.markAgentRead`. The marker never decreases nor passes the conversation's last seq;
 * a missing conversation writes nothing and returns null, a missing agent throws `not_found`.
 * The conversation row is written (and locked) only when its `agent_read_seq` advances.
 */
export async function markAgentRead(
  db: Queryable,
  agentId: string,
  conversationId: string,
  seq: number,
): Promise<{ advanced: boolean } | null> {
  try {
    const rows = await db.query(
      `WITH r AS (
         INSERT INTO agent_reads AS r (agent_id, conversation_id, seq)
         SELECT $1, c.id, LEAST(GREATEST($3::int, 0), c.last_seq) FROM conversations c
         WHERE c.id = $2
         ON CONFLICT (agent_id, conversation_id)
         DO UPDATE SET seq = GREATEST(r.seq, EXCLUDED.seq)
         RETURNING r.seq
       ), c AS (
         UPDATE conversations AS c SET agent_read_seq = r.seq FROM r
         WHERE c.id = $2 AND c.agent_read_seq < r.seq
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM c) AS advanced FROM r`,
      [agentId, conversationId, int4(seq)],
    );
    return rows.length > 0 ? { advanced: rows[0].advanced === true } : null;
  } catch (err) {
    throw constraintError(err, "Read marker agent");
  }
}

/** See `Store.markVisitorRead`. Never decreases nor passes the last seq. */
export async function markVisitorRead(
  db: Queryable,
  conversationId: string,
  seq: number,
): Promise<void> {
  await db.query(
    `UPDATE conversations
     SET visitor_read_seq = GREATEST(visitor_read_seq, LEAST($2::int, last_seq))
     WHERE id = $1 AND visitor_read_seq < LEAST($2::int, last_seq)`,
    [conversationId, int4(seq)],
  );
}

/**
 * See `Store.openCounts`: every enabled agent with the number of `open` conversations assigned
 * to them (zero included, so the least-loaded agent is simply the smallest entry).
 */
export async function openCounts(db: Queryable): Promise<Map<string, number>> {
  const rows = await db.query(
    `SELECT a.id, count(c.id)::int AS n
     FROM agents a LEFT JOIN conversations c ON c.assignee_id = a.id AND c.status = 'open'
     WHERE NOT a.disabled
     GROUP BY a.id`,
  );
  return new Map(rows.map((r) => [text(r, "id"), integer(r, "n")]));
}
