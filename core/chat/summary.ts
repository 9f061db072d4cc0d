/**
 * The inbox summary right after a visitor's message, built from the append's result so the
 * fan-out of this instance need not read it back (the busiest read of all: one per message).
 * Other instances, and every other change, read it from the store as before.
 *
 * @module
 */

import type { AppendResult } from "../../db/store.ts";
import type { ConversationSummary } from "../../protocol/frames.ts";

/**
 * The summary as of a stored visitor message, or null when it cannot be known without a read
 * (agent and system messages do not carry the visitor's name; notes keep the old preview).
 */
export function summaryAfter(result: AppendResult): ConversationSummary | null {
  const { message: m, conversation: c } = result;
  if (m.authorKind !== "visitor" || m.note || m.authorName === null) return null;
  return {
    id: c.id,
    siteId: c.siteId,
    visitorId: c.visitorId,
    // The visitor's name at send time, which is what the store's summary shows too.
    visitorName: m.authorName,
    status: c.status,
    assigneeId: c.assigneeId,
    lastSeq: c.lastSeq,
    lastMessage: { body: m.body, authorKind: "visitor", createdAt: m.createdAt },
    readSeq: 0,
    visitorReadSeq: c.visitorReadSeq,
    agentReadSeq: c.agentReadSeq,
    resolvedSeq: c.resolvedSeq,
    rating: c.rating,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    // A visitor's message wakes a snoozed conversation (the append clears it).
    snoozedUntil: c.snoozedUntil,
  };
}
