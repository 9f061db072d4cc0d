/**
 * Pure helpers for one conversation's message list (merged by `seq` with the kernel's
 * `mergeMessages`), and the view items that interleave stored messages with outgoing ones.
 *
 * @module
 */

import type { Attachment, Message } from "../../protocol/frames.ts";

/** A conversation's loaded history. */
export interface Thread {
  /** Stored messages in ascending `seq`, no duplicates. */
  messages: readonly Message[];
  /** True when older messages exist on the server. */
  hasMore: boolean;
  /** True while an older page is being fetched. */
  loadingOlder: boolean;
  /** True once the first page arrived. */
  loaded: boolean;
}

/** An outgoing message not yet acknowledged. */
export interface PendingMessage {
  clientId: string;
  conversationId: string;
  /** May be empty when it carries attachments. */
  body: string;
  note: boolean;
  /** Files uploaded before the message was queued; their ids go in the message frame. */
  attachments?: Attachment[];
  /**
   * `sending` until the ack (also while it waits to be resent after a retryable refusal);
   * `failed` after a final refusal, until the agent retries or discards it.
   */
  state: "sending" | "failed";
  error: string | null;
  createdAt: string;
}

/** An empty, not yet loaded thread. */
export const EMPTY_THREAD: Thread = {
  messages: [],
  hasMore: false,
  loadingOlder: false,
  loaded: false,
};

/** Highest stored `seq` of a thread, or 0. */
export function lastSeq(thread: Thread): number {
  return thread.messages.at(-1)?.seq ?? 0;
}

/** Lowest stored `seq` of a thread, or 0. */
export function firstSeq(thread: Thread): number {
  return thread.messages[0]?.seq ?? 0;
}

/** What the conversation view renders, in order. */
export type ThreadItem =
  | { kind: "message"; key: string; message: Message }
  | { kind: "pending"; key: string; pending: PendingMessage };

/** Stored messages followed by this conversation's outgoing ones (oldest first). */
export function threadItems(
  thread: Thread,
  pending: readonly PendingMessage[],
): ThreadItem[] {
  const items: ThreadItem[] = thread.messages.map((message) => ({
    kind: "message",
    key: message.id,
    message,
  }));
  for (const p of pending) items.push({ kind: "pending", key: p.clientId, pending: p });
  return items;
}
