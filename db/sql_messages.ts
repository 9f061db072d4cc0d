/**
 * Messages: appends (visitor, agent, system), history windows and full-text search.
 *
 * Each append is ONE statement (data-modifying CTEs), so it is atomic and durable without an
 * explicit transaction and costs one round trip. Inside it the conversation row is locked
 * (`FOR UPDATE`) and `last_seq` is incremented; the message takes the new value, so seqs are
 * gap-free and strictly increasing per conversation even under concurrency (the row lock
 * serializes appenders, and a failed statement rolls its increment back).
 *
 * Idempotency: `messages_client_id_key` is unique on (author_kind, author_id, client_id). A
 * resend finds the stored message and returns it with `duplicate: true`; two concurrent sends
 * of the same id race on the unique index and the loser re-reads the winner's message. A client
 * id names one message: a "resend" that differs from the stored one (another body, or for an
 * agent another conversation or note flag) is a different message, refused with
 * `StoreError("conflict")` rather than answered with the original (see {@link sameMessage}).
 *
 * @module
 */

import {
  type AgentMessageInput,
  type AppendResult,
  StoreError,
  StoreUnavailableError,
  type VisitorMessageInput,
} from "./store.ts";
import { isDbError, type Queryable, type Row, UNIQUE_VIOLATION } from "./driver.ts";
import { conversationColumns, messageColumns, rowToConversation, rowToMessage } from "./rows.ts";

const IDEMPOTENCY_INDEX = "messages_client_id_key";

/** The head of every message insert. */
export const INSERT_MESSAGE =
  "INSERT INTO messages AS m (conversation_id, seq, author_kind, author_id, author_name, " +
  "client_id, body, note, created_at)";

/** Select list of an append's result: the conversation (`c_…`) and the message (`m_…`). */
export const RESULT_COLUMNS = `${conversationColumns("c", "c_")}, ${messageColumns("m", "m_")}`;

/** Appends to the visitor's current conversation (the common case). $1 visitor, $2 client, $3 body. */
const APPEND_VISITOR_CURRENT = `
WITH v AS (
  SELECT id, name, current_conversation_id FROM visitors WHERE id = $1
), dup AS (
  SELECT 1 FROM messages WHERE author_kind = 'visitor' AND author_id = $1 AND client_id = $2
), prev AS (
  SELECT c.id, c.status FROM conversations c
  WHERE c.id = (SELECT current_conversation_id FROM v) AND NOT EXISTS (SELECT 1 FROM dup)
  FOR UPDATE
), c AS (
  UPDATE conversations AS c SET
    last_seq = c.last_seq + 1,
    status = CASE WHEN c.status <> 'resolved' THEN c.status
      WHEN c.assignee_id IS NULL THEN 'queued' ELSE 'open' END,
    resolved_at = CASE WHEN c.status = 'resolved' THEN NULL ELSE c.resolved_at END,
    -- The visitor writing wakes a snoozed conversation (the console tells its assignee).
    snoozed_until = NULL,
    last_message_body = $3,
    last_author_kind = 'visitor',
    last_message_at = clock_timestamp(),
    updated_at = clock_timestamp()
  FROM prev WHERE c.id = prev.id
  RETURNING c.*, prev.status AS prev_status
), m AS (
  ${INSERT_MESSAGE}
  SELECT c.id, c.last_seq, 'visitor', v.id, v.name, $2, $3, false, c.last_message_at FROM c, v
  RETURNING m.*
)
SELECT v.current_conversation_id IS NOT NULL AS has_current,
  EXISTS (SELECT 1 FROM dup) AS is_dup, c.prev_status, ${RESULT_COLUMNS}
FROM v LEFT JOIN c ON true LEFT JOIN m ON true`;

/**
 * Creates the visitor's conversation with its first message. The visitor row is locked so two
 * tabs sending a first message at once create one conversation; the loser gets no row and
 * retries the current-conversation path.
 */
const APPEND_VISITOR_FIRST = `
WITH v AS (
  SELECT id, site_id, name, current_conversation_id FROM visitors WHERE id = $1 FOR UPDATE
), c AS (
  INSERT INTO conversations AS c (site_id, visitor_id, status, last_seq, last_message_body,
    last_author_kind, last_message_at, created_at, updated_at)
  SELECT v.site_id, v.id, 'queued', 1, $3, 'visitor', t.at, t.at, t.at
  FROM v, (SELECT clock_timestamp() AS at) t
  WHERE v.current_conversation_id IS NULL AND NOT EXISTS (
    SELECT 1 FROM messages WHERE author_kind = 'visitor' AND author_id = $1 AND client_id = $2)
  RETURNING c.*
), link AS (
  UPDATE visitors SET current_conversation_id = c.id FROM c WHERE visitors.id = c.visitor_id
), m AS (
  ${INSERT_MESSAGE}
  SELECT c.id, 1, 'visitor', v.id, v.name, $2, $3, false, c.last_message_at FROM c, v
  RETURNING m.*
)
SELECT ${RESULT_COLUMNS} FROM c, m`;

