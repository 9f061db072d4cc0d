/**
 * Snooze wake-ups (docs/console.md "Snooze"; `conversations.snoozed_until`, migrations 0015 and
 * 0016): the store side of bringing snoozed conversations back when their time comes. Every
 * instance runs the runner (`core/chat/snooze_wake.ts`); the work is shared through
 * `FOR UPDATE SKIP LOCKED`, so each due conversation is woken by exactly one instance, in ONE
 * statement that clears `snoozed_until` and returns what the runner publishes.
 *
 * A visitor's message clears the snooze in its own append statement (`sql_messages.ts`), so the
 * runner never wakes a conversation the visitor woke already: that row no longer matches.
 *
 * @module
 */

import type { Queryable } from "./driver.ts";
import { optStr, text } from "./rows.ts";

/** A conversation woken by {@link SnoozeStore.wakeDue}. */
export interface WokenConversation {
  id: string;
  visitorId: string;
  assigneeId: string | null;
}

/** $1 batch size. Oldest due first; a row another instance holds is skipped, not waited for. */
const WAKE_DUE = `
WITH due AS (
  SELECT id FROM conversations
  WHERE snoozed_until IS NOT NULL AND snoozed_until <= clock_timestamp()
  ORDER BY snoozed_until
  LIMIT $1
  FOR UPDATE SKIP LOCKED
)
UPDATE conversations AS c SET snoozed_until = NULL
FROM due WHERE c.id = due.id AND c.snoozed_until IS NOT NULL
RETURNING c.id, c.visitor_id, c.assignee_id`;

/** The snooze wake-up queries over a database. */
export class SnoozeStore {
  /** Wraps an open, migrated database. */
  constructor(private readonly db: Queryable) {}

  /** Clears the snooze of at most `limit` due conversations and returns them. */
  async wakeDue(limit: number): Promise<WokenConversation[]> {
    const rows = await this.db.query(WAKE_DUE, [limit]);
    return rows.map((r) => ({
      id: text(r, "id"),
      visitorId: text(r, "visitor_id"),
      assigneeId: optStr(r, "assignee_id"),
    }));
  }

  /** Milliseconds until the next snooze is due (0 when one is due now); null when none is. */
  async msUntilNextWake(): Promise<number | null> {
    // No greatest(0, …) in SQL: it would turn "none" (NULL) into 0.
    const rows = await this.db.query(
      `SELECT (extract(epoch FROM min(snoozed_until) - clock_timestamp()) * 1000)::float8 AS ms
       FROM conversations WHERE snoozed_until IS NOT NULL`,
    );
    const ms = rows[0]?.ms;
    return ms === null || ms === undefined ? null : Math.max(0, Math.ceil(Number(ms)));
  }
}
