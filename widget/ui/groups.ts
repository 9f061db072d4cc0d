/**
 * Groups consecutive messages by author for display, and formats their timestamps.
 *
 * @module
 */

import type { ChatItem } from "./items.ts";

/** Consecutive messages from one author, written within {@link GROUP_GAP_MS} of each other. */
export interface MessageGroup {
  key: string;
  authorKind: ChatItem["authorKind"];
  authorName: string | null;
  items: ChatItem[];
}

/** A pause longer than this starts a new group even for the same author. */
export const GROUP_GAP_MS = 5 * 60_000;

/** Splits the message list into author groups. */
export function groupItems(items: readonly ChatItem[]): MessageGroup[] {
  const groups: MessageGroup[] = [];
  let last: MessageGroup | undefined;
  for (const item of items) {
    const prev = last?.items[last.items.length - 1];
    const same = last && prev && last.authorKind === item.authorKind &&
      item.authorKind !== "system" &&
      (item.authorKind === "visitor" || last.authorName === item.authorName) &&
      Date.parse(item.createdAt) - Date.parse(prev.createdAt) < GROUP_GAP_MS;
    if (same) last!.items.push(item);
    else {
      last = {
        key: item.key,
        authorKind: item.authorKind,
        authorName: item.authorName,
        items: [item],
      };
      groups.push(last);
    }
  }
  return groups;
}

/** "14:05" today, "12 Mar, 14:05" on another day, in the widget's locale. */
export function formatTime(iso: string, locale: string, now: Date = new Date()): string {
  const date = new Date(iso);
  const today = date.toDateString() === now.toDateString();
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString(locale, {
    hour: "numeric",
    minute: "2-digit",
    ...(today ? {} : { day: "numeric", month: "short" }),
  });
}
