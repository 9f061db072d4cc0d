/**
 * Fixtures for the chat model's tests: protocol values and a model wired to a manual clock, fake
 * sockets and in-memory storage. Never bundled (nothing in the UI imports it).
 *
 * @module
 */

import type { Message, VisitorConversation } from "../../protocol/frames.ts";
import type { VisitorClientFrame } from "../../protocol/frames.ts";
import { manualClock } from "../../protocol/client/testing/clock.ts";
import { fakeSockets } from "../../protocol/client/testing/socket.ts";
import { MemoryStorage } from "./_testing.ts";
import { type ChatModelOptions, createChatModel } from "./model.ts";
import { createVisitorStore } from "./outbox.ts";

/** The storage key of the demo site. */
export const KEY = "parley:demo";
/** A fixed timestamp. */
export const T0 = "2025-01-01T10:00:00.000Z";

/** An agent message with `seq` in conversation `c1`. */
export function msg(seq: number, over: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    conversationId: "c1",
    seq,
    authorKind: "agent",
    authorId: "a1",
    authorName: "Ana",
    clientId: null,
    body: `agent ${seq}`,
    note: false,
    createdAt: T0,
    ...over,
  };
}

/** The visitor's view of conversation `c1`. */
export const conv = (over: Partial<VisitorConversation> = {}): VisitorConversation => ({
  id: "c1",
  status: "open",
  assignee: null,
  lastSeq: 0,
  readSeq: 0,
  agentReadSeq: 0,
  resolvedSeq: null,
  rating: null,
  ...over,
});

/** A `welcome` frame holding `messages` (and their conversation when there are any). */
export function welcome(messages: Message[] = [], over: Record<string, unknown> = {}) {
  return {
    type: "welcome",
    token: "tok",
    visitor: { id: "v1", name: "V", email: null, verified: false },
    conversation: messages.length ? conv({ lastSeq: messages.at(-1)!.seq }) : null,
    messages,
    agentsOnline: 1,
    team: { name: "Support", replyTime: "Minutes" },
    heartbeatMs: 25_000,
    ...over,
  };
}

/** The `ack` of the visitor's message `clientId`, stored as `seq` of `c1`. */
export function ack(clientId: string, seq: number) {
  return { type: "ack", clientId, messageId: `m${seq}`, conversationId: "c1", seq, createdAt: T0 };
}

/** Options of {@link setupChat}. */
export interface ChatSetupOptions {
  storage?: MemoryStorage;
  events?: EventTarget;
  /** The backoff's randomness; 0 by default (shortest waits). */
  random?: () => number;
  /** The fallback transport's loader (the model's `fallback` option); none by default. */
  fallback?: ChatModelOptions["fallback"];
}

/**
 * A chat model whose clientIds are `k1`, `k2`…, with the clock, sockets and storage behind it.
 * `connect()` starts it if needed, opens the latest socket and answers `hello` with `frame`.
 */
export function setupChat(
  { storage = new MemoryStorage(), events = new EventTarget(), random = () => 0, fallback }:
    ChatSetupOptions = {},
) {
  const clock = manualClock();
  const sockets = fakeSockets<VisitorClientFrame>();
  let n = 0;
  const received: Message[] = [];
  const model = createChatModel({
    url: "ws://x/ws/visitor",
    site: "demo",
    store: createVisitorStore({ key: KEY, storage, events }),
    page: () => ({ url: "https://shop.test/", title: "Shop" }),
    socket: sockets.factory,
    clock,
    random,
    newId: () => `k${++n}`,
    onMessage: (m) => received.push(m),
    fallback,
  });
  const connect = (frame: Record<string, unknown> = welcome()) => {
    if (model.status.peek() === "disconnected") model.start();
    sockets.last().open();
    sockets.last().receive(frame);
    return sockets.last();
  };
  return { clock, sockets, model, storage, events, received, connect };
}
