/**
 * What the visitor and agent socket sessions share: their collaborators, the callbacks the
 * transport calls, and the ack that tells a sender its message is stored.
 *
 * @module
 */

import type { Bus } from "./bus.ts";
import type { ChatService, CoreOptions } from "./chat.ts";
import type { InFlight } from "./in_flight.ts";
import type { Logger } from "./log.ts";
import type { Peer } from "./peer.ts";
import type { Presence } from "./presence.ts";
import type { AckFrame, Message } from "./protocol.ts";
import type { Registry } from "./registry.ts";

/** What a socket session needs. */
export interface SessionDeps {
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
 * Acknowledges a stored message to its sender, after the fan-out has sent this socket every
 * message of the conversation up to it. Clients resume from the highest seq they saw, acks
 * included; an ack that overtook an earlier message still on its way (another author's, read
 * from another instance) would let a reconnect skip that message.
 */
export async function acknowledge(
  deps: SessionDeps,
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
