/**
 * What the visitor and agent socket sessions share: their collaborators, the callbacks the
 * transport calls, and the ack that tells a sender its message is stored.
 *
 * @module
 */

import type { Bus, BusEvent } from "../cluster/bus.ts";
import type { ChatService, CoreOptions } from "../chat/service.ts";
import type { InFlight } from "./in_flight.ts";
import type { Logger } from "../log.ts";
import type { Peer } from "./peer.ts";
import type { Presence } from "../chat/presence.ts";
import type { AckFrame, Message } from "../../protocol/frames.ts";
import type { Conn, Registry } from "./registry.ts";
import { clearTyping } from "../chat/typing.ts";

/** What a socket session needs. */
export interface SocketDeps {
  chat: ChatService;
  bus: Bus;
  registry: Registry;
  presence: Presence;
  options: CoreOptions;
  log: Logger;
  inFlight: InFlight;
  /** Resolves once a conversation's message has gone to this instance's sockets (fan-out). */
  delivered(conversationId: string, seq: number): Promise<void>;
}

/** Callbacks the transport calls for one socket. */
export interface SocketHandlers {
  /** A text frame arrived. */
  onText(text: string): void;
  /** A binary frame arrived (refused: the protocol is JSON text). */
  onBinary(): void;
  /** The socket closed. */
  onClose(): void;
}

/**
 * Ends a socket's session once the frames already queued (`queue`) are handled: forgets the
 * socket, clears its typing indicator, and tells everyone when it was the last socket of its
 * visitor or agent (presence).
 */
export function endSocket(deps: SocketDeps, conn: Conn, queue: Promise<void>): void {
  const last = deps.registry.remove(conn);
  if (conn.kind === "visitor" && !conn.visitorId) return;
  // Counted in flight from now on, so a graceful shutdown (and a test) waits for it too.
  deps.inFlight.run(async () => {
    await queue;
    try {
      await clearTyping(conn, deps.bus, deps.chat);
      if (last) await deps.bus.publish(presenceEvent(conn));
    } catch (err) {
      deps.log.warn(`${conn.kind} close fan-out failed`, {
        socket: conn.peer.id,
        err: String(err),
      });
    }
  });
}

/** The bus event that makes every instance re-read a socket owner's presence. */
export function presenceEvent(conn: Conn): BusEvent {
  return conn.kind === "agent"
    ? { kind: "agent", agentId: conn.agentId }
    : { kind: "visitor", visitorId: conn.visitorId };
}

/**
 * Acknowledges a stored message to its sender, after the fan-out has sent this socket every
 * message of the conversation up to it. Clients resume from the highest seq they saw, acks
 * included; an ack that overtook an earlier message still on its way (another author's, read
 * from another instance) would let a reconnect skip that message.
 */
export async function acknowledge(
  deps: SocketDeps,
  peer: Peer,
  clientId: string,
  message: Message,
): Promise<void> {
  await deps.delivered(message.conversationId, message.seq);
  const ack: AckFrame = {
    type: "ack",
    clientId,
    messageId: message.id,
    conversationId: message.conversationId,
    seq: message.seq,
    createdAt: message.createdAt,
  };
  peer.send(ack);
}
