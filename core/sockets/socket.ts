/**
 * What the visitor and agent sockets share: their collaborators, the callbacks the transport
 * calls, the skeleton that runs a socket ({@link runSocket}: the per-socket frame queue,
 * in-flight accounting, a failure turned into an error frame, binary refusal, close), and the ack
 * that tells a sender its message is stored. Each kind supplies only its protocol.
 *
 * @module
 */

import type { Bus, BusEvent } from "../cluster/bus.ts";
import type { ChatCommands } from "../chat/commands.ts";
import type { ChatProjection } from "../chat/projection.ts";
import type { CoreOptions } from "../options.ts";
import type { InFlight } from "./in_flight.ts";
import type { Logger } from "../log.ts";
import type { Peer } from "./peer.ts";
import type { Presence } from "../chat/presence.ts";
import type { AckFrame, Message } from "../../protocol/frames.ts";
import type { Conn, Registry } from "./registry.ts";
import type { KeyedLimiter } from "../rate_limit.ts";
import { clearTyping } from "../chat/typing.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import { errorFrame, type ParleyError, toParleyError } from "../errors.ts";
import { admitFrame, type GateOptions, refuseBinary, refusedIds } from "./frame_gate.ts";
import type { ChatMetrics } from "../metrics_chat.ts";

/** What a socket needs. */
export interface SocketDeps {
  commands: ChatCommands;
  projection: ChatProjection;
  bus: Bus;
  registry: Registry;
  presence: Presence;
  options: CoreOptions;
  log: Logger;
  inFlight: InFlight;
  /** Resolves once a conversation's message has gone to this instance's sockets (fan-out). */
  delivered(conversationId: string, seq: number): Promise<void>;
  /** Identity and attribute updates, keyed by visitor id (see `CoreOptions`). */
  profileUpdates: KeyedLimiter;
  /** Ack latency and errors sent, counted here; see `metrics_chat.ts`. */
  metrics: ChatMetrics;
  /**
   * Sends a visitor the transcript of their current conversation (`core/mail/transcript.ts`);
   * absent without SMTP, and the `transcript` frame is refused.
   */
  transcripts?: VisitorTranscripts;
}

/** What the visitor socket needs of transcripts by email. */
export interface VisitorTranscripts {
  /** Queues the transcript to `email` or the visitor's own address; throws a `ParleyError`. */
  sendForVisitor(visitorId: string, email: string | null): Promise<void>;
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

/** The ids an error frame names: the request it answers. */
export interface ErrorAbout {
  clientId?: string;
  requestId?: string;
  conversationId?: string;
}

/** The heartbeat frames, which {@link runSocket} answers itself for both kinds. */
export type Heartbeat = { type: "ping" } | { type: "pong" };

// Sent as already-serialised JSON: a pong is the most frequent frame a socket answers.
const PONG = JSON.stringify({ type: "pong" });

/** What a socket kind plugs into {@link runSocket}. */
export interface SocketProtocol<F extends { type: string }> {
  /** The socket's registry entry (already registered). */
  readonly conn: Conn;
  /** Whether this kind's frames carry request ids (agent commands do). */
  readonly requestIds: boolean;
  /** Validates a text frame; throws a `ValidationError`. */
  parse(text: string): F;
  /**
   * Sees a parsed frame before it is queued; throws to refuse it (a visitor's first frame must
   * be `hello`).
   */
  admit?(frame: F): void;
  /**
   * Handles one frame other than a heartbeat. Frames of a socket are handled one at a time, in
   * arrival order. `receivedAt` (`performance.now()` when the frame arrived, before any wait in
   * the socket's queue) is what an ack's latency is measured from.
   */
  handle(frame: Exclude<F, Heartbeat>, receivedAt: number): Promise<void>;
  /** The ids an error answering `frame` names. */
  about(frame: F): ErrorAbout;
  /** Told when a message is refused, with its client id (the visitor's send hold). */
  refusedMessage?(clientId: string, err: ParleyError): void;
  /** Told after an error answered `frame` (null: the first job, or a frame never queued). */
  failed?(err: ParleyError, frame: F | null): void;
  /** Told after a frame was dropped unqueued (over budget, invalid, refused, binary). */
  dropped?(): void;
}

/** A running socket: the transport's callbacks, and whether the socket has closed. */
export interface RunningSocket extends SocketHandlers {
  readonly closed: boolean;
}

/**
 * Runs the shared skeleton of a socket. Frames are queued per socket and handled one at a time
 * (so a sender's messages are stored in sending order), each counted in flight for a graceful
 * shutdown; whatever a frame throws becomes one error frame naming its ids. `first`, when given,
 * is queued before any frame (the agent's `welcome`, so every later frame is answered after it).
 */
export function runSocket<F extends { type: string }>(
  deps: SocketDeps,
  protocol: SocketProtocol<F>,
  first?: () => Promise<void>,
): RunningSocket {
  return new SocketRunner(deps, protocol, first);
}

/**
 * The state of {@link runSocket}, one object per socket with its methods on the prototype (and
 * itself the frame gate's options): idle sockets dominate memory at scale, and closures made per
 * socket, with the scopes they keep, would cost bytes on each.
 */
class SocketRunner<F extends { type: string }> implements RunningSocket, GateOptions {
  closed = false;
  #queue: Promise<void>;

