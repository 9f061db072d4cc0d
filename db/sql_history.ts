/**
 * Reading messages: history windows (single messages are grouped reads, in
 * `sql_point_reads.ts`; search is `sql_search.ts`).
 *
 * @module
 */

import type { Message } from "../protocol/frames.ts";
import { MAX_HISTORY_PAGE } from "../protocol/limits.ts";
import type { HistoryQuery } from "./store.ts";
import type { Queryable } from "./driver.ts";
import { int4, messageColumns, rowToMessage } from "./rows.ts";
import { pageSize } from "./sql_conversations.ts";

/** Default page of {@link listMessages}. */
export const DEFAULT_HISTORY_PAGE = 50;

/**
 * See `Store.listMessages`. With `afterSeq`: the first `limit` messages after it (and before
 * `beforeSeq`, when also given). With only `beforeSeq`: the `limit` messages just before it.
 * With neither: the latest `limit`. Always ascending. `hasMore` is true when visible messages
 * older than the first returned one exist (for an empty window: older than the window).
 * `limit` defaults to 50 and is clamped to 1-200. Notes are left out unless `includeNotes`.
 */
export async function listMessages(
  db: Queryable,
  conversationId: string,
  q: HistoryQuery,
): Promise<{ messages: Message[]; hasMore: boolean }> {
  const limit = pageSize(q.limit, DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE);
  // Fixed fragments only: each variant is its own prepared statement with a fitting plan.
  const visible = q.includeNotes ? "" : "AND NOT x.note";
  if (q.afterSeq !== undefined) {
    const params: unknown[] = [conversationId, int4(q.afterSeq), limit];
    const below = q.beforeSeq === undefined ? "" : "AND x.seq < $4";
    if (q.beforeSeq !== undefined) params.push(int4(q.beforeSeq));
    // Every visible message between afterSeq and the first returned one is returned, so "older
    // than the first returned" is the same as "at or before afterSeq".
    const rows = await db.query(
      `SELECT h.has_older, ${messageColumns("m")}
       FROM (SELECT EXISTS (
         SELECT 1 FROM messages x WHERE x.conversation_id = $1 AND x.seq <= $2 ${visible}
       ) AS has_older) h
       LEFT JOIN LATERAL (
         SELECT * FROM messages x WHERE x.conversation_id = $1 AND x.seq > $2 ${below} ${visible}
         ORDER BY x.seq LIMIT $3
       ) m ON true
       ORDER BY m.seq`,
      params,
    );
    return {
      messages: rows.filter((r) => r.id !== null).map((r) => rowToMessage(r)),
      hasMore: rows[0]?.has_older === true,
    };
  }
  const params: unknown[] = [conversationId, limit + 1];
  const below = q.beforeSeq === undefined ? "" : "AND x.seq < $3";
  if (q.beforeSeq !== undefined) params.push(int4(q.beforeSeq));
  const rows = await db.query(
    `SELECT ${messageColumns("x")} FROM messages x
     WHERE x.conversation_id = $1 ${below} ${visible}
     ORDER BY x.seq DESC LIMIT $2`,
    params,
  );
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit).map((r) => rowToMessage(r));
  return { messages: page.reverse(), hasMore };
}
