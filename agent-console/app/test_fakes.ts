/**
 * Test doubles for the console model: manual timers and builders for protocol values.
 * Imported by `*_test.ts` only; never bundled.
 *
 * @module
 */

import type {
  AgentClientFrame,
  AgentInfo,
  ConversationSummary,
  Message,
} from "../../protocol/frames.ts";
import type { Timers } from "./timers.ts";

/** Timers driven by {@link FakeTimers.advance} instead of the wall clock. */
export class FakeTimers implements Timers {
  /** The fake clock in ms. */
  now = 1_700_000_000_000;
  #next = 1;
  #due = new Map<number, { at: number; fn: () => void }>();

  /** Schedules `fn` at `now + ms`. */
  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#due.set(id, { at: this.now + ms, fn });
    return id;
  }

  /** Cancels a timer. */
  clearTimeout(id: number): void {
    this.#due.delete(id);
  }

  /** Moves the clock forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let first: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.#due) if (e[1].at <= end && (!first || e[1].at < first[1].at)) first = e;
      if (!first) break;
      this.#due.delete(first[0]);
      this.now = first[1].at;
      first[1].fn();
    }
    this.now = end;
  }

  /** How many timers are pending. */
  get pending(): number {
    return this.#due.size;
  }
}

/** An agent. */
export function agent(id: string, patch: Partial<AgentInfo> = {}): AgentInfo {
  return {
    id,
    email: `${id}@example.com`,
    name: id.toUpperCase(),
    avatar: null,
    role: "agent",
    status: "online",
    disabled: false,
    capacity: 5,
    ...patch,
  };
}

/** A conversation summary. */
export function summary(
  id: string,
  patch: Partial<ConversationSummary> = {},
): ConversationSummary {
  return {
    id,
    siteId: "demo",
    visitorId: `v-${id}`,
    visitorName: `Visitor ${id}`,
    status: "queued",
    assigneeId: null,
    lastSeq: 1,
    lastMessage: { body: "hi", authorKind: "visitor", createdAt: "2024-01-01T00:00:00.000Z" },
    readSeq: 0,
    visitorReadSeq: 0,
    rating: null,
    createdAt: "2024-01-01T00:00:00.000Z",
    updatedAt: "2024-01-01T00:00:00.000Z",
    ...patch,
  };
}

/** A message. */
export function message(
  conversationId: string,
  seq: number,
  patch: Partial<Message> = {},
): Message {
  return {
    id: `${conversationId}-m${seq}`,
    conversationId,
    seq,
    authorKind: "visitor",
    authorId: `v-${conversationId}`,
    authorName: "Visitor",
    clientId: `c-${conversationId}-${seq}`,
    body: `message ${seq}`,
    note: false,
    createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, seq)).toISOString(),
    ...patch,
  };
}

/** Records frames a model sends; `connected` decides whether `send` succeeds. */
export class FakeSocket {
  /** Every frame sent while connected. */
  sent: AgentClientFrame[] = [];
  /** Whether sends succeed. */
  connected = true;
  /** The `send` function to give the model. */
  send = (frame: AgentClientFrame): boolean => {
    if (!this.connected) return false;
    this.sent.push(frame);
    return true;
  };
  /** Frames of one type. */
  of<T extends AgentClientFrame["type"]>(type: T): Extract<AgentClientFrame, { type: T }>[] {
    return this.sent.filter((f): f is Extract<AgentClientFrame, { type: T }> => f.type === type);
  }
}
