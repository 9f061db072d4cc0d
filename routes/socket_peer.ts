/**
 * Adapts a Deno WebSocket to the core's {@link Peer}: JSON serialisation, a cap on unsent
 * bytes (slow consumers are closed with 4009 and resume from their last seq), and idempotent
 * close.
 *
 * A server-side `close()` only completes when the peer answers the close handshake. A peer that
 * vanished (or stopped reading) never does, and Deno then never fires `close`: the socket would
 * stay registered, its visitor or agent shown online, forever. So a close that has not
 * completed within {@link CLOSE_GRACE_MS} is treated as done: `onGone` runs the same cleanup the
 * `close` event would have.
 *
 * @module
 */

import { CloseCode } from "../protocol/codes.ts";
import type { LogFields, Logger } from "../core/log.ts";
import type { Peer } from "../core/sockets/peer.ts";

/** How long a close handshake may take before the peer is treated as gone. */
export const CLOSE_GRACE_MS = 3000;

/** Closes that mean the peer misbehaved or vanished; they are logged with the socket id. */
const FAULT_CLOSES: ReadonlySet<number> = new Set([
  CloseCode.HeartbeatTimeout,
  CloseCode.SlowConsumer,
  CloseCode.TooMany,
]);

/** Options of {@link socketPeer}. */
export interface SocketPeerOptions {
  /** Unsent bytes beyond which the socket is closed as a slow consumer (4009). */
  maxBufferedBytes: number;
  /** Called when a close this side started is not acknowledged within `graceMs`. */
  onGone?: () => void;
  /** How long a close handshake may take (default {@link CLOSE_GRACE_MS}). */
  graceMs?: number;
  /** Where fault closes are logged. */
  log?: Logger;
  /** Fields added to those log lines (e.g. the upgrade's request id). */
  fields?: LogFields;
}

let counter = 0;

/** Wraps `socket` as a {@link Peer}. */
export function socketPeer(socket: WebSocket, opts: SocketPeerOptions): Peer {
  const id = `s${(++counter).toString(36)}`;
  const { maxBufferedBytes, onGone = () => {}, graceMs = CLOSE_GRACE_MS, log } = opts;
  let grace: ReturnType<typeof setTimeout> | undefined;
  socket.addEventListener("close", () => clearTimeout(grace));
  const close = (code: number, reason: string) => {
    if (socket.readyState === WebSocket.CLOSING || socket.readyState === WebSocket.CLOSED) return;
    if (FAULT_CLOSES.has(code)) {
      log?.warn("closing socket", { ...opts.fields, socket: id, code, reason });
    }
    try {
      socket.close(code, reason);
    } catch {
      // Already closing.
    }
    grace = setTimeout(() => {
      if (socket.readyState === WebSocket.CLOSED) return;
      log?.warn("peer gone without a close handshake", { ...opts.fields, socket: id, code });
      onGone();
    }, graceMs);
  };
  return {
    id,
    send(frame) {
      if (socket.readyState !== WebSocket.OPEN) return;
      if (socket.bufferedAmount > maxBufferedBytes) {
        close(CloseCode.SlowConsumer, "Slow consumer");
        return;
      }
      try {
        socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
      } catch {
        // The socket closed between the check and the send; its close handler cleans up.
      }
    },
    close,
  };
}
