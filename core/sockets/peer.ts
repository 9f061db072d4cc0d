/**
 * The core's view of a connected socket. The HTTP layer adapts a WebSocket to this interface,
 * so the core never touches sockets directly and tests can use fakes.
 *
 * @module
 */

/** A connected client the core can send frames to. */
export interface Peer {
  /** Short id for logs. */
  readonly id: string;
  /**
   * Serialises and sends a frame (a string is sent as already-serialised JSON); drops it
   * silently when the socket is closed.
   */
  send(frame: unknown): void;
  /** Closes the socket with a code from `core/codes.ts`. */
  close(code: number, reason: string): void;
}