/**
 * Appends an agent message ($5 false), note ($5 true) or system message. $1 conversation,
 * $2 author id (null for system), $3 client id, $4 body, $5 note, $6 author kind, $7 may claim.
 * A non-note agent reply claims a queued, unassigned conversation; a non-note agent reply to a
 * resolved conversation is refused. Notes leave status, assignee and the inbox preview alone.
 * An agent reply (not a note, not a system message) starts the missed-reply clock
 * (`reply_unseen_since`, migration 0013) unless an older reply's is running.
 */
const APPEND_BY_STAFF = `
WITH a AS (
  SELECT id, name FROM agents WHERE id = $2::text
), dup AS (
  SELECT 1 FROM messages
  WHERE author_kind = $6::text AND author_id = $2::text AND client_id = $3::text
), prev AS (
  SELECT c.id, c.status FROM conversations c
  WHERE c.id = $1::text AND NOT EXISTS (SELECT 1 FROM dup)
    AND ($6::text = 'system' OR EXISTS (SELECT 1 FROM a))
  FOR UPDATE
), c AS (
  UPDATE conversations AS c SET
    last_seq = c.last_seq + 1,
    assignee_id = CASE WHEN $7::boolean AND c.status = 'queued' AND c.assignee_id IS NULL THEN $2
      ELSE c.assignee_id END,
    status = CASE WHEN $7 AND c.status = 'queued' AND c.assignee_id IS NULL THEN 'open'
      ELSE c.status END,
    last_message_body = CASE WHEN $5::boolean THEN c.last_message_body ELSE $4::text END,
    last_author_kind = CASE WHEN $5 THEN c.last_author_kind ELSE $6 END,
    last_message_at = CASE WHEN $5 THEN c.last_message_at ELSE clock_timestamp() END,
    reply_unseen_since = CASE WHEN $6 = 'agent' AND NOT $5
      THEN coalesce(c.reply_unseen_since, clock_timestamp()) ELSE c.reply_unseen_since END,
    updated_at = clock_timestamp()
  FROM prev WHERE c.id = prev.id AND ($5 OR $6 = 'system' OR c.status <> 'resolved')
  RETURNING c.*, prev.status AS prev_status
), m AS (
  ${INSERT_MESSAGE}
  SELECT c.id, c.last_seq, $6, $2, (SELECT name FROM a), $3, $4, $5,
    CASE WHEN $5 THEN c.updated_at ELSE c.last_message_at END
  FROM c
  RETURNING m.*
)
SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1) AS conversation_found,
  EXISTS (SELECT 1 FROM a) AS agent_found, EXISTS (SELECT 1 FROM dup) AS is_dup,
  (SELECT status FROM prev) AS locked_status, c.prev_status, ${RESULT_COLUMNS}
FROM (SELECT 1) AS one LEFT JOIN c ON true LEFT JOIN m ON true`;

/** Maps an append's result row (see {@link RESULT_COLUMNS}). */
export function appended(row: Row, flags: Partial<AppendResult>): AppendResult {
  return {
    message: rowToMessage(row, "m_"),
    conversation: rowToConversation(row, "c_"),
    duplicate: false,
    created: false,
    reopened: false,
    claimed: false,
    ...flags,
  };
}

/** Reads the message stored under an idempotency key, with its conversation. */
async function findDuplicate(
  db: Queryable,
  kind: "visitor" | "agent",
  authorId: string,
  clientId: string,
): Promise<AppendResult | null> {
  const rows = await db.query(
    `SELECT ${RESULT_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.author_kind = $1 AND m.author_id = $2 AND m.client_id = $3`,
    [kind, authorId, clientId],
  );
  return rows.length === 0 ? null : appended(rows[0], { duplicate: true });
}

/**
 * Whether a send that found `stored` under its client id is a resend of it. Visitor frames name
 * no conversation (the server picks the current one), so a visitor's resend matches on the body
 * alone: an outbox resending, after a `start_over` in another tab, a message whose ack was lost
 * is still that message, stored in the old conversation. An agent names the conversation, so
 * its resend must match conversation, body and note flag.
 */
