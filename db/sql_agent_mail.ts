/**
 * The SQL behind agents' emails and transcripts (migration `0014_site_email.sql`,
 * docs/email.md "Agents' emails" and "Transcripts").
 *
 * Alerts for agents are rows of `agent_mail_queue`, grouped by `group_key`. Sending a group is
 * one transaction ({@link AgentMailStore.takeGroup}): it locks the group's `agent_mail_throttle`
 * row with `FOR UPDATE SKIP LOCKED` (an instance already sending it is skipped, not waited for),
 * checks the group's window, reads and deletes its entries and queues the emails with
 * `enqueueEmail`, so an entry becomes its email exactly once, on one instance.
 *
 * @module
 */

import type { Db, Queryable, Row } from "./driver.ts";
import { optStr, text as str, ts } from "./rows.ts";

/** What an entry of the queue is about. */
export type AlertKind = "new_conversation" | "assigned" | "visitor_wrote";

/** An alert to queue. */
export interface NewAlert {
  kind: AlertKind;
  siteId: string;
  conversationId: string;
  /** The agent told (assignments); null: the site's agents or notification address. */
  agentId: string | null;
  /** Who assigned it ("Routing" for automatic assignment). */
  assignedBy?: string | null;
}

/** An entry taken for sending, with what its email says. */
export interface AlertEntry {
  kind: AlertKind;
  siteId: string;
  conversationId: string;
  agentId: string | null;
  assignedBy: string | null;
  createdAt: string;
  visitorName: string;
  visitorEmail: string | null;
  /** The conversation's first visitor message (empty when there is none). */
  firstMessage: string;
  /** The latest visitor message (the "visitor wrote" alert quotes it). */
  lastVisitorMessage: string;
  /** The conversation's assignee now (an assignment moved on since is not told). */
  assigneeId: string | null;
}

/** One message of a transcript: never a note. */
export interface TranscriptLine {
  authorKind: "visitor" | "agent" | "system" | "bot";
  authorName: string | null;
  body: string;
  createdAt: string;
}

/** What a transcript is made of. */
export interface TranscriptSource {
  siteId: string;
  visitorId: string;
  visitorName: string;
  visitorEmail: string | null;
  lines: TranscriptLine[];
}

/** The group key of an alert: what is batched and throttled together. */
export function groupKey(a: NewAlert, uniq: string): string {
  switch (a.kind) {
    case "new_conversation":
      return `site:${a.siteId}`;
    case "visitor_wrote":
      return `wrote:${a.conversationId}:${a.agentId ?? ""}`;
    case "assigned":
      return `assigned:${uniq}`;
  }
}

/** Agents' alerts and transcripts, over a {@link Db}. */
export class AgentMailStore {
  /** Wraps an open, migrated database. */
  constructor(private readonly db: Db) {}

