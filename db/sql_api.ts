/**
 * Conversation changes only the public API makes (`/api/v1`, docs/api.md): a named bot's
 * message, putting a conversation back in the queue, and opening a conversation for a visitor.
 * Each is one statement, like the other appends and state changes (`sql_messages.ts`,
 * `sql_conversations.ts`), so it is atomic without an explicit transaction.
 *
 * @module
 */

import {
  type AppendResult,
  type BotMessageInput,
  type Conversation,
  StoreError,
  StoreUnavailableError,
} from "./store.ts";
import { isDbError, type Queryable, type Row, UNIQUE_VIOLATION } from "./driver.ts";
import { appended, INSERT_MESSAGE, RESULT_COLUMNS } from "./sql_messages.ts";
import { conversationColumns, rowToConversation } from "./rows.ts";

/**
 * A bot's message ($5 false) or note ($5 true): the rules of an agent's (`APPEND_BY_STAFF`)
 * without the claim. $1 conversation, $2 bot id, $3 client id, $4 body, $5 note, $6 name.
 */
const APPEND_BY_BOT = `
WITH dup AS (
  SELECT 1 FROM messages WHERE author_kind = 'bot' AND author_id = $2::text AND client_id = $3::text
), prev AS (
  SELECT c.id, c.status FROM conversations c
  WHERE c.id = $1::text AND NOT EXISTS (SELECT 1 FROM dup)
  FOR UPDATE
), c AS (
  UPDATE conversations AS c SET
    last_seq = c.last_seq + 1,
    last_message_body = CASE WHEN $5::boolean THEN c.last_message_body ELSE $4::text END,
    last_author_kind = CASE WHEN $5 THEN c.last_author_kind ELSE 'bot' END,
    last_message_at = CASE WHEN $5 THEN c.last_message_at ELSE clock_timestamp() END,
    updated_at = clock_timestamp()
  FROM prev WHERE c.id = prev.id AND ($5 OR c.status <> 'resolved')
  RETURNING c.*
), m AS (
  ${INSERT_MESSAGE}
  SELECT c.id, c.last_seq, 'bot', $2, $6::text, $3, $4, $5,
    CASE WHEN $5 THEN c.updated_at ELSE c.last_message_at END
  FROM c
  RETURNING m.*
)
SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1) AS conversation_found,
  EXISTS (SELECT 1 FROM dup) AS is_dup, (SELECT status FROM prev) AS locked_status,
  ${RESULT_COLUMNS}
FROM (SELECT 1) AS one LEFT JOIN c ON true LEFT JOIN m ON true`;

/** See `Store.appendBotMessage`. */
export async function appendBotMessage(
  db: Queryable,
  input: BotMessageInput,
): Promise<AppendResult> {
  const params = [
    input.conversationId,
    input.botId,
    input.clientId,
    input.body,
    input.note,
    input.name,
  ];
  for (let attempt = 0; attempt < 3; attempt++) {
    let row: Row | undefined;
    try {
      row = (await db.query(APPEND_BY_BOT, params))[0];
    } catch (err) {
      // A concurrent send of the same client id won the idempotency index: read it back.
      if (!isDbError(err, UNIQUE_VIOLATION, "messages_client_id_key")) throw err;
    }
    if (row !== undefined && row.m_id !== null) return appended(row, {});
    if (row === undefined || row.is_dup === true) {
      const dup = await findBotMessage(db, input.botId, input.clientId);
      if (dup === null) continue;
      const m = dup.message;
      if (
        m.body === input.body && m.conversationId === input.conversationId &&
        m.note === input.note
      ) return dup;
      throw new StoreError(
        "conflict",
        "clientId already names a different message: give each new message a new clientId",
      );
    }
    if (row.conversation_found !== true) {
      throw new StoreError("not_found", "Conversation not found");
    }
    if (row.locked_status === "resolved") {
      throw new StoreError("conflict", "Conversation is resolved; reopen it to reply");
    }
  }
  throw new StoreUnavailableError("Bot message kept racing with concurrent changes");
}

async function findBotMessage(
  db: Queryable,
  botId: string,
  clientId: string,
): Promise<AppendResult | null> {
  const rows = await db.query(
    `SELECT ${RESULT_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.author_kind = 'bot' AND m.author_id = $1 AND m.client_id = $2`,
    [botId, clientId],
  );
  return rows.length === 0 ? null : appended(rows[0], { duplicate: true });
}

/** See `Store.openConversation`. The visitor row is locked so two opens make one conversation. */
export async function openConversation(db: Queryable, visitorId: string): Promise<Conversation> {
  const rows = await db.query(
    `WITH v AS (
       SELECT id, site_id, current_conversation_id FROM visitors WHERE id = $1 FOR UPDATE
     ), busy AS (
       SELECT 1 FROM conversations c, v
       WHERE c.id = v.current_conversation_id AND c.status <> 'resolved'
     ), c AS (
       INSERT INTO conversations AS c (site_id, visitor_id, status, last_seq)
       SELECT v.site_id, v.id, 'queued', 0 FROM v WHERE NOT EXISTS (SELECT 1 FROM busy)
       RETURNING ${conversationColumns("c")}
     ), link AS (
       UPDATE visitors SET current_conversation_id = c.id FROM c WHERE visitors.id = c.visitor_id
     )
     SELECT EXISTS (SELECT 1 FROM v) AS found, c.* FROM (SELECT 1) AS one LEFT JOIN c ON true`,
    [visitorId],
  );
  const row = rows[0];
  if (row.id !== null && row.id !== undefined) return rowToConversation(row);
  if (row.found !== true) throw new StoreError("not_found", "Visitor not found");
  throw new StoreError("conflict", "The visitor already has a conversation that is not resolved");
}
