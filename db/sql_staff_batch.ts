/**
 * Group commit for agent replies, notes and system messages: one statement stores one message
 * for each of several conversations, with the rules of the single append (`sql_messages.ts`,
 * `APPEND_BY_STAFF`): a reply claims a queued unassigned conversation, a reply to a resolved one
 * is refused, notes leave status and preview alone, client ids are stored once. A batch holds at
 * most one message per conversation (`SqlStore` runs repeats in later rounds, in order), so each
 * row follows exactly the single statement's logic.
 *
 * Items the batch does not store (a client id stored before, an unknown agent or conversation,
 * a reply to a resolved conversation) come back as `null` and take the single path, which
 * reports them.
 *
 * @module
 */

import type { AppendResult } from "./store.ts";
import type { Queryable } from "./driver.ts";
import { appended, INSERT_MESSAGE, RESULT_COLUMNS } from "./sql_messages.ts";

/** One staff message waiting for its batch. */
export interface StaffAppend {
  conversationId: string;
  /** The agent, or null for a system message. */
  authorId: string | null;
  clientId: string | null;
  body: string;
  note: boolean;
  kind: "agent" | "system";
}

/** $1..$7: conversation, author, client id, body, note (0/1), kind, may claim (0/1). */
const APPEND_STAFF_BATCH = `
WITH input AS (
  SELECT i.conversation_id, i.author_id, i.client_id, i.body, i.note = 1 AS note, i.kind,
    i.may_claim = 1 AS may_claim, i.ord::int AS ord
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[])
    WITH ORDINALITY AS i(conversation_id, author_id, client_id, body, note, kind, may_claim, ord)
), eligible AS (
  SELECT i.*, a.name AS author_name
  FROM input i
  LEFT JOIN LATERAL (SELECT name FROM agents WHERE id = i.author_id LIMIT 1) a ON true
  LEFT JOIN LATERAL (
    SELECT true AS stored FROM messages x
    WHERE x.author_kind = i.kind AND x.author_id = i.author_id AND x.client_id = i.client_id
    LIMIT 1
  ) d ON true
  WHERE d.stored IS NULL AND (i.kind = 'system' OR a.name IS NOT NULL)
), locked AS (
  SELECT c.id, c.status FROM conversations c
  WHERE c.id = ANY (ARRAY(SELECT conversation_id FROM eligible))
  ORDER BY c.id
  FOR UPDATE
), c AS (
  UPDATE conversations AS c SET
    last_seq = c.last_seq + 1,
    assignee_id = CASE WHEN e.may_claim AND c.status = 'queued' AND c.assignee_id IS NULL
      THEN e.author_id ELSE c.assignee_id END,
    status = CASE WHEN e.may_claim AND c.status = 'queued' AND c.assignee_id IS NULL
      THEN 'open' ELSE c.status END,
    last_message_body = CASE WHEN e.note THEN c.last_message_body ELSE e.body END,
    last_author_kind = CASE WHEN e.note THEN c.last_author_kind ELSE e.kind END,
    last_message_at = CASE WHEN e.note THEN c.last_message_at ELSE clock_timestamp() END,
    reply_unseen_since = CASE WHEN e.kind = 'agent' AND NOT e.note
      THEN coalesce(c.reply_unseen_since, clock_timestamp()) ELSE c.reply_unseen_since END,
    updated_at = clock_timestamp()
  FROM eligible e, locked l
  WHERE c.id = ANY (ARRAY(SELECT id FROM locked))
    AND c.id = e.conversation_id AND l.id = c.id
    AND (e.note OR e.kind = 'system' OR c.status <> 'resolved')
  RETURNING c.*, l.status AS prev_status, e.ord AS batch_ord
), m AS (
  ${INSERT_MESSAGE}
  SELECT c.id, c.last_seq, e.kind, e.author_id, e.author_name, e.client_id, e.body, e.note,
    CASE WHEN e.note THEN c.updated_at ELSE c.last_message_at END
  FROM c JOIN eligible e ON e.ord = c.batch_ord
  RETURNING m.*
)
SELECT i.ord, c.prev_status, ${RESULT_COLUMNS}
FROM input i
LEFT JOIN c ON c.batch_ord = i.ord
LEFT JOIN m ON m.conversation_id = c.id
ORDER BY i.ord`;

/**
 * Stores staff messages for distinct conversations in one statement; one entry per input, in
 * order: the result, or `null` for inputs to store with the single path.
 */
export async function appendStaffBatch(
  db: Queryable,
  inputs: StaffAppend[],
): Promise<(AppendResult | null)[]> {
  const rows = await db.query(APPEND_STAFF_BATCH, [
    inputs.map((i) => i.conversationId),
    inputs.map((i) => i.authorId),
    inputs.map((i) => i.clientId),
    inputs.map((i) => i.body),
    // 0/1 rather than booleans: postgres.js serialises boolean arrays unreliably.
    inputs.map((i) => i.note ? 1 : 0),
    inputs.map((i) => i.kind),
    inputs.map((i) => i.kind === "agent" && !i.note ? 1 : 0),
  ]);
  const out: (AppendResult | null)[] = inputs.map(() => null);
  for (const row of rows) {
    const index = Number(row.ord) - 1;
    if (row.m_id === null || row.m_id === undefined || !(index in out)) continue;
    // Only an input that may claim moves a conversation from queued to open.
    out[index] = appended(row, {
      claimed: row.prev_status === "queued" && row.c_status === "open",
    });
  }
  return out;
}
