/**
 * The email outbox and the agents' one-time links (migration `0011_email.sql`, docs/email.md).
 *
 * An email is queued with {@link enqueueEmail} inside the transaction that causes it, so it exists
 * exactly when the change does. The senders of every instance (`core/mail/sender.ts`) share the
 * outbox the way the webhook deliverers share theirs (`db/sql_webhooks.ts`):
 *
 * - {@link EmailStore.claim} takes due emails with `FOR UPDATE SKIP LOCKED` and leases them (their
 *   `next_attempt_at` moves to the lease's end), so two instances never send the same one, and
 *   one that dies holding a lease has its emails taken again when the lease ends;
 * - {@link EmailStore.finish} marks an email sent right after the SMTP server's 250, naming the
 *   attempt, so a late answer from an attempt whose lease ended changes nothing.
 *
 * @module
 */

import type { Db, Queryable, Row } from "./driver.ts";
import type { AgentRecord, NewAgent } from "./store.ts";
import { StoreError } from "./store.ts";
import { createAgent } from "./sql_agents.ts";
import {
  type AttemptOutcome,
  type Lease,
  msUntilNextDue,
  pruneFinished,
  releaseLeases,
} from "./sql_outbox.ts";
import { integer as int, optStr, text as str, ts } from "./rows.ts";

/** The notification channel that wakes the senders when an email is queued. */
export const EMAIL_CHANNEL = "parley_email";

/** An email to queue. The `From` is the server's (`PARLEY_MAIL_FROM`), added when sending. */
export interface NewEmail {
  /** What caused it (`password_reset`, `invitation`, …), for the logs. */
  kind: string;
  /** `<…@host>`, generated once: a retry sends the same one. */
  messageId: string;
  to: string;
  replyTo?: string | null;
  subject: string;
  text: string;
  html?: string | null;
  /** The Message-ID this one answers, for threading. */
  inReplyTo?: string | null;
  references?: string[];
  /** The `List-Unsubscribe` value (`<https://…>`), for emails a person can opt out of. */
  listUnsubscribe?: string | null;
  /**
   * The conversation the email belongs to: its Message-ID is recorded in
   * `conversation_emails` (threading, matching replies), and the email is deleted with the
   * conversation (erasure, retention) if still unsent.
   */
  conversationId?: string | null;
  /** The sender's display name (a site's own); the address is always `PARLEY_MAIL_FROM`'s. */
  fromName?: string | null;
}

/** An email taken for sending. */
export interface ClaimedEmail extends Required<Omit<NewEmail, "references" | "conversationId">> {
  id: string;
  references: string[];
  /** The attempt this is (1 for the first); {@link EmailStore.finish} names it. */
  attempt: number;
  /** When the email was queued: retries stop a day after. */
  createdAt: string;
}

/** What the outbox holds about one email (tests, the console later). */
export interface EmailRecord {
  id: string;
  kind: string;
  messageId: string;
  to: string;
  status: "pending" | "sent" | "failed";
  attempts: number;
  lastError: string | null;
}

/** Queues an email on `q` (a transaction, usually) and wakes the senders once it commits. */
export async function enqueueEmail(q: Queryable, e: NewEmail): Promise<string> {
  const rows = await q.query(
    `WITH e AS (
       INSERT INTO email_outbox (kind, message_id, to_address, reply_to, subject, text_body,
         html_body, in_reply_to, refs, list_unsubscribe, conversation_id, from_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10, $11, $12)
       RETURNING id, message_id, conversation_id
     ), thread AS (
       INSERT INTO conversation_emails (message_id, conversation_id, direction)
       SELECT message_id, conversation_id, 'out' FROM e WHERE conversation_id IS NOT NULL
       RETURNING 1
     ), wake AS (
       SELECT pg_notify('${EMAIL_CHANNEL}', '') FROM e
     )
     SELECT e.id FROM e, (SELECT count(*) FROM wake) w, (SELECT count(*) FROM thread) t`,
    [
      e.kind,
      e.messageId,
      e.to,
      e.replyTo ?? null,
      e.subject,
      e.text,
      e.html ?? null,
      e.inReplyTo ?? null,
      e.references ?? [],
      e.listUnsubscribe ?? null,
      e.conversationId ?? null,
      e.fromName ?? null,
    ],
  );
  return str(rows[0], "id");
}

/** The due emails, oldest first, locked and leased. $1 limit, $2 lease ms. */
const CLAIM = `
UPDATE email_outbox o SET
  next_attempt_at = clock_timestamp() + $2 * interval '1 millisecond',
  last_attempt_at = clock_timestamp(),
  attempts = o.attempts + 1
WHERE o.id IN (
  SELECT id FROM email_outbox
  WHERE status = 'pending' AND next_attempt_at <= clock_timestamp()
  ORDER BY next_attempt_at, n
  LIMIT $1
  FOR UPDATE SKIP LOCKED
) AND o.status = 'pending'
RETURNING o.id, o.kind, o.message_id, o.to_address, o.reply_to, o.subject, o.text_body,
  o.html_body, o.in_reply_to, o.refs, o.list_unsubscribe, o.from_name, o.attempts, o.created_at`;

