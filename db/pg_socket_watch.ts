/**
 * Finds Postgres connections that stopped answering, and ends them. A network partition that
 * drops packets without a reset leaves a TCP connection open for the operating system's timeout
 * (up to ~15 minutes with data in flight), and every query written to it waits that long;
 * postgres.js has no statement timeout of its own, and Deno offers no `TCP_USER_TIMEOUT`.
 *
 * So the driver opens its sockets here (postgres.js's `socket` option) and a timer looks at each
 * socket's byte counters: a socket seen writing after its last read, and reading nothing for
 * `stallMs` since, is destroyed. postgres.js then fails that connection's queries (retryably)
 * and opens a fresh connection for the next ones, so the pool recovers as soon as the network
 * does instead of when the dead sockets' retransmissions give up.
 *
 * Counters, not data: with TLS postgres.js reads and writes through a TLS socket layered on this
 * one, and the counters of the raw socket still move with every request and answer.
 *
 * @module
 */

import net from "node:net";

/** Where postgres.js asks the socket factory to connect (its parsed options). */
export interface SocketTarget {
  host: string[];
  port: number[];
  path?: string | false;
}

interface Watched {
  read: number;
  written: number;
  /** When a write was first seen that no read has followed yet; null while nothing waits. */
  waitingSince: number | null;
}

/** Options of {@link SocketWatch}. */
export interface SocketWatchOptions {
  /** A socket waiting this long for any byte after writing is ended. */
  stallMs: number;
  /** Called for each socket ended (for a log line). */
  onStall?: (waitedMs: number) => void;
}

/** Opens watched sockets for postgres.js and ends the ones that stall. */
export class SocketWatch {
  readonly #sockets = new Map<net.Socket, Watched>();
  readonly #stallMs: number;
  readonly #onStall: (waitedMs: number) => void;
  readonly #tickMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #next = 0;

  /** Creates the watch; its timer runs only while it watches a socket. */
  constructor(opts: SocketWatchOptions) {
    this.#stallMs = opts.stallMs;
    this.#onStall = opts.onStall ?? (() => {});
    // Fine enough that a stall is ended within a quarter of its bound of being one.
    this.#tickMs = Math.max(10, Math.min(250, Math.floor(opts.stallMs / 4)));
  }

  /**
   * The socket factory: connects to the target (hosts in turn when there are several) and
   * returns the socket at once, still connecting, so postgres.js's connect timeout covers the
   * TCP handshake too.
   */
  open(target: SocketTarget): net.Socket {
    const socket = target.path ? net.connect({ path: target.path }) : this.#connectTcp(target);
    this.#sockets.set(socket, { read: 0, written: 0, waitingSince: null });
    socket.once("close", () => this.#forget(socket));
    this.#timer ??= setInterval(() => this.#tick(), this.#tickMs);
    return socket;
  }

  /** How many sockets are open (the pool's open connections). */
  get size(): number {
    return this.#sockets.size;
  }

  /** Ends every open socket now; returns how many. */
  destroyAll(): number {
    const n = this.#sockets.size;
    for (const socket of [...this.#sockets.keys()]) socket.destroy();
    return n;
  }

  /** Stops watching (the sockets themselves are closed by their owner). */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#sockets.clear();
  }

  #connectTcp(target: SocketTarget): net.Socket {
    const i = this.#next++ % Math.max(1, target.host.length);
    const host = target.host[i] ?? "localhost";
    const port = target.port[i] ?? target.port[0] ?? 5432;
    const socket = net.connect({ host, port });
    // postgres.js reads `host` for TLS server-name checks, as on the sockets it opens itself.
    Object.assign(socket, { host, port });
    return socket;
  }

  #forget(socket: net.Socket): void {
    this.#sockets.delete(socket);
    if (this.#sockets.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #tick(): void {
    const now = Date.now();
    for (const [socket, w] of this.#sockets) {
      const read = socket.bytesRead;
      const written = socket.bytesWritten;
      const readMoved = read !== w.read;
      const wroteMoved = written !== w.written;
      w.read = read;
      w.written = written;
      if (readMoved) {
        // An answer came. A write in the same tick may have followed it, but counters cannot
        // tell, and most queries are written and answered within one tick: count the socket as
        // answered, so an idle connection is never ended. A request left waiting this way is
        // still bounded by the driver's call timeout, and the socket is ended as soon as
        // anything more is written to it.
        w.waitingSince = null;
      } else if (wroteMoved) {
        w.waitingSince ??= now;
      }
      if (w.waitingSince !== null && now - w.waitingSince > this.#stallMs) {
        this.#onStall(now - w.waitingSince);
        this.#forget(socket);
        socket.destroy();
      }
    }
  }
}
