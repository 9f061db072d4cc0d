/**
 * Missed replies (docs/email.md, "Missed replies"; migration `0013_missed_replies.sql`): the
 * store side of emailing visitors the agent replies they did not read in the widget.
 *
 * An agent reply sets `conversations.reply_unseen_since` (the append statements, kept when an
 * older reply's is set). A conversation is due once that is `PARLEY_EMAIL_DELAY_S` old; the
 * runner of every instance (`core/mail/missed_replies.ts`) lists due ones through the partial
 * index and settles each in {@link MissedReplyStore.settle}, ONE transaction that:
 *
 * 1. locks the conversation with `FOR UPDATE SKIP LOCKED` and checks it is still due (so two
 *    instances never settle the same one, and an append in progress is waited for next round);
 * 2. reads the agent replies after `greatest(emailed_seq, visitor_read_seq)`: the replies neither
 *    emailed nor read;
 * 3. either queues ONE email carrying them ({@link enqueueEmail}) and moves `emailed_seq` to the
 *    last one, or (none left, or the oldest not yet due after a read) only clears or moves
 *    `reply_unseen_since`.
 *
 * The email therefore exists exactly when `emailed_seq` moves: never twice, never lost.
 *
 * @module
 */

import type { Db, Queryable, Row } from "./driver.ts";
import { enqueueEmail, type NewEmail } from "./sql_email.ts";
import { integer, optStr, optTs, text, ts } from "./rows.ts";
import type { PageInfo } from "../protocol/frames.ts";

/** Agent replies carried by one email at most (the newest): an email, not a transcript. */
export const MAX_REPLIES_PER_EMAIL = 20;
/** Earlier emails of the conversation named in `References`. */
export const MAX_REFERENCES = 20;

/** A conversation waiting for its missed-reply email. */
export interface DueConversation {
  id: string;
  siteId: string;
}

/** One agent reply to email. */
export interface MissedReply {
  seq: number;
  authorName: string | null;
  body: string;
  createdAt: string;
}

/** What the email about a conversation's missed replies is built from. */
export interface MissedReplies {
  conversationId: string;
  site: { id: string; name: string; allowedOrigins: string[] };
  visitor: { id: string; name: string; email: string; page: PageInfo | null };
  /** Oldest first; at most {@link MAX_REPLIES_PER_EMAIL}. */
  replies: MissedReply[];
  /** The conversation's earlier emails, sent or received, oldest first (at most 20). */
  thread: string[];
}

/** $1 delay in seconds. */
const DUE = `reply_unseen_since IS NOT NULL
  AND reply_unseen_since <= clock_timestamp() - $1 * interval '1 second'`;

/** The due conversation $2, locked (skipped when another transaction holds it). */
const LOCK_DUE = `
SELECT c.id, c.site_id, c.visitor_id, greatest(c.emailed_seq, c.visitor_read_seq) AS after_seq,
  v.name AS visitor_name, v.email, v.email_unsubscribed_at, v.last_page,
  s.name AS site_name, s.allowed_origins
FROM conversations c
JOIN visitors v ON v.id = c.visitor_id
JOIN sites s ON s.id = c.site_id
WHERE c.id = $2 AND c.reply_unseen_since IS NOT NULL
  AND c.reply_unseen_since <= clock_timestamp() - $1 * interval '1 second'
FOR UPDATE OF c SKIP LOCKED`;

/** The newest agent replies after seq $2, with whether the oldest of them is due ($3 s). */
const UNSEEN_REPLIES = `
SELECT seq, author_name, body, created_at,
  created_at <= clock_timestamp() - $3 * interval '1 second' AS due
FROM messages
WHERE conversation_id = $1 AND seq > $2 AND author_kind = 'agent' AND NOT note
ORDER BY seq DESC
LIMIT ${MAX_REPLIES_PER_EMAIL}`;

/** How {@link MissedReplyStore.settle} ended for one conversation. */
export type SettleOutcome =
  | "emailed"
  | "read" // nothing left unseen: the visitor read the replies in the widget
  | "later" // the replies left unseen are more recent: due again at the oldest one's time
  | "no_address" // no email address, or unsubscribed: nothing to send
  | "skipped"; // not due any more, or another instance holds it

/** The missed-reply side of the database. */
export class MissedReplyStore {
  /** Wraps an open, migrated database. */
  constructor(private readonly db: Db) {}

  /** Up to `limit` conversations due after `delayS`, the longest waiting first (no lock). */
  async due(delayS: number, limit: number): Promise<DueConversation[]> {
    const rows = await this.db.query(
      `SELECT id, site_id FROM conversations WHERE ${DUE}
       ORDER BY reply_unseen_since LIMIT $2`,
      [delayS, limit],
    );
    return rows.map((r) => ({ id: text(r, "id"), siteId: text(r, "site_id") }));
  }