  /**
   * Queues an alert. A digest entry for a conversation already pending, or a second "visitor
   * wrote" for the same assignee, is dropped: the pending one already covers it.
   */
  async queue(a: NewAlert): Promise<void> {
    await this.db.query(
      `INSERT INTO agent_mail_queue (kind, group_key, site_id, conversation_id, agent_id,
         assigned_by)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [
        a.kind,
        groupKey(a, crypto.randomUUID()),
        a.siteId,
        a.conversationId,
        a.agentId,
        a.assignedBy ?? null,
      ],
    );
  }

  /**
   * The groups with entries whose window has passed, oldest first: `windowMs` since the group's
   * last email (assignments have no window).
   */
  async dueGroups(windowMs: number, limit = 50): Promise<string[]> {
    const rows = await this.db.query(
      `SELECT q.group_key, min(q.id) AS first FROM agent_mail_queue q
       LEFT JOIN agent_mail_throttle t ON t.group_key = q.group_key
       WHERE q.kind = 'assigned' OR t.last_sent_at IS NULL
         OR t.last_sent_at <= clock_timestamp() - $1 * interval '1 millisecond'
       GROUP BY q.group_key ORDER BY first LIMIT $2`,
      [windowMs, limit],
    );
    return rows.map((r) => str(r, "group_key"));
  }

  /** Milliseconds until the next group is due (0: now), or null when the queue is empty. */
  async msUntilNextDue(windowMs: number): Promise<number | null> {
    // No `greatest(0, …)` in SQL: it ignores a NULL (an empty queue) and would answer 0.
    const rows = await this.db.query(
      `SELECT extract(epoch FROM min(
         CASE WHEN q.kind = 'assigned' OR t.last_sent_at IS NULL THEN clock_timestamp()
           ELSE t.last_sent_at + $1 * interval '1 millisecond' END) - clock_timestamp()
       )::float8 * 1000 AS ms
       FROM agent_mail_queue q LEFT JOIN agent_mail_throttle t ON t.group_key = q.group_key`,
      [windowMs],
    );
    const ms = rows[0]?.ms;
    return typeof ms === "number" ? Math.max(0, ms) : null;
  }

  /**
   * Sends one group, if it is due and no other instance is sending it: `build` turns its
   * entries into emails queued on the transaction it is given, and the entries are deleted in
   * the same transaction. Returns how many entries were taken (0: not due, busy or empty).
   */
  async takeGroup(
    key: string,
    windowMs: number,
    build: (tx: Queryable, entries: AlertEntry[]) => Promise<void>,
  ): Promise<number> {
    const throttled = !key.startsWith("assigned:");
    if (throttled) {
      // The row must exist to be locked. Written on its own, committed at once: inside the
      // transaction, a second instance's insert would wait for this one instead of skipping it.
      await this.db.query(
        `INSERT INTO agent_mail_throttle (group_key, last_sent_at) VALUES ($1, '-infinity')
         ON CONFLICT DO NOTHING`,
        [key],
      );
    }
    return await this.db.transaction(async (tx) => {
      if (throttled) {
        const lock = await tx.query(
          `SELECT last_sent_at <= clock_timestamp() - $2 * interval '1 millisecond' AS due
           FROM agent_mail_throttle WHERE group_key = $1 FOR UPDATE SKIP LOCKED`,
          [key, windowMs],
        );
        if (lock.length === 0 || lock[0].due !== true) return 0;
      }
      const rows = await tx.query(
        `DELETE FROM agent_mail_queue q WHERE q.id IN (
           SELECT id FROM agent_mail_queue WHERE group_key = $1 FOR UPDATE SKIP LOCKED
         )
         RETURNING q.kind, q.site_id, q.conversation_id, q.agent_id, q.assigned_by, q.created_at`,
        [key],
      );
      if (rows.length === 0) return 0;
      const entries = await withDetails(tx, rows);
      await build(tx, entries);
      if (throttled) {
        await tx.query(
          "UPDATE agent_mail_throttle SET last_sent_at = clock_timestamp() WHERE group_key = $1",
          [key],
        );
      }
      return rows.length;
    });
  }

  /**
   * Forgets throttle rows of groups quiet for longer than `windowMs` (their window is long
   * over: a missing row reads as "due").
   */
  async pruneThrottle(windowMs: number): Promise<void> {
    await this.db.query(
      `DELETE FROM agent_mail_throttle t
       WHERE t.last_sent_at < clock_timestamp() - $1 * interval '1 millisecond'
         AND NOT EXISTS (SELECT 1 FROM agent_mail_queue q WHERE q.group_key = t.group_key)`,
      [windowMs],
    );
  }

  /** The agents who opted in to assignment emails, among `ids`. */
  async optedIn(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.query(
      "SELECT id FROM agents WHERE id = ANY($1::text[]) AND email_assigned",
      [ids],
    );
    return new Set(rows.map((r) => str(r, "id")));
  }

  /** Whether an agent opted in to assignment emails. */
  async emailAssigned(agentId: string): Promise<boolean> {
    return (await this.optedIn([agentId])).has(agentId);
  }

  /** Sets an agent's opt-in; false when there is no such agent. */
  async setEmailAssigned(agentId: string, on: boolean): Promise<boolean> {
    const rows = await this.db.query(
      "UPDATE agents SET email_assigned = $2 WHERE id = $1 RETURNING id",
      [agentId, on],
    );
    return rows.length > 0;
  }

  /**
   * Who gets a site's digest: enabled agents who accepted their invitation, allowed on the site
   * (no site list, or one naming it).
   */
  async siteAgents(q: Queryable, siteId: string): Promise<{ id: string; email: string }[]> {
    const rows = await q.query(
      `SELECT id, email FROM agents
       WHERE NOT disabled AND invited_at IS NULL
         AND (cardinality(sites) = 0 OR $1 = ANY(sites))
       ORDER BY created_at`,
      [siteId],
    );
    return rows.map((r) => ({ id: str(r, "id"), email: str(r, "email") }));
  }

  /** An agent's address and name, when enabled. */
  async agentAddress(
    q: Queryable,
    agentId: string,
  ): Promise<{ email: string; name: string } | null> {
    const rows = await q.query(
      "SELECT email, name FROM agents WHERE id = $1 AND NOT disabled AND invited_at IS NULL",
      [agentId],
    );
    return rows.length === 0 ? null : { email: str(rows[0], "email"), name: str(rows[0], "name") };
  }

  /** A conversation's visitor-visible messages (never notes), oldest first; null: none such. */
  async transcriptSource(q: Queryable, conversationId: string): Promise<TranscriptSource | null> {
    const head = await q.query(
      `SELECT c.site_id, v.id AS visitor_id, v.name, v.email FROM conversations c
       JOIN visitors v ON v.id = c.visitor_id WHERE c.id = $1`,
      [conversationId],
    );
    if (head.length === 0) return null;
    const rows = await q.query(
      `SELECT author_kind, author_name, body, created_at FROM messages
       WHERE conversation_id = $1 AND NOT note AND body <> '' ORDER BY seq`,
      [conversationId],
    );
    const visitorName = str(head[0], "name");
    return {
      siteId: str(head[0], "site_id"),
      visitorId: str(head[0], "visitor_id"),
      visitorName,
      visitorEmail: optStr(head[0], "email"),
      lines: rows.map((r) => {
        const kind = str(r, "author_kind");
        const authorKind = kind === "visitor" || kind === "agent" || kind === "bot"
          ? kind
          : "system";
        return {
          authorKind,
          authorName: authorKind === "visitor" ? visitorName : optStr(r, "author_name"),
          body: str(r, "body"),
          createdAt: ts(r, "created_at"),
        };
      }),
    };
  }

  /** The driver, for transactions that queue an email. */
  get driver(): Db {
    return this.db;
  }
}

/** Adds to taken entries what their email says of the conversation. */
async function withDetails(q: Queryable, rows: Row[]): Promise<AlertEntry[]> {
  const ids = [...new Set(rows.map((r) => str(r, "conversation_id")))];
  const details = await q.query(
    `SELECT c.id, c.assignee_id, v.name, v.email,
       (SELECT body FROM messages m WHERE m.conversation_id = c.id AND m.author_kind = 'visitor'
          AND NOT m.note ORDER BY m.seq LIMIT 1) AS first_body,
       (SELECT body FROM messages m WHERE m.conversation_id = c.id AND m.author_kind = 'visitor'
          AND NOT m.note ORDER BY m.seq DESC LIMIT 1) AS last_body
     FROM conversations c JOIN visitors v ON v.id = c.visitor_id
     WHERE c.id = ANY($1::text[])`,
    [ids],
  );
  const byId = new Map(details.map((d) => [str(d, "id"), d]));
  return rows.flatMap((r): AlertEntry[] => {
    const d = byId.get(str(r, "conversation_id"));
    if (d === undefined) return [];
    const kind = str(r, "kind");
    if (kind !== "new_conversation" && kind !== "assigned" && kind !== "visitor_wrote") return [];
    return [{
      kind,
      siteId: str(r, "site_id"),
      conversationId: str(r, "conversation_id"),
      agentId: optStr(r, "agent_id"),
      assignedBy: optStr(r, "assigned_by"),
      createdAt: ts(r, "created_at"),
      visitorName: str(d, "name"),
      visitorEmail: optStr(d, "email"),
      firstMessage: optStr(d, "first_body") ?? "",
      lastVisitorMessage: optStr(d, "last_body") ?? "",
      assigneeId: optStr(d, "assignee_id"),
    }];
  }).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