function sameMessage(
  stored: AppendResult,
  send: { body: string; conversationId?: string; note?: boolean },
): boolean {
  const m = stored.message;
  return m.body === send.body &&
    (send.conversationId === undefined || m.conversationId === send.conversationId) &&
    (send.note === undefined || m.note === send.note);
}

/** Returns `dup` when the send is a resend of it; throws `conflict` when the id is reused. */
function resendOf(
  dup: AppendResult,
  send: { body: string; conversationId?: string; note?: boolean },
): AppendResult {
  if (sameMessage(dup, send)) return dup;
  throw new StoreError(
    "conflict",
    "clientId already names a different message: give each new message a new clientId",
  );
}

/** Runs an append statement; a lost race on the idempotency index yields null. */
async function tryAppend(db: Queryable, sql: string, params: unknown[]): Promise<Row[] | null> {
  try {
    return await db.query(sql, params);
  } catch (err) {
    if (isDbError(err, UNIQUE_VIOLATION, IDEMPOTENCY_INDEX)) return null;
    throw err;
  }
}

/** See `Store.appendVisitorMessage`. Author name is the visitor's name at send time. */
export async function appendVisitorMessage(
  db: Queryable,
  input: VisitorMessageInput,
): Promise<AppendResult> {
  const params = [input.visitorId, input.clientId, input.body];
  // Each retry follows a concurrent change (first message from another tab, or a lost
  // idempotency race); three rounds are plenty.
  for (let attempt = 0; attempt < 3; attempt++) {
    const rows = await tryAppend(db, APPEND_VISITOR_CURRENT, params);
    const row = rows?.[0];
    if (rows !== null && row === undefined) {
      throw new StoreError("not_found", "Visitor not found");
    }
    if (row !== undefined && row.m_id !== null) {
      return appended(row, { reopened: row.prev_status === "resolved" });
    }
    if (row === undefined || row.is_dup === true) {
      const dup = await findDuplicate(db, "visitor", input.visitorId, input.clientId);
      if (dup !== null) return resendOf(dup, { body: input.body });
      continue;
    }
    if (row.has_current === true) continue; // start over raced with this message
    if (input.mayOpen === false) {
      throw new StoreError("no_conversation", "The visitor has no current conversation");
    }
    const first = await tryAppend(db, APPEND_VISITOR_FIRST, params);
    if (first !== null && first.length > 0) return appended(first[0], { created: true });
  }
  throw new StoreUnavailableError("Visitor message kept racing with concurrent changes");
}

/** See `Store.appendAgentMessage`. Author name is the agent's name at send time. */
export async function appendAgentMessage(
  db: Queryable,
  input: AgentMessageInput,
): Promise<AppendResult> {
  const params = [
    input.conversationId,
    input.agentId,
    input.clientId,
    input.body,
    input.note,
    "agent",
    !input.note,
  ];
  for (let attempt = 0; attempt < 3; attempt++) {
    const rows = await tryAppend(db, APPEND_BY_STAFF, params);
    const row = rows?.[0];
    if (row !== undefined && row.m_id !== null) {
      // Only a message that may claim ($7) moves a conversation from queued to open.
      return appended(row, { claimed: row.prev_status === "queued" && row.c_status === "open" });
    }
    if (row === undefined || row.is_dup === true) {
      const dup = await findDuplicate(db, "agent", input.agentId, input.clientId);
      if (dup !== null) return resendOf(dup, input);
      continue;
    }
    if (row.conversation_found !== true) {
      throw new StoreError("not_found", "Conversation not found");
    }
    if (row.agent_found !== true) throw new StoreError("not_found", "Agent not found");
    if (row.locked_status === "resolved") {
      throw new StoreError("conflict", "Conversation is resolved; reopen it to reply");
    }
  }
  throw new StoreUnavailableError("Agent message kept racing with concurrent changes");
}

/** See `Store.appendSystemMessage`. Works on resolved conversations; never changes status. */
export async function appendSystemMessage(
  db: Queryable,
  conversationId: string,
  body: string,
): Promise<AppendResult> {
  const rows = await db.query(APPEND_BY_STAFF, [
    conversationId,
    null,
    null,
    body,
    false,
    "system",
    false,
  ]);
  const row = rows[0];
  if (row.m_id === null) throw new StoreError("not_found", "Conversation not found");
  return appended(row, {});
}
