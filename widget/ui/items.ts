/**
 * Rows of the message list and how stored messages merge into them: deduped by id, by seq within
 * a conversation, and by the visitor's own clientId, so nothing shows twice.
 *
 * @module
 */

import type { Attachment, AuthorKind, Message } from "../../protocol/frames.ts";
import { mergeMessages as merge } from "../../protocol/client/merge.ts";
import type { PendingMessage } from "./outbox.ts";

/** Delivery state of a visitor's message. */
export type Delivery = "sending" | "sent" | "failed";

/** One row of the message list: a stored message, or a visitor message still in the outbox. */
export interface ChatItem {
  /** Stable render key: the clientId for the visitor's own messages, else the message id. */
  key: string;
  id: string | null;
  conversationId: string | null;
  seq: number | null;
  clientId: string | null;
  authorKind: AuthorKind;
  authorName: string | null;
  body: string;
  createdAt: string;
  delivery: Delivery;
  attachments?: Attachment[];
}

/** A row of a stored message. */
type StoredItem = ChatItem & { seq: number };

/** A stored message as a row. */
export function fromMessage(m: Message): StoredItem {
  return {
    ...m,
    key: m.authorKind === "visitor" && m.clientId ? m.clientId : m.id,
    delivery: "sent",
  };
}

/** An outbox entry as a row ("sending", or "failed"). */
export function fromPending(p: PendingMessage): ChatItem {
  return {
    key: p.clientId,
    id: null,
    conversationId: null,
    seq: null,
    clientId: p.clientId,
    authorKind: "visitor",
    authorName: null,
    body: p.body,
    createdAt: p.createdAt,
    delivery: p.failed ? "failed" : "sending",
    attachments: p.attachments,
  };
}

/** Stored messages by seq, then the outbox in the order it was written. */
export function sortItems(items: ChatItem[]): ChatItem[] {
  const stored = items.filter((i) => i.seq !== null).sort((a, b) => a.seq! - b.seq!);
  return [...stored, ...items.filter((i) => i.seq === null)];
}

/**
 * Merges stored messages into `items` by seq (the kernel's rule), replacing the pending copy of
 * a visitor's own message (same clientId). Private notes are dropped.
 */
export function mergeMessages(items: ChatItem[], messages: Message[]): ChatItem[] {
  const fresh = messages.filter((m) => !m.note).map(fromMessage);
  return [
    ...merge(items.filter((i): i is StoredItem => i.seq !== null), fresh),
    // A visitor's stored message has its clientId as key, like its pending copy.
    ...items.filter((i) => i.seq === null && !fresh.some((m) => m.key === i.key)),
  ];
}
