/**
 * One agent socket's protocol. The socket is authenticated before it reaches the core; on open
 * the agent gets a `welcome` snapshot, then live events from the fan-out.
 *
 * @module
 */

import { ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";
import type { Peer } from "./peer.ts";
import {
  type AgentClientFrame,
  type AgentServerFrame,
  parseAgentFrame,
} from "../../protocol/frames.ts";
import { TokenBucket } from "../rate_limit.ts";
import { clearTyping } from "../chat/typing.ts";
import { siteAllowed, siteLimit } from "../chat/site_access.ts";
import type { AgentConn } from "./registry.ts";
import {
  acknowledge,
  type ErrorAbout,
  type Heartbeat,
  presenceEvent,
  runSocket,
  type SocketDeps,
  type SocketHandlers,
} from "./socket.ts";

/** The `requestId` a reply to `frame` echoes, if the command carried one. */
function echo(frame: AgentClientFrame): { requestId?: string } {
  return "requestId" in frame && frame.requestId !== undefined
    ? { requestId: frame.requestId }
    : {};
}

/**
 * Starts the protocol on an authenticated agent socket. A command carrying a `requestId` gets
 * exactly one reply echoing it: the `error` refusing it, its own reply frame (`history`,
 * `visitor`), or else a `done` once it took effect (stored, then published).
 */
export function openAgentSocket(
  deps: SocketDeps,
  peer: Peer,
  agent: { id: string; name: string; role: "admin" | "agent"; sites: readonly string[] },
  sessionHash: string,
): SocketHandlers {
  const { commands, projection, registry, options, bus } = deps;
  const now = Date.now();
  const conn: AgentConn = {
    kind: "agent",
    peer,
    agentId: agent.id,
    agentName: agent.name,
    sessionHash,
    sites: siteLimit(agent),
    lastSeen: now,
    pingedAt: 0,
    typingIn: null,
    typingAt: 0,
    messages: new TokenBucket(options.messageBurst * 2, options.messagesPerSecond * 2),
    frames: new TokenBucket(options.frameBurst * 2, options.framesPerSecond * 2),
  };
  const first = registry.add(conn);
  const send = (frame: AgentServerFrame) => peer.send(frame);
  // Read at each command: the fan-out replaces `conn.sites` when an admin changes them.
  const actor = () => ({ id: agent.id, name: agent.name, sites: conn.sites });

  async function welcome(): Promise<void> {
    if (first) await bus.publish(presenceEvent(conn));
    const { agents, conversations, sites, labels } = await projection.agentWelcome(
      agent.id,
      conn.sites,
    );
    const me = agents.find((a) => a.id === agent.id);
    if (!me) throw new ParleyError(ErrorCode.Unauthorized, "Agent no longer exists");
    conn.sites = sites;
    send({
      type: "welcome",
      agent: me,
      agents,
      conversations,
      labels,
      heartbeatMs: options.heartbeatMs,
    });
  }

  async function handle(
    frame: Exclude<AgentClientFrame, Heartbeat>,
    receivedAt: number,
  ): Promise<void> {
    switch (frame.type) {
      case "message": {
        if (!conn.messages.take()) {
          throw new ParleyError(ErrorCode.RateLimited, "Sending too fast", { retryable: true });
        }
        const note = frame.note ?? false;
        const r = await commands.agentSend(actor(), { ...frame, note });
        if (!note && conn.typingIn === frame.conversationId) await stopTyping();
        await acknowledge(deps, peer, frame.clientId, r.message, receivedAt);
        return;
      }
      case "typing": {
        if (!frame.active && conn.typingIn !== frame.conversationId) return;
        if (frame.active && conn.typingIn && conn.typingIn !== frame.conversationId) {
          await stopTyping();
        }
        // Resolving the conversation's visitor may refuse it (`not_found`) before anything changes,
        // as may a conversation of a site the agent may not see.
        await projection.visitorOf(frame.conversationId);
        if (frame.active) await projection.checkConversation(conn.sites, frame.conversationId);
        conn.typingIn = frame.active ? frame.conversationId : null;
        conn.typingAt = Date.now();
        await commands.typing(
          { kind: "agent", actor: actor() },
          frame.conversationId,
          frame.active,
        );
        return;
      }
      case "accept":
        await commands.accept(actor(), frame.conversationId);
        break;
      case "transfer":
        await commands.transfer(actor(), frame.conversationId, frame.agentId);
        break;
      case "unassign":
        await commands.unassign(actor(), frame.conversationId);
        break;
      case "resolve":
        await commands.resolve(actor(), frame.conversationId);
        break;
      case "reopen":
        await commands.reopen(actor(), frame.conversationId);
        break;
      case "snooze":
        await commands.snooze(actor(), frame.conversationId, frame.until);
        break;
      case "unsnooze":
        await commands.unsnooze(actor(), frame.conversationId);
        break;
      case "presence":
        await commands.setPresence(agent.id, frame.status);
        break;
      case "read":
        await commands.agentRead(actor(), frame.conversationId, frame.seq);
        break;
      case "sync": {
        await projection.checkConversation(conn.sites, frame.conversationId);
        const page = await projection.history(frame.conversationId, frame, true);
        send({ type: "history", conversationId: frame.conversationId, ...page, ...echo(frame) });
        return;
      }
      case "visitor": {
        const visitor = await projection.visitorInfo(frame.visitorId);
        if (!visitor || !siteAllowed(conn.sites, visitor.siteId)) {
          throw new ParleyError(ErrorCode.NotFound, "No such visitor");
        }
        send({ type: "visitor", visitor, ...echo(frame) });
        return;
      }
    }
    // Only commands without a reply frame of their own get here, once they took effect.
    if (frame.requestId !== undefined) send({ type: "done", requestId: frame.requestId });
  }

  const stopTyping = () => clearTyping(conn, commands);

  function about(frame: AgentClientFrame): ErrorAbout {
    const about: ErrorAbout = echo(frame);
    if ("conversationId" in frame) about.conversationId = frame.conversationId;
    if (frame.type === "message") about.clientId = frame.clientId;
    return about;
  }

  // The welcome is queued first so every later frame is answered after it.
  return runSocket<AgentClientFrame>(
    deps,
    { conn, requestIds: true, parse: parseAgentFrame, handle, about },
    welcome,
  );
}
