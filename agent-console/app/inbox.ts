/**
 * The inbox as computeds over the conversation summaries: each view's list in display order,
 * the tab counts, and how many conversations waiting for this agent have unread messages.
 *
 * @module
 */

import { computed, type ReadonlySignal } from "@preact/signals";
import type { AgentInfo, ConversationSummary } from "../../protocol/frames.ts";
import { inView, isUnread, viewList, type ViewName } from "./views.ts";

/** The inbox's derived state. */
export interface Inbox {
  readonly lists: ReadonlySignal<Record<ViewName, ConversationSummary[]>>;
  readonly counts: ReadonlySignal<Record<ViewName, number>>;
  /** The list of the current view. */
  readonly currentList: ReadonlySignal<ConversationSummary[]>;
  /** Conversations waiting for this agent (queue + mine) with unread messages. */
  readonly unreadCount: ReadonlySignal<number>;
}

/**
 * Derives the inbox from the summaries, the signed-in agent, the current view and the site
 * filter (null: every site). The filter narrows the lists and their counts, not the unread
 * count of the title: a visitor waiting on another site still deserves the agent's attention.
 */
export function createInbox(
  conversations: ReadonlySignal<ReadonlyMap<string, ConversationSummary>>,
  me: ReadonlySignal<AgentInfo>,
  view: ReadonlySignal<ViewName>,
  siteFilter: ReadonlySignal<string | null>,
): Inbox {
  const lists = computed(() => {
    const site = siteFilter.value;
    let all = [...conversations.value.values()];
    if (site !== null) all = all.filter((c) => c.siteId === site);
    const id = me.value.id;
    return {
      queue: viewList("queue", all, id),
      mine: viewList("mine", all, id),
      open: viewList("open", all, id),
      resolved: viewList("resolved", all, id),
      snoozed: viewList("snoozed", all, id),
    };
  });
  const counts = computed(() => {
    const l = lists.value;
    return {
      queue: l.queue.length,
      mine: l.mine.length,
      open: l.open.length,
      resolved: l.resolved.length,
      snoozed: l.snoozed.length,
    };
  });
  const currentList = computed(() => lists.value[view.value]);
  const unreadCount = computed(() => {
    const id = me.value.id;
    let n = 0;
    for (const c of conversations.value.values()) {
      if ((inView("queue", c, id) || inView("mine", c, id)) && isUnread(c)) n++;
    }
    return n;
  });
  return { lists, counts, currentList, unreadCount };
}