/** A one-time link's state, when it is looked up. */
export type LinkState =
  | { state: "valid"; agentId: string; purpose: "reset" | "invite" }
  | { state: "used" | "expired" | "unknown" };

/** The outbox and the agents' one-time links, over a {@link Db}. */
export class EmailStore {
  /** Wraps an open, migrated database. */
  constructor(private readonly db: Db) {}

  /** The driver, for the senders' LISTEN and for transactions that queue an email. */
  get driver(): Db {
    return this.db;
  }

  /**
   * Takes up to `limit` due emails and leases them for `leaseMs`: none is handed to another
   * caller (on any instance) before the lease ends or {@link finish} records the attempt.
   */
  async claim(limit: number, leaseMs: number): Promise<ClaimedEmail[]> {
    const rows = await this.db.query(CLAIM, [limit, leaseMs]);
    return rows.map(rowToClaimed);
  }

  /**
   * Records how attempt `attempt` of an email ended (`delivered`: the SMTP server answered 250).
   * Ignored when the email has moved on since (its lease ended and another attempt took it):
   * false then.
   */
  async finish(id: string, attempt: number, outcome: AttemptOutcome): Promise<boolean> {
    const status = outcome.kind === "delivered"
      ? "sent"
      : outcome.kind === "retry"
      ? "pending"
      : "failed";
    const rows = await this.db.query(
      `UPDATE email_outbox SET status = $3, last_error = $4,
         next_attempt_at = coalesce($5, clock_timestamp()),
         sent_at = CASE WHEN $3 = 'sent' THEN clock_timestamp() END
       WHERE id = $1 AND attempts = $2 AND status = 'pending'
       RETURNING id`,
      [
        id,
        attempt,
        status,
        outcome.kind === "delivered" ? null : outcome.error.slice(0, 500),
        outcome.kind === "retry" ? outcome.retryAt : null,
      ],
    );
    return rows.length > 0;
  }

  /** Gives leased emails back at once, their attempt not counted (a sender stopping). */
  release(leases: Lease[]): Promise<void> {
    return releaseLeases(this.db, "email_outbox", leases);
  }

  /** Milliseconds until the next pending email is due (0: now), or null when none is. */
  msUntilNextDue(): Promise<number | null> {
    return msUntilNextDue(this.db, "email_outbox");
  }

  /** Deletes sent and failed emails queued before `before`; returns how many. */
  pruneFinished(before: Date): Promise<number> {
    return pruneFinished(this.db, "email_outbox", before);
  }

  /** Every email of the outbox, oldest first (tests and diagnostics). */
  async list(): Promise<EmailRecord[]> {
    const rows = await this.db.query(
      `SELECT id, kind, message_id, to_address, status, attempts, last_error
       FROM email_outbox ORDER BY n`,
    );
    return rows.map((r) => {
      const status = r.status;
      if (status !== "pending" && status !== "sent" && status !== "failed") {
        throw new TypeError(`email_outbox.status: unexpected ${String(status)}`);
      }
      return {
        id: str(r, "id"),
        kind: str(r, "kind"),
        messageId: str(r, "message_id"),
        to: str(r, "to_address"),
        status,
        attempts: int(r, "attempts"),
        lastError: optStr(r, "last_error"),
      };
    });
  }

