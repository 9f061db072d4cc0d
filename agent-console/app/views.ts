/**
 * Inbox views as pure functions over conversation summaries, so the model's computeds and the
 * unit tests share one definition.
 *
 * @module
 */

import type { ConversationSummary } from "../../protocol/frames.ts";

/**
 * The inbox views, in tab order. "Snoozed" comes last so the digit shortcuts of the older views
 * keep their meaning.
 */
export const VIEWS = ["queue", "mine", "open", "resolved", "snoozed"] as const;
/** One inbox view. */
export type ViewName = typeof VIEWS[number];

/** Human labels of the views. */
export const VIEW_LABELS: Record<ViewName, string> = {
  queue: "Queue",
  mine: "Mine",
  open: "All open",
  resolved: "Resolved",
  snoozed: "Snoozed",
};

/**
 * True while `c` is snoozed: parked out of the queue, "Mine" and "All open" until the server
 * wakes it (its time came, or the visitor wrote), which clears `snoozedUntil`.
 */
export function isSnoozed(c: ConversationSummary): boolean {
  return c.status !== "resolved" && typeof c.snoozedUntil === "string";
}

/** True when `c` belongs in `view` for the agent `meId`. */
export function inView(view: ViewName, c: ConversationSummary, meId: string): boolean {
  switch (view) {
    case "queue":
      return c.status === "queued" && c.assigneeId === null && !isSnoozed(c);
    case "mine":
      return c.status === "open" && c.assigneeId === meId && !isSnoozed(c);
    case "open":
      return (c.status === "queued" || c.status === "open") && !isSnoozed(c);
    case "resolved":
      return c.status === "resolved";
    case "snoozed":
      return isSnoozed(c);
  }
}

const byCreatedAsc = (a: ConversationSummary, b: ConversationSummary) =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
const byUpdatedDesc = (a: ConversationSummary, b: ConversationSummary) =>
  a.updatedAt > b.updatedAt ? -1 : a.updatedAt < b.updatedAt ? 1 : a.id < b.id ? -1 : 1;

/** The next to wake first. */
const bySnoozedAsc = (a: ConversationSummary, b: ConversationSummary) =>
  (a.snoozedUntil ?? "") < (b.snoozedUntil ?? "") ? -1 : byUpdatedDesc(a, b);

/**
 * The conversations of a view in display order: the queue is first come, first served (longest
 * waiting on top, like an omnichannel queue); other views show the latest activity first.
 */
export function viewList(
  view: ViewName,
  all: Iterable<ConversationSummary>,
  meId: string,
): ConversationSummary[] {
  const list: ConversationSummary[] = [];
  for (const c of all) if (inView(view, c, meId)) list.push(c);
  return list.sort(
    view === "queue" ? byCreatedAsc : view === "snoozed" ? bySnoozedAsc : byUpdatedDesc,
  );
}

/** True when the agent has not read the latest message of `c`. */
export function isUnread(c: ConversationSummary): boolean {
  return c.lastSeq > c.readSeq;
}
