/**
 * Group commit for visitor messages: many `appendVisitorMessage` calls stored by ONE statement
 * (one round trip, one commit, one WAL flush), with the guarantees of the single append
 * (`sql_messages.ts`):
 *
 * - seqs stay gap-free and ordered per conversation: each conversation row is locked (in id
 *   order, so concurrent batches cannot deadlock), `last_seq` grows by the number of messages
 *   the batch adds to it, and the messages take the new seqs in submission order;
 * - idempotency: a client id already stored, or repeated within the batch, is not stored again
 *   (a repeat within the batch with another body is a different message: it takes the single
 *   path, which refuses it as a `conflict`);
 * - the ack follows the commit: results exist only once the statement has committed.
 *
 * Every lookup is written as a per-row index probe (LATERAL ... LIMIT 1, `= ANY (ARRAY(...))`),
 * so the plan stays cheap whatever the statistics say: PGlite has no autovacuum to gather them,
 * and a fresh Postgres table has none yet.
 *
 * Items the batch does not store (a visitor's first message, a client id stored earlier, an
 * unknown visitor) come back as `null` and take the single-message path, which handles them.
 *
 * @module
 */

import type { AppendResult, VisitorMessageInput } from "./store.ts";
import type { Queryable } from "./driver.ts";
import { appended, INSERT_MESSAGE, RESULT_COLUMNS } from "./sql_messages.ts";

/** $1 visitor ids, $2 client ids, $3 bodies (parallel arrays, in submission order). */
const APPEND_VISITOR_BATCH = `
WITH input AS (
  SELECT i.visitor_id, i.client_id, i.body, i.ord::int AS ord
  FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS i(visitor_id, client_id, body, ord)
), fresh AS (
  SELECT DISTINCT ON (i.visitor_id, i.client_id) i.visitor_id, i.client_id, i.body, i.ord
  FROM input i
  LEFT JOIN LATERAL (
    SELECT true AS stored FROM messages x
    WHERE x.author_kind = 'visitor' AND x.author_id = i.visitor_id AND x.client_id = i.client_id
    LIMIT 1
  ) d ON true
  WHERE d.stored IS NULL
  ORDER BY i.visitor_id, i.client_id, i.ord
), target AS (
  SELECT f.visitor_id, f.client_id, f.body, f.ord, v.name AS visitor_name,
    v.current_conversation_id AS conversation_id,
    row_number() OVER w AS rank,
    count(*) OVER (PARTITION BY v.current_conversation_id) AS n,
    last_value(f.body) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
      AS last_body
  FROM fresh f
  CROSS JOIN LATERAL (
    SELECT name, current_conversation_id FROM visitors WHERE id = f.visitor_id LIMIT 1
  ) v
  WHERE v.current_conversation_id IS NOT NULL
  WINDOW w AS (PARTITION BY v.current_conversation_id ORDER BY f.ord)
), locked AS (
  SELECT c.id, c.status FROM conversations c
  WHERE c.id = ANY (ARRAY(SELECT DISTINCT conversation_id FROM target))
  ORDER BY c.id
  FOR UPDATE
), c AS (
  UPDATE conversations AS c SET
    last_seq = c.last_seq + t.n,
    status = CASE WHEN c.status <> 'resolved' THEN c.status
      WHEN c.assignee_id IS NULL THEN 'queued' ELSE 'open' END,
    resolved_at = CASE WHEN c.status = 'resolved' THEN NULL ELSE c.resolved_at END,
    -- The visitor writing wakes a snoozed conversation (the console tells its assignee).
    snoozed_until = NULL,
    last_message_body = t.last_body,
    last_author_kind = 'visitor',
    last_message_at = clock_timestamp(),
    updated_at = clock_timestamp()
  FROM (SELECT DISTINCT conversation_id, n, last_body FROM target) t, locked l
  WHERE c.id = ANY (ARRAY(SELECT id FROM locked))
    AND c.id = t.conversation_id AND l.id = c.id
  RETURNING c.*, l.status AS prev_status, t.n AS batch_n
), m AS (
  ${INSERT_MESSAGE}
  SELECT t.conversation_id, c.last_seq - c.batch_n + t.rank, 'visitor', t.visitor_id,
    t.visitor_name, t.client_id, t.body, false, c.last_message_at
  FROM target t JOIN c ON c.id = t.conversation_id
  RETURNING m.*
)
SELECT i.ord, c.prev_status, c.last_seq - c.batch_n AS first_seq, ${RESULT_COLUMNS}
FROM input i
LEFT JOIN m ON m.author_id = i.visitor_id AND m.client_id = i.client_id
LEFT JOIN c ON c.id = m.conversation_id
ORDER BY i.ord`;

/**
 * Stores a batch of visitor messages in one statement. Returns one entry per input, in order:
 * the append result, or `null` for inputs to store with the single-message path. Throws when
 * the statement fails as a whole (e.g. a concurrent send of the same client id won the race).
 */
export async function appendVisitorBatch(
  db: Queryable,
  inputs: VisitorMessageInput[],
): Promise<(AppendResult | null)[]> {
  const rows = await db.query(APPEND_VISITOR_BATCH, [
    inputs.map((i) => i.visitorId),
    inputs.map((i) => i.clientId),
    inputs.map((i) => i.body),
  ]);
  const out: (AppendResult | null)[] = inputs.map(() => null);
  const stored = new Set<string>();
  for (const row of rows) {
    const index = Number(row.ord) - 1;
    if (row.m_id === null || row.m_id === undefined || !(index in out)) continue;
    const result = appended(row, {});
    // A repeat of a client id with another body is not a resend: the single path refuses it.
    if (result.message.body !== inputs[index].body) continue;
    // Repeats of one client id within the batch get the first one's message, as resends do.
    result.duplicate = stored.has(result.message.id);
    stored.add(result.message.id);
    // The conversation as of this message (later ones in the batch moved last_seq on).
    result.conversation.lastSeq = result.message.seq;
    result.reopened = row.prev_status === "resolved" &&
      Number(row.first_seq) + 1 === result.message.seq;
    out[index] = result;
  }
  return out;
}
