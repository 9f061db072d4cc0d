/**
 * Replies by email (docs/email.md, "Replies by email"; migration `0012_email_conversations.sql`):
 * finding the conversation an email answers, and appending the reply as a visitor message.
 *
 * A reply is appended once, whatever the retries: its Message-ID goes into
 * `conversation_emails` (direction `in`) in the transaction that appends the message, so a second
 * delivery of the same email finds it there and appends nothing. The next email Parley sends
 * about the conversation can then name it for threading.
 *
 * @module
 */

import type { Db, Queryable } from "./driver.ts";
import { FOREIGN_KEY_VIOLATION, isDbError } from "./driver.ts";
import { type AppendResult, StoreError } from "./store.ts";
import { appended, INSERT_MESSAGE, RESULT_COLUMNS } from "./sql_messages.ts";
import { optStr, text as str } from "./rows.ts";

/** The conversation an inbound email may join, and whose visitor it belongs to. */
export interface EmailConversation {
  conversationId: string;
  visitorId: string;
  /** The visitor's email as the site or the visitor gave it; null when none. */
  visitorEmail: string | null;
}

/** A reply to append: see {@link InboundEmailStore.appendReply}. */
export interface EmailReply {
  conversationId: string;
  /** The email's `<Message-ID>`: appending the same one again appends nothing. */
  messageId: string;
  /** The visitor message's client id (derived from the Message-ID). */
  clientId: string;
  body: string;
}

/** What {@link InboundEmailStore.appendReply} did. */
export type AppendReplyOutcome =
  /** Appended now (`duplicate` false) or by an earlier delivery of the same email (true). */
  | { kind: "appended"; result: AppendResult }
  /** The Message-ID is of an email Parley sent: a loop or a forgery; nothing appended. */
  | { kind: "ours" }
  /** An earlier delivery appended it, but its message is gone since (erased, retention). */
  | { kind: "gone" };

/**
 * Appends a visitor message to conversation $1: like a widget message (`sql_messages.ts`), it
 * reopens a resolved conversation (queued again without an assignee, open with one) and becomes
 * the inbox preview. $2 client id, $3 body.
 */
const APPEND_EMAIL_REPLY = `
WITH prev AS (
  SELECT c.id, c.status FROM conversations c WHERE c.id = $1 FOR UPDATE
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
), v AS (
  SELECT v.id, v.name FROM visitors v, c WHERE v.id = c.visitor_id
), m AS (
  ${INSERT_MESSAGE}
  SELECT c.id, c.last_seq, 'visitor', v.id, v.name, $2, $3, false, c.last_message_at FROM c, v
  RETURNING m.*
)
SELECT c.prev_status, ${RESULT_COLUMNS} FROM c, m`;

/** Inbound replies over a {@link Db}. */
export class InboundEmailStore {
  /** Wraps an open, migrated database. */
  constructor(private readonly db: Db) {}

  /**
   * The conversation of the first of `messageIds` (in the order given) that is an email of a
   * conversation, sent or received; null when none is.
   */
  async conversationOfEmails(messageIds: readonly string[]): Promise<string | null> {
    if (messageIds.length === 0) return null;
    const rows = await this.db.query(
      `SELECT message_id, conversation_id FROM conversation_emails
       WHERE message_id = ANY ($1::text[])`,
      [messageIds.slice(0, 100)],
    );
    const byId = new Map(rows.map((r) => [str(r, "message_id"), str(r, "conversation_id")]));
    for (const id of messageIds) {
      const found = byId.get(id);
      if (found !== undefined) return found;
    }
    return null;
  }

  /** The conversation with its visitor's email, or null when it does not exist. */
  async conversation(conversationId: string): Promise<EmailConversation | null> {
    const rows = await this.db.query(
      `SELECT c.id, c.visitor_id, v.email FROM conversations c
       JOIN visitors v ON v.id = c.visitor_id WHERE c.id = $1`,
      [conversationId],
    );
    const r = rows[0];
    if (r === undefined) return null;
    return {
      conversationId: str(r, "id"),
      visitorId: str(r, "visitor_id"),
      visitorEmail: optStr(r, "email"),
    };
  }

  /**
   * Appends `reply` as a visitor message and records its Message-ID, in one transaction; a
   * Message-ID already recorded appends nothing (see {@link AppendReplyOutcome}). Throws
   * `not_found` when the conversation does not exist (any more).
   */
  async appendReply(reply: EmailReply): Promise<AppendReplyOutcome> {
    return await this.db.transaction(async (tx) => {
      // Concurrent deliveries of one email wait here on the key until the first commits.
      let recorded;
      try {
        recorded = await tx.query(
          `INSERT INTO conversation_emails (message_id, conversation_id, direction)
           VALUES ($1, $2, 'in') ON CONFLICT (message_id) DO NOTHING RETURNING message_id`,
          [reply.messageId, reply.conversationId],
        );
      } catch (err) {
        if (isDbError(err, FOREIGN_KEY_VIOLATION)) {
          throw new StoreError("not_found", "Conversation not found");
        }
        throw err;
      }
      if (recorded.length === 0) return await earlier(tx, reply);
      const rows = await tx.query(APPEND_EMAIL_REPLY, [
        reply.conversationId,
        reply.clientId,
        reply.body,
      ]);
      const row = rows[0];
      if (row === undefined) throw new StoreError("not_found", "Conversation not found");
      return {
        kind: "appended",
        result: appended(row, { reopened: row.prev_status === "resolved" }),
      };
    });
  }
}

/** What an earlier delivery of the same Message-ID left. */
async function earlier(tx: Queryable, reply: EmailReply): Promise<AppendReplyOutcome> {
  const known = await tx.query(
    "SELECT direction, conversation_id FROM conversation_emails WHERE message_id = $1",
    [reply.messageId],
  );
  if (known[0]?.direction === "out") return { kind: "ours" };
  const conversationId = known[0] ? str(known[0], "conversation_id") : reply.conversationId;
  const rows = await tx.query(
    `SELECT ${RESULT_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.conversation_id = $1 AND m.author_kind = 'visitor' AND m.client_id = $2`,
    [conversationId, reply.clientId],
  );
  return rows[0] === undefined
    ? { kind: "gone" }
    : { kind: "appended", result: appended(rows[0], { duplicate: true }) };
}
