/**
 * Conversation history search (`GET /api/search`): full-text over messages, or a listing of the
 * conversations that match filters alone (label, site, assignee, status, creation time). Both
 * answer the same hits, so the console shows them in one list.
 *
 * @module
 */

import type { Label } from "../protocol/frames.ts";
import type { Queryable, Row } from "./driver.ts";
import type { SearchFilters, SearchHit } from "./store.ts";
import {
  bad,
  conversationColumns,
  float,
  messageColumns,
  rowToConversation,
  rowToMessage,
  text,
} from "./rows.ts";
import { pageSize } from "./sql_conversations.ts";

/** Largest page of {@link searchMessages}. */
export const MAX_SEARCH_HITS = 100;

/** The conversation `c`'s labels, by name, as one jsonb array (read by {@link labelsOf}). */
const LABELS_COLUMN = `(SELECT COALESCE(
    jsonb_agg(jsonb_build_object('id', l.id, 'name', l.name, 'color', l.color)
      ORDER BY lower(l.name), l.id),
    '[]'::jsonb)
  FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id
  WHERE cl.conversation_id = c.id) AS labels`;

/**
 * See `Store.searchMessages`. Web-search syntax (`"a phrase"`, `or`, `-word`) over the
 * `simple` text configuration (no stemming, any language); best rank first, then newest. A
 * blank query with `filters` lists conversations instead (rank 0). `limit` is clamped to 1-100.
 * A query without words and no `filters`, an empty `siteIds` or empty `statuses` return nothing.
 */
export async function searchMessages(
  db: Queryable,
  query: string,
  limit: number,
  siteIds?: readonly string[],
  filters?: SearchFilters,
): Promise<SearchHit[]> {
  const listing = query.trim() === "";
  if (listing && filters === undefined) return [];
  if (siteIds?.length === 0 || filters?.statuses?.length === 0) return [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  // Fixed fragments only, values always bound: each combination of filters is its own prepared
  // statement with a plan that fits it (as `listConversations` does).
  const where: string[] = [];
  if (siteIds !== undefined) where.push(`c.site_id = ANY(${param(siteIds)}::text[])`);
  if (filters?.statuses !== undefined) {
    where.push(`c.status = ANY(${param(filters.statuses)}::text[])`);
  }
  if (filters?.assigneeId === null) where.push("c.assignee_id IS NULL");
  else if (filters?.assigneeId !== undefined) {
    where.push(`c.assignee_id = ${param(filters.assigneeId)}`);
  }
  if (filters?.labelId !== undefined) {
    where.push(
      `EXISTS (SELECT 1 FROM conversation_labels fl WHERE fl.conversation_id = c.id
        AND fl.label_id = ${param(filters.labelId)})`,
    );
  }
  if (filters?.createdFrom !== undefined) {
    where.push(`c.created_at >= ${param(filters.createdFrom)}::text::timestamptz`);
  }
  if (filters?.createdBefore !== undefined) {
    where.push(`c.created_at < ${param(filters.createdBefore)}::text::timestamptz`);
  }
  const select = `${messageColumns("m")}, ${conversationColumns("c", "c_")},
    v.name AS visitor_name, ${LABELS_COLUMN}`;
  let rows: Row[];
  if (listing) {
    const cond = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
    // The conversation's latest message with words (notes included, as search finds them)
    // stands for it; one without any is left out, as it could not be shown.
    rows = await db.query(
      `SELECT ${select}, 0::float8 AS rank
       FROM conversations c
       JOIN visitors v ON v.id = c.visitor_id
       JOIN LATERAL (
         SELECT * FROM messages x WHERE x.conversation_id = c.id AND x.body <> ''
         ORDER BY x.seq DESC LIMIT 1
       ) m ON true
       ${cond}
       ORDER BY c.updated_at DESC, c.id DESC
       LIMIT ${param(pageSize(limit, MAX_SEARCH_HITS, MAX_SEARCH_HITS))}`,
      params,
    );
  } else {
    const q = param(query);
    const cond = where.map((w) => `AND ${w}`).join(" ");
    rows = await db.query(
      `SELECT ${select}, ts_rank(to_tsvector('simple', m.body), q.query) AS rank
       FROM websearch_to_tsquery('simple', ${q}) AS q(query)
       JOIN messages m ON to_tsvector('simple', m.body) @@ q.query
       JOIN conversations c ON c.id = m.conversation_id
       JOIN visitors v ON v.id = c.visitor_id
       WHERE m.body <> '' ${cond}
       ORDER BY rank DESC, m.created_at DESC, m.id
       LIMIT ${param(pageSize(limit, MAX_SEARCH_HITS, MAX_SEARCH_HITS))}`,
      params,
    );
  }
  return rows.map((r) => {
    const c = rowToConversation(r, "c_");
    return {
      message: rowToMessage(r),
      visitorName: text(r, "visitor_name"),
      rank: float(r, "rank"),
      labels: labelsOf(r.labels),
      status: c.status,
      siteId: c.siteId,
      assigneeId: c.assigneeId,
    };
  });
}

/** Reads {@link LABELS_COLUMN}. */
function labelsOf(v: unknown): Label[] {
  if (!Array.isArray(v)) throw bad("labels", v);
  return v.map((l: unknown) => {
    if (
      typeof l !== "object" || l === null || !("id" in l) || typeof l.id !== "string" ||
      !("name" in l) || typeof l.name !== "string" || !("color" in l) ||
      typeof l.color !== "string"
    ) throw bad("labels", v);
    return { id: l.id, name: l.name, color: l.color };
  });
}
