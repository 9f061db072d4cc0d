/**
 * Clearing a typing indicator, shared by the sessions (on send and close) and the sweep (on
 * expiry), so every path publishes the same `active: false` event.
 *
 * @module
 */

import type { Bus } from "../cluster/bus.ts";
import type { ChatService } from "./service.ts";
import type { Conn } from "../sockets/registry.ts";

/** Publishes `active: false` for the conversation `conn` is typing in, if any. */
export async function clearTyping(conn: Conn, bus: Bus, chat: ChatService): Promise<void> {
  const conversationId = conn.typingIn;
  conn.typingIn = null;
  if (!conversationId) return;
  const visitor = conn.kind === "visitor";
  await bus.publish({
    kind: "typing",
    conversationId,
    visitorId: visitor ? conn.visitorId : await chat.visitorOf(conversationId),
    author: visitor ? "visitor" : "agent",
    agentId: visitor ? null : conn.agentId,
    name: visitor ? "" : conn.agentName,
    active: false,
  });
}
