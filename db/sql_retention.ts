/**
 * Retention: a visitor's data exported or deleted on request, and old resolved conversations
 * purged. These are operator actions (`deno task admin visitor …`, `purge`), rare and possibly
 * large, so they favour one consistent snapshot and short transactions over speed.
 *
 * Deletions lean on the schema's cascades: deleting a visitor takes their conversations, and a
 * conversation takes its messages and read markers; a visitor whose current conversation is
 * purged has it set to null (the next message opens a new one).
 *
 * @module
 */

import type { Db, Queryable } from "./driver.ts";
import type { RemovedCounts, VisitorExport } from "./store.ts";
import { StoreError } from "./store.ts";
import {
  conversationColumns,
  integer,
  messageColumns,
  rowToConversation,
  rowToMessage,
  rowToVisitor,
  visitorColumns,
} from "./rows.ts";

/** Conversations a purge deletes per statement: each batch commits on its own. */
export const PURGE_BATCH = 500;

/** See `Store.exportVisitor`. */
export async function exportVisitor(db: Db, visitorId: string): Promise<VisitorExport | null> {
  return await db.transaction(async (tx) => {
    // One snapshot for the three reads: a message stored meanwhile is in all of them or none.
    await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    const visitors = await tx.query(
      `SELECT ${visitorColumns("v")} FROM visitors v WHERE v.id = $1`,
      [visitorId],
    );
    if (visitors.length === 0) return null;
    const conversations = await tx.query(
      `SELECT ${conversationColumns("c")} FROM conversations c WHERE c.visitor_id = $1
       ORDER BY c.created_at, c.id`,
      [visitorId],
    );
    const messages = await tx.query(
      `SELECT ${messageColumns("m")} FROM conversations c
       JOIN messages m ON m.conversation_id = c.id
       WHERE c.visitor_id = $1
       ORDER BY c.created_at, c.id, m.seq`,
      [visitorId],
    );
    return {
      visitor: rowToVisitor(visitors[0]),
      conversations: conversations.map((r) => rowToConversation(r)),
      messages: messages.map((r) => rowToMessage(r)),
    };
  });
}

/** See `Store.deleteVisitor`. One statement counts and deletes, so the counts match. */
export async function deleteVisitor(db: Queryable, visitorId: string): Promise<RemovedCounts> {
  const rows = await db.query(
    `WITH n AS (
       SELECT count(DISTINCT c.id)::int AS conversations, count(m.id)::int AS messages
       FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id
       WHERE c.visitor_id = $1
     ), d AS (
       DELETE FROM visitors WHERE id = $1 RETURNING id
     )
     SELECT EXISTS (SELECT 1 FROM d) AS deleted, n.conversations, n.messages FROM n`,
    [visitorId],
  );
  const row = rows[0];
  if (row.deleted !== true) throw new StoreError("not_found", "Visitor not found");
  return { conversations: integer(row, "conversations"), messages: integer(row, "messages") };
}

/**
 * The purge's condition, repeated in the DELETE itself: under READ COMMITTED Postgres re-checks
 * it on a row changed since the batch was chosen, so a conversation reopened (or written to)
 * meanwhile is no longer resolved or no longer old, and stays.
 */
const PURGEABLE = "c.status = 'resolved' AND c.updated_at < $1";

/** See `Store.purgeResolvedConversations`. */
export async function purgeResolvedConversations(
  db: Queryable,
  before: Date,
  opts: { dryRun: boolean },
): Promise<RemovedCounts> {
  if (opts.dryRun) {
    const [row] = await db.query(
      `SELECT count(DISTINCT c.id)::int AS conversations, count(m.id)::int AS messages
       FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id
       WHERE ${PURGEABLE}`,
      [before],
    );
    return { conversations: integer(row, "conversations"), messages: integer(row, "messages") };
  }
  const total: RemovedCounts = { conversations: 0, messages: 0 };
  for (;;) {
    // Every part of the statement reads the snapshot from before the delete: the count still
    // sees the messages the cascade removes.
    const [row] = await db.query(
      `WITH d AS (
         DELETE FROM conversations c
         WHERE c.id IN (SELECT c.id FROM conversations c WHERE ${PURGEABLE} LIMIT $2)
           AND ${PURGEABLE}
         RETURNING c.id
       )
       SELECT (SELECT count(*) FROM d)::int AS conversations,
         (SELECT count(*) FROM messages m WHERE m.conversation_id IN (SELECT id FROM d))::int
           AS messages`,
      [before, PURGE_BATCH],
    );
    const conversations = integer(row, "conversations");
    total.conversations += conversations;
    total.messages += integer(row, "messages");
    if (conversations < PURGE_BATCH) return total;
  }
}