  /** Milliseconds until the next conversation is due (0: now), or null when none waits. */
  async msUntilNextDue(delayS: number): Promise<number | null> {
    // No `greatest(0, …)` in SQL: it ignores a NULL (nothing waits) and would answer 0.
    const rows = await this.db.query(
      `SELECT (extract(epoch FROM min(reply_unseen_since)
         + $1 * interval '1 second' - clock_timestamp()) * 1000)::float8 AS ms
       FROM conversations WHERE reply_unseen_since IS NOT NULL`,
      [delayS],
    );
    const ms = rows[0]?.ms;
    return typeof ms === "number" ? Math.max(0, ms) : null;
  }

  /**
   * Settles one due conversation in one transaction (see the module's steps): `compose` builds
   * the email from what is unseen (it must not touch the database: the transaction holds the
   * connection) and returns null to send nothing.
   */
  async settle(
    conversationId: string,
    delayS: number,
    compose: (replies: MissedReplies) => Promise<NewEmail | null>,
  ): Promise<SettleOutcome> {
    return await this.db.transaction(async (tx) => {
      const locked = await tx.query(LOCK_DUE, [delayS, conversationId]);
      const c = locked[0];
      if (c === undefined) return "skipped";
      const rows = await tx.query(UNSEEN_REPLIES, [
        conversationId,
        integer(c, "after_seq"),
        delayS,
      ]);
      if (rows.length === 0) {
        await setUnseenSince(tx, conversationId, null);
        return "read";
      }
      const oldest = rows[rows.length - 1];
      if (oldest.due !== true) {
        // The replies that were due have been read; the next one waits for its own delay.
        await setUnseenSince(tx, conversationId, ts(oldest, "created_at"));
        return "later";
      }
      const email = optStr(c, "email");
      if (email === null || optTs(c, "email_unsubscribed_at") !== null) {
        // Left unmoved: a visitor who gives an address later gets what is still unread.
        await setUnseenSince(tx, conversationId, null);
        return "no_address";
      }
      const threadRows = await tx.query(
        `SELECT message_id FROM conversation_emails WHERE conversation_id = $1
         ORDER BY created_at DESC, message_id DESC LIMIT ${MAX_REFERENCES}`,
        [conversationId],
      );
      const replies = rows.reverse().map(toReply);
      const composed = await compose({
        conversationId,
        site: {
          id: text(c, "site_id"),
          name: text(c, "site_name"),
          allowedOrigins: textArray(c.allowed_origins),
        },
        visitor: {
          id: text(c, "visitor_id"),
          name: text(c, "visitor_name"),
          email,
          page: toPage(c.last_page),
        },
        replies,
        thread: threadRows.map((r) => text(r, "message_id")).reverse(),
      });
      if (composed === null) {
        await setUnseenSince(tx, conversationId, null);
        return "no_address";
      }
      await enqueueEmail(tx, { ...composed, conversationId });
      await tx.query(
        "UPDATE conversations SET emailed_seq = $2, reply_unseen_since = NULL WHERE id = $1",
        [conversationId, replies[replies.length - 1].seq],
      );
      return "emailed";
    });
  }

  /**
   * Stops the emails to a visitor (an unsubscribe link); false when no such visitor exists.
   * Unsubscribing again keeps the first time.
   */
  async unsubscribe(visitorId: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE visitors SET email_unsubscribed_at = coalesce(email_unsubscribed_at, clock_timestamp())
       WHERE id = $1 RETURNING id`,
      [visitorId],
    );
    return rows.length > 0;
  }

  /** Whether a visitor unsubscribed (tests, diagnostics); null for an unknown visitor. */
  async unsubscribed(visitorId: string): Promise<boolean | null> {
    const rows = await this.db.query(
      "SELECT email_unsubscribed_at IS NOT NULL AS off FROM visitors WHERE id = $1",
      [visitorId],
    );
    return rows.length === 0 ? null : rows[0].off === true;
  }
}

async function setUnseenSince(tx: Queryable, id: string, at: string | null): Promise<void> {
  await tx.query("UPDATE conversations SET reply_unseen_since = $2 WHERE id = $1", [id, at]);
}

function toReply(r: Row): MissedReply {
  return {
    seq: integer(r, "seq"),
    authorName: optStr(r, "author_name"),
    body: text(r, "body"),
    createdAt: ts(r, "created_at"),
  };
}

function textArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** The visitor's last page as stored (jsonb written from a validated `hello`), or null. */
function toPage(v: unknown): PageInfo | null {
  if (v === null || typeof v !== "object") return null;
  const { url, title } = v as Record<string, unknown>;
  return typeof url === "string" ? { url, title: typeof title === "string" ? title : "" } : null;
}
