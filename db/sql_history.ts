/**
 * Reading messages: history windows and full-text search (single messages are grouped reads, in
 * `sql_point_reads.ts`).
 *
 * @module
 */

import type { Message } from "../protocol/frames.ts";
import { MAX_HISTORY_PAGE } from "../protocol/limits.ts";
import type { HistoryQuery, SearchHit } from "./store.ts";
import type { Queryable } from "./driver.ts";
import { float, int4, messageColumns, rowToMessage, text } from "./rows.ts";
import { pageSize } from "./sql_conversations.ts";

/** Default page of {@link listMessages}. */
export const DEFAULT_HISTORY_PAGE = 50;
/** Largest page of {@link searchMessages}. */
export const MAX_SEARCH_HITS = 100;

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

/**
 * See `Store.searchMessages`. Web-search syntax (`"a phrase"`, `or`, `-word`) over the
 * `simple` text configuration (no stemming, any language); best rank first, then newest.
 * `limit` is clamped to 1-100. A query without words, or an empty `siteIds`, returns nothing.
 */
export async function searchMessages(
  db: Queryable,
  query: string,
  limit: number,
  siteIds?: readonly string[],
): Promise<SearchHit[]> {
  if (query.trim() === "" || siteIds?.length === 0) return [];
  const params: unknown[] = [query, pageSize(limit, MAX_SEARCH_HITS, MAX_SEARCH_HITS)];
  // A fixed fragment: with and without the site filter are two prepared statements.
  const sites = siteIds === undefined ? "" : "AND c.site_id = ANY($3::text[])";
  if (siteIds !== undefined) params.push(siteIds);
  const rows = await db.query(
    `SELECT ${messageColumns("m")}, v.name AS visitor_name,
       ts_rank(to_tsvector('simple', m.body), q.query) AS rank,
       ARRAY(SELECT cl.label_id FROM conversation_labels cl WHERE cl.conversation_id = c.id
         ORDER BY cl.label_id) AS label_ids
     FROM websearch_to_tsquery('simple', $1) AS q(query)
     JOIN messages m ON to_tsvector('simple', m.body) @@ q.query
     JOIN conversations c ON c.id = m.conversation_id
     JOIN visitors v ON v.id = c.visitor_id
     WHERE m.body <> '' ${sites}
     ORDER BY rank DESC, m.created_at DESC, m.id
     LIMIT $2`,
    params,
  );
  return rows.map((r) => ({
    message: rowToMessage(r),
    visitorName: text(r, "visitor_name"),
    rank: float(r, "rank"),
    labels: Array.isArray(r.label_ids) ? r.label_ids.filter((l) => typeof l === "string") : [],
  }));
}
