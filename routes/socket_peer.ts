/**
 * Adapts a Deno WebSocket to the core's {@link Peer}: JSON serialisation, a cap on unsent
 * bytes (slow consumers are closed with 4009 and resume from their last seq), and idempotent
 * close.
 *
 * A server-side `close()` only completes when the peer answers the close handshake. A peer that
 * vanished (or stopped reading) never does, and Deno then never fires `close`: the socket would
 * stay registered, its visitor or agent shown online, forever. So a close that has not
 * completed within {@link CLOSE_GRACE_MS} is treated as done: {@link SocketPeer.gone} runs the
 * same cleanup the `close` event would have.
 *
 * One object per socket with its methods on the prototype, rather than a set of closures: idle
 * sockets dominate the server's memory, and each closure (and the scope it keeps) costs bytes per
 * socket.
 *
 * @module
 */

import { CloseCode } from "../protocol/codes.ts";
import type { Logger } from "../core/log.ts";
import type { Peer } from "../core/sockets/peer.ts";

/** How long a close handshake may take before the peer is treated as gone. */
export const CLOSE_GRACE_MS = 3000;

/** Closes that mean the peer misbehaved or vanished; they are logged with the socket id. */
const FAULT_CLOSES: ReadonlySet<number> = new Set([
  CloseCode.HeartbeatTimeout,
  CloseCode.SlowConsumer,
  CloseCode.TooMany,
]);

/** Options of {@link SocketPeer}, shared by every socket of a kind (not copied per socket). */
export interface SocketPeerOptions {
  /** Unsent bytes beyond which the socket is closed as a slow consumer (4009). */
  maxBufferedBytes: number;
  /** How long a close handshake may take (default {@link CLOSE_GRACE_MS}). */
  graceMs?: number;
  /** Where fault closes are logged. */
  log?: Logger;
}

let counter = 0;

/**
 * A WebSocket as a {@link Peer}. The owner calls {@link SocketPeer.closed} when the socket's
 * `close` event fires, and overrides {@link SocketPeer.gone} to clean up after a close that was
 * never acknowledged.
 */
export class SocketPeer implements Peer {
  /** Short id for logs. */
  readonly id = `s${(++counter).toString(36)}`;
  #grace: ReturnType<typeof setTimeout> | undefined = undefined;

  /** Wraps `socket`; `requestId` (the upgrade's) is added to the log lines. */
  constructor(
    readonly socket: WebSocket,
    readonly options: SocketPeerOptions,
    readonly requestId?: string,
  ) {}

  /** Serialises and sends a frame; closes a slow consumer instead. */
  send(frame: unknown): void {
    const socket = this.socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.close(CloseCode.SlowConsumer, "Slow consumer");
      return;
    }
    try {
      socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    } catch {
      // The socket closed between the check and the send; its close handler cleans up.
    }
  }

  /** Starts the close handshake (once); the peer counts as gone if it never answers. */
  close(code: number, reason: string): void {
    const socket = this.socket;
    if (socket.readyState === WebSocket.CLOSING || socket.readyState === WebSocket.CLOSED) return;
    const { log, graceMs = CLOSE_GRACE_MS } = this.options;
    if (FAULT_CLOSES.has(code)) {
      log?.warn("closing socket", { requestId: this.requestId, socket: this.id, code, reason });
    }
    try {
      socket.close(code, reason);
    } catch {
      // Already closing.
    }
    this.#grace = setTimeout(() => {
      if (socket.readyState === WebSocket.CLOSED) return;
      log?.warn("peer gone without a close handshake", {
        requestId: this.requestId,
        socket: this.id,
        code,
      });
      this.gone();
    }, graceMs);
  }

  /** To be called on the socket's `close` event: the handshake completed, no grace needed. */
  closed(): void {
    clearTimeout(this.#grace);
  }

  /** Called when a close this side started is not acknowledged within the grace. */
  protected gone(): void {}
}
