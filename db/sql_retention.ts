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

import type { AuditEntry } from "../protocol/api.ts";
import type { Db, Queryable } from "./driver.ts";
import type { ErasedVisitor, RemovedCounts, VisitorExport } from "./store.ts";
import { type AuditInput, recordAudit } from "./sql_audit.ts";
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

/**
 * What an erasure leaves of a visitor's id in the audit log: its SHA-256, so whoever holds the
 * id can still find the entries about it, and nobody can read the id back (a random UUID).
 */
export async function erasedTarget(visitorId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(visitorId));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"));
  return `sha256:${hex.join("")}`;
}

/**
 * See `Store.eraseVisitor`. One transaction: the visitor goes with everything the cascades
 * take (conversations, messages, agent read markers), its presence rows, and its id from the
 * audit log, and the erasure's own audit entry is written, or none of it is.
 */
export async function eraseVisitor(
  db: Db,
  visitorId: string,
  audit: AuditInput,
): Promise<{ erased: ErasedVisitor; entry: AuditEntry }> {
  const target = await erasedTarget(visitorId);
  return await db.transaction(async (tx) => {
    const found = await tx.query("SELECT site_id FROM visitors WHERE id = $1 FOR UPDATE", [
      visitorId,
    ]);
    if (found.length === 0) throw new StoreError("not_found", "Visitor not found");
    const removed = await deleteVisitor(tx, visitorId);
    await tx.query("DELETE FROM cluster_visitors WHERE visitor_id = $1", [visitorId]);
    await tx.query("UPDATE audit_log SET target_id = $2 WHERE target_id = $1", [
      visitorId,
      target,
    ]);
    const erased = { ...removed, siteId: String(found[0].site_id) };
    const entry = await recordAudit(tx, {
      ...audit,
      targetId: target,
      details: { ...audit.details, ...removed, siteId: erased.siteId },
    });
    return { erased, entry };
  });
}

/**
 * The condition of {@link purgeExpiredConversations}, repeated in its DELETE (see
 * {@link PURGEABLE}): resolved, and last active longer ago than the site's retention, or the
 * server's default (`$2`) when the site sets none. With neither, nothing matches.
 */
const EXPIRED = `c.status = 'resolved' AND c.updated_at <
  $1::timestamptz - make_interval(days => COALESCE(s.retention_days, $2::integer))`;

/**
 * See `Store.purgeExpiredConversations`: one batch of at most `limit` conversations, in one
 * statement (its own short transaction).
 */
export async function purgeExpiredConversations(
  db: Queryable,
  now: Date,
  defaultDays: number | null,
  limit: number,
): Promise<RemovedCounts> {
  const [row] = await db.query(
    `WITH d AS (
       DELETE FROM conversations c USING sites s
       WHERE c.id IN (
           SELECT c.id FROM conversations c JOIN sites s ON s.id = c.site_id
           WHERE ${EXPIRED} LIMIT $3
         )
         AND s.id = c.site_id AND ${EXPIRED}
       RETURNING c.id
     )
     SELECT (SELECT count(*) FROM d)::int AS conversations,
       (SELECT count(*) FROM messages m WHERE m.conversation_id IN (SELECT id FROM d))::int
         AS messages`,
    [now, defaultDays, limit],
  );
  return { conversations: integer(row, "conversations"), messages: integer(row, "messages") };
}

/**
 * Anonymous visitors who never started a conversation and were last seen before `$1`, but none
 * connected now (`cluster_visitors` on a cluster, `$2` for this instance's own sockets).
 */
const FORGOTTEN = `v.external_id IS NULL AND v.email IS NULL AND v.last_seen_at < $1
  AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.visitor_id = v.id)
  AND NOT EXISTS (SELECT 1 FROM cluster_visitors cv WHERE cv.visitor_id = v.id)
  AND NOT (v.id = ANY ($2::text[]))`;

/** See `Store.purgeAnonymousVisitors`: one batch of at most `limit` visitors. */
export async function purgeAnonymousVisitors(
  db: Queryable,
  before: Date,
  keep: readonly string[],
  limit: number,
): Promise<number> {
  const [row] = await db.query(
    `WITH d AS (
       DELETE FROM visitors v
       WHERE v.id IN (SELECT v.id FROM visitors v WHERE ${FORGOTTEN} LIMIT $3) AND ${FORGOTTEN}
       RETURNING v.id
     )
     SELECT count(*)::int AS visitors FROM d`,
    [before, keep, limit],
  );
  return integer(row, "visitors");
}

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