  constructor(
    readonly deps: SocketDeps,
    readonly protocol: SocketProtocol<F>,
    first?: () => Promise<void>,
  ) {
    this.#queue = first
      ? deps.inFlight.run(first).catch((err) => this.#fail(err, null))
      : Promise.resolve();
  }

  get requestIds(): boolean {
    return this.protocol.requestIds;
  }

  /** Counts an error frame sent (the gate's `onError`). */
  onError(code: ErrorCode): void {
    this.deps.metrics.errors.inc({ code });
  }

  /** The gate's `onRefusedMessage`: the protocol's send hold. */
  onRefusedMessage(clientId: string, err: ParleyError): void {
    this.protocol.refusedMessage?.(clientId, err);
  }

  onText(text: string): void {
    const receivedAt = performance.now();
    const { protocol, deps } = this;
    const conn = protocol.conn;
    if (!admitFrame(conn, text, this)) return protocol.dropped?.();
    let frame: F;
    try {
      frame = protocol.parse(text);
    } catch (err) {
      this.#fail(err, null, refusedIds(text, protocol.requestIds));
      return protocol.dropped?.();
    }
    try {
      protocol.admit?.(frame);
    } catch (err) {
      this.#fail(err, null);
      return protocol.dropped?.();
    }
    // The type only: bodies, tokens and ids stay out of logs.
    deps.log.debug("frame", { socket: conn.peer.id, kind: conn.kind, type: frame.type });
    this.#queue = this.#queue
      .then(() => this.closed ? undefined : deps.inFlight.run(() => this.#run(frame, receivedAt)))
      .catch((err) => this.#fail(err, frame));
  }

  onBinary(): void {
    refuseBinary(this.protocol.conn, (code) => this.onError(code));
    this.protocol.dropped?.();
  }

  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    endSocket(this.deps, this.protocol.conn, this.#queue);
  }

  // A ping is answered in its turn, after every frame before it: a client's ping/pong round
  // trip then tells it that the replies to everything it sent earlier are on their way.
  #run(frame: F, receivedAt: number): Promise<void> {
    if (frame.type === "ping") this.protocol.conn.peer.send(PONG);
    if (frame.type === "ping" || frame.type === "pong") return Promise.resolve();
    // Narrowing does not reach through the generic F: this is F without its heartbeats.
    return this.protocol.handle(frame as Exclude<F, Heartbeat>, receivedAt);
  }

  #fail(err: unknown, frame: F | null, ids: ErrorAbout = {}): void {
    const { protocol, deps } = this;
    const conn = protocol.conn;
    const e = toParleyError(err);
    if (e.code === ErrorCode.Internal) {
      deps.log.error(`${conn.kind} frame failed`, { socket: conn.peer.id, type: frame?.type }, err);
    }
    const about = frame ? protocol.about(frame) : ids;
    if (about.clientId !== undefined) protocol.refusedMessage?.(about.clientId, e);
    conn.peer.send(errorFrame(e, about));
    this.onError(e.code);
    protocol.failed?.(e, frame);
  }
}

/**
 * Ends a socket once the frames already queued (`queue`) are handled: forgets the
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
      await clearTyping(conn, deps.commands);
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
 * from another instance) would let a reconnect skip that message. The time from `receivedAt`
 * (the frame's arrival, `performance.now()`) to the ack is the ack latency metric.
 */
export async function acknowledge(
  deps: SocketDeps,
  peer: Peer,
  clientId: string,
  message: Message,
  receivedAt: number,
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
  deps.metrics.ackLatency.observe((performance.now() - receivedAt) / 1000);
}
