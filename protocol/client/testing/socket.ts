/**
 * A fake WebSocket behind the kernel's {@link SocketFactory}: records what the client sends, and
 * lets the test play the server. The one fake socket of the widget's, the console's and the
 * kernel's tests. Never bundled.
 *
 * @module
 */

import type { SocketFactory, SocketHandlers } from "../socket.ts";

/** A sent frame: anything with a `type`. */
type Frame = { type: string };

/** A fake socket; `C` is the type of frames the client sends. */
export class FakeSocket<C extends Frame = Frame> {
  /** Frames the client sent, parsed. */
  readonly sent: C[] = [];
  /** The close code the client used, if it closed the socket. */
  closedWith: number | undefined;
  /** Creates a socket for `url` reporting to `on`. */
  constructor(readonly url: string, private readonly on: SocketHandlers) {}
  /** The client sends a frame. */
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  /** The client closes the socket. */
  close(code?: number): void {
    this.closedWith = code ?? 1000;
  }
  /** The server accepted the connection. */
  open(): void {
    this.on.open();
  }
  /** The server sends a frame. */
  receive(frame: Frame | Record<string, unknown>): void {
    this.on.message(JSON.stringify(frame));
  }
  /** The server (or network) closed the socket. */
  serverClose(code: number): void {
    this.on.close(code);
  }
  /** Sent frames of one type. */
  sentOf<T extends C["type"]>(type: T): Extract<C, { type: T }>[] {
    return this.sent.filter((f): f is Extract<C, { type: T }> => f.type === type);
  }
}

/** A socket factory that keeps every socket it opened. */
export function fakeSockets<C extends Frame = Frame>(): {
  factory: SocketFactory;
  all: FakeSocket<C>[];
  last(): FakeSocket<C>;
} {
  const all: FakeSocket<C>[] = [];
  return {
    factory: (url, on) => {
      const s = new FakeSocket<C>(url, on);
      all.push(s);
      return s;
    },
    all,
    last: () => all[all.length - 1],
  };
}
