/**
 * Clearing a typing indicator, shared by the sockets (on send and close) and the sweep (on
 * expiry), so every path publishes the same `active: false` event.
 *
 * @module
 */

import type { ChatCommands } from "./commands.ts";
import type { Conn } from "../sockets/registry.ts";

/** Publishes `active: false` for the conversation `conn` is typing in, if any. */
export async function clearTyping(conn: Conn, commands: ChatCommands): Promise<void> {
  const conversationId = conn.typingIn;
  conn.typingIn = null;
  if (!conversationId) return;
  await commands.typing(
    conn.kind === "visitor"
      ? { kind: "visitor", visitorId: conn.visitorId }
      : { kind: "agent", actor: { id: conn.agentId, name: conn.agentName, sites: conn.sites } },
    conversationId,
    false,
  );
}
