/**
 * Group commit for first messages: many visitors opening their conversation, each with its first
 * message, in ONE statement (one round trip, one commit). On a storefront's busy morning most
 * messages are first messages; one statement per conversation opened made them the queue every
 * later message waited in.
 *
 * The guarantees are those of the single path (`APPEND_VISITOR_FIRST` in `sql_messages.ts`):
 * every visitor row is locked (in id order, so concurrent batches cannot deadlock), and a
 * conversation is opened only for a visitor who, once locked, still has none and has not stored
 * this client id: two tabs opening at once open one conversation. The caller passes one input per
 * visitor, each allowed to open (`mayOpen`).
 *
 * Inputs it does not store (the visitor has a conversation by now, the client id is stored, an
 * unknown visitor) come back as `null` for the single path, which says which.
 *
 * @module
 */

import type { AppendResult, VisitorMessageInput } from "./store.ts";
import type { Queryable } from "./driver.ts";
import { appended, INSERT_MESSAGE, RESULT_COLUMNS } from "./sql_messages.ts";

/** $1 visitor ids (distinct), $2 client ids, $3 bodies (parallel arrays, in submission order). */
const OPEN_VISITOR_BATCH = `
WITH input AS (
  SELECT i.visitor_id, i.client_id, i.body, i.ord::int AS ord
  FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS i(visitor_id, client_id, body, ord)
), v AS (
  SELECT id, site_id, name, current_conversation_id FROM visitors
  WHERE id = ANY ($1::text[])
  ORDER BY id
  FOR UPDATE
), eligible AS (
  SELECT i.visitor_id, i.client_id, i.body, v.site_id, v.name
  FROM input i JOIN v ON v.id = i.visitor_id
  WHERE v.current_conversation_id IS NULL AND NOT EXISTS (
    SELECT 1 FROM messages x
    WHERE x.author_kind = 'visitor' AND x.author_id = i.visitor_id AND x.client_id = i.client_id)
), c AS (
  INSERT INTO conversations AS c (site_id, visitor_id, status, last_seq, last_message_body,
    last_author_kind, last_message_at, created_at, updated_at)
  SELECT e.site_id, e.visitor_id, 'queued', 1, e.body, 'visitor', t.at, t.at, t.at
  FROM eligible e, (SELECT clock_timestamp() AS at) t
  RETURNING c.*
), link AS (
  UPDATE visitors SET current_conversation_id = c.id FROM c WHERE visitors.id = c.visitor_id
), m AS (
  ${INSERT_MESSAGE}
  SELECT c.id, 1, 'visitor', e.visitor_id, e.name, e.client_id, e.body, false, c.last_message_at
  FROM c JOIN eligible e ON e.visitor_id = c.visitor_id
  RETURNING m.*
)
SELECT i.ord, ${RESULT_COLUMNS}
FROM input i
JOIN m ON m.author_id = i.visitor_id AND m.client_id = i.client_id
JOIN c ON c.id = m.conversation_id
ORDER BY i.ord`;

/**
 * Opens one conversation per input with its first message, in one statement. Returns one entry
 * per input, in order: the result (`created: true`), or `null` for the single path. The visitor
 * ids must be distinct.
 */
export async function openVisitorBatch(
  db: Queryable,
  inputs: VisitorMessageInput[],
): Promise<(AppendResult | null)[]> {
  const rows = await db.query(OPEN_VISITOR_BATCH, [
    inputs.map((i) => i.visitorId),
    inputs.map((i) => i.clientId),
    inputs.map((i) => i.body),
  ]);
  const out: (AppendResult | null)[] = inputs.map(() => null);
  for (const row of rows) {
    const index = Number(row.ord) - 1;
    if (index in out) out[index] = appended(row, { created: true });
  }
  return out;
}
