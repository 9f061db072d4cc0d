/**
 * Rules for keeping inbox summaries current between server `conversation` frames, as pure
 * functions the model applies.
 *
 * @module
 */

import type { ConversationSummary, Message } from "../../protocol/frames.ts";

/**
 * A summary from the server replacing the one we hold. `readSeq` never decreases: a broadcast
 * summary may not carry this agent's read position. Labels and priority absent from `incoming`
 * keep their known values.
 */
export function mergeSummary(
  prev: ConversationSummary | undefined,
  incoming: ConversationSummary,
): ConversationSummary {
  if (!prev) return incoming;
  // A summary built from a message alone (the sender's instance) carries no labels or priority:
  // keep what we knew.
  const kept = {
    ...(incoming.labels === undefined && prev.labels !== undefined ? { labels: prev.labels } : {}),
    ...(incoming.priority === undefined && prev.priority !== undefined
      ? { priority: prev.priority }
      : {}),
  };
  if (prev.readSeq <= incoming.readSeq) {
    return Object.keys(kept).length === 0 ? incoming : { ...incoming, ...kept };
  }
  return { ...incoming, ...kept, readSeq: prev.readSeq };
}

/**
 * The summary after a message arrived (live, acknowledged or in a history page), or `c` itself
 * when the message is not newer. Notes do not replace the visible last message; the agent's own
 * messages count as read.
 */
export function summaryAfterMessage(
  c: ConversationSummary,
  m: Message,
  meId: string,
): ConversationSummary {
  if (m.seq <= c.lastSeq && c.lastMessage !== null) return c;
  const mine = m.authorKind === "agent" && m.authorId === meId;
  return {
    ...c,
    lastSeq: Math.max(c.lastSeq, m.seq),
    readSeq: mine ? Math.max(c.readSeq, m.seq) : c.readSeq,
    lastMessage: m.note
      ? c.lastMessage
      : { body: m.body, authorKind: m.authorKind, createdAt: m.createdAt },
    updatedAt: m.createdAt > c.updatedAt ? m.createdAt : c.updatedAt,
  };
}