  /**
   * Stores a one-time link for an agent and queues its email, in one transaction: the email
   * exists exactly when the link does.
   */
  async createLink(
    link: { tokenHash: string; agentId: string; purpose: "reset" | "invite"; expiresAt: Date },
    email: NewEmail,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO agent_links (token_hash, agent_id, purpose, expires_at)
         VALUES ($1, $2, $3, $4)`,
        [link.tokenHash, link.agentId, link.purpose, link.expiresAt],
      );
      await enqueueEmail(tx, email);
    });
  }

  /**
   * Creates an invited agent (no password of their own yet: `passwordHash` is a random one),
   * their invitation link and its email, in one transaction. Throws `conflict` for a taken email.
   */
  async createInvitation(
    agent: NewAgent,
    link: { tokenHash: string; expiresAt: Date },
    email: (agent: AgentRecord) => NewEmail,
  ): Promise<AgentRecord> {
    return await this.db.transaction(async (tx) => {
      const created = await createAgent(tx, agent);
      await tx.query("UPDATE agents SET invited_at = clock_timestamp() WHERE id = $1", [
        created.id,
      ]);
      await tx.query(
        `INSERT INTO agent_links (token_hash, agent_id, purpose, expires_at)
         VALUES ($1, $2, 'invite', $3)`,
        [link.tokenHash, created.id, link.expiresAt],
      );
      await enqueueEmail(tx, email(created));
      return created;
    });
  }

  /**
   * A new invitation link and email for an agent still invited; the earlier links stop working.
   * Throws `not_found` when the agent is not (or no longer) invited.
   */
  async resendInvitation(
    agentId: string,
    link: { tokenHash: string; expiresAt: Date },
    email: NewEmail,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      const rows = await tx.query(
        "SELECT id FROM agents WHERE id = $1 AND invited_at IS NOT NULL FOR UPDATE",
        [agentId],
      );
      if (rows.length === 0) throw new StoreError("not_found", "No pending invitation");
      await tx.query(
        `UPDATE agent_links SET used_at = clock_timestamp()
         WHERE agent_id = $1 AND purpose = 'invite' AND used_at IS NULL`,
        [agentId],
      );
      await tx.query(
        `INSERT INTO agent_links (token_hash, agent_id, purpose, expires_at)
         VALUES ($1, $2, 'invite', $3)`,
        [link.tokenHash, agentId, link.expiresAt],
      );
      await enqueueEmail(tx, email);
    });
  }

  /** Removes an agent still invited, with their links. Throws `not_found` otherwise. */
  async revokeInvitation(agentId: string): Promise<void> {
    const rows = await this.db.query(
      "DELETE FROM agents WHERE id = $1 AND invited_at IS NOT NULL RETURNING id",
      [agentId],
    );
    if (rows.length === 0) throw new StoreError("not_found", "No pending invitation");
  }

  /** The ids of the agents still invited (they have not set a password yet). */
  async invitedAgentIds(): Promise<string[]> {
    const rows = await this.db.query(
      "SELECT id FROM agents WHERE invited_at IS NOT NULL ORDER BY invited_at",
    );
    return rows.map((r) => str(r, "id"));
  }

  /** What a link is now, without using it. */
  async peekLink(tokenHash: string): Promise<LinkState> {
    const rows = await this.db.query(
      `SELECT agent_id, purpose, used_at IS NOT NULL AS used,
         expires_at <= clock_timestamp() AS expired
       FROM agent_links WHERE token_hash = $1`,
      [tokenHash],
    );
    return rowToLinkState(rows[0]);
  }

  /**
   * Uses a valid link and sets the agent's password in one transaction (an invitation is
   * accepted then); answers the link's state before, `valid` when it was used now.
   */
  async useLink(tokenHash: string, passwordHash: string): Promise<LinkState> {
    return await this.db.transaction(async (tx) => {
      const rows = await tx.query(
        `SELECT agent_id, purpose, used_at IS NOT NULL AS used,
           expires_at <= clock_timestamp() AS expired
         FROM agent_links WHERE token_hash = $1 FOR UPDATE`,
        [tokenHash],
      );
      const state = rowToLinkState(rows[0]);
      if (state.state !== "valid") return state;
      await tx.query("UPDATE agent_links SET used_at = clock_timestamp() WHERE token_hash = $1", [
        tokenHash,
      ]);
      // Every other link of the same purpose dies with this one: an older email is stale.
      await tx.query(
        `UPDATE agent_links SET used_at = clock_timestamp()
         WHERE agent_id = $1 AND purpose = $2 AND used_at IS NULL`,
        [state.agentId, state.purpose],
      );
      await tx.query(
        "UPDATE agents SET password_hash = $2, invited_at = NULL WHERE id = $1",
        [state.agentId, passwordHash],
      );
      return state;
    });
  }
}

function rowToLinkState(r: Row | undefined): LinkState {
  if (r === undefined) return { state: "unknown" };
  if (r.used === true) return { state: "used" };
  if (r.expired === true) return { state: "expired" };
  const purpose = r.purpose;
  if (purpose !== "reset" && purpose !== "invite") return { state: "unknown" };
  return { state: "valid", agentId: str(r, "agent_id"), purpose };
}

function rowToClaimed(r: Row): ClaimedEmail {
  const refs = r.refs;
  return {
    id: str(r, "id"),
    kind: str(r, "kind"),
    messageId: str(r, "message_id"),
    to: str(r, "to_address"),
    replyTo: optStr(r, "reply_to"),
    subject: str(r, "subject"),
    text: str(r, "text_body"),
    html: optStr(r, "html_body"),
    inReplyTo: optStr(r, "in_reply_to"),
    references: Array.isArray(refs) ? refs.filter((x): x is string => typeof x === "string") : [],
    listUnsubscribe: optStr(r, "list_unsubscribe"),
    fromName: optStr(r, "from_name"),
    attempt: int(r, "attempts"),
    createdAt: ts(r, "created_at"),
  };
}
