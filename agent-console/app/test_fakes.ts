/**
 * Test doubles for the console model: builders for protocol values and a recorder of the frames a
 * model sends (the fake clock is the kernel's, `protocol/client/testing/clock.ts`).
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
    sites: [],
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

/**
 * Records the frames a model sends (the model's `send`; not a socket: the socket fake is the
 * kernel's). Request ids are kept apart, so tests compare frames by what they ask for.
 */
export class FrameRecorder {
  /** Every frame sent while connected, without its `requestId`. */
  sent: AgentClientFrame[] = [];
  /** The `requestId` of each frame in {@link FrameRecorder.sent} (undefined when it had none). */
  requestIds: (string | undefined)[] = [];
  /** Whether sends succeed. */
  connected = true;
  /** The `send` function to give the model. */
  send = (frame: AgentClientFrame): boolean => {
    if (!this.connected) return false;
    const { requestId, ...rest } = frame as AgentClientFrame & { requestId?: string };
    this.sent.push(rest as AgentClientFrame);
    this.requestIds.push(requestId);
    return true;
  };
  /** Frames of one type. */
  of<T extends AgentClientFrame["type"]>(type: T): Extract<AgentClientFrame, { type: T }>[] {
    return this.sent.filter((f): f is Extract<AgentClientFrame, { type: T }> => f.type === type);
  }
  /** The request id of the last frame of one type. */
  lastRequestId(type: AgentClientFrame["type"]): string | undefined {
    const i = this.sent.findLastIndex((f) => f.type === type);
    return i === -1 ? undefined : this.requestIds[i];
  }
}
