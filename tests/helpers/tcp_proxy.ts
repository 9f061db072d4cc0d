/**
 * An in-process TCP proxy that can cut the network the way a partition does: without a reset.
 * Tests put it between Parley and the shared Postgres (which is never stopped or firewalled)
 * and switch it to hold: bytes stop moving in both directions, nothing is closed, nobody is
 * told. A held connection stays silent for as long as the test wants, as a TCP connection
 * whose packets are dropped does until the operating system gives up on it.
 *
 * @module
 */

/** One proxied connection. */
export interface ProxiedConnection {
  /** The proxy's local port towards Postgres: `client_port` in `pg_stat_activity`. */
  readonly upstreamPort: number;
  /** True while bytes are held. */
  readonly held: boolean;
  /** Stops forwarding in both directions (the sockets stay open). */
  hold(): void;
  /** Forwards again, starting with what was held. */
  release(): void;
}

class Connection implements ProxiedConnection {
  held = false;
  #open: Promise<void> = Promise.resolve();
  #resume: () => void = () => {};
  readonly upstreamPort: number;

  constructor(readonly client: Deno.TcpConn, readonly upstream: Deno.TcpConn) {
    this.upstreamPort = upstream.localAddr.port;
  }

  hold(): void {
    if (this.held) return;
    this.held = true;
    this.#open = new Promise((r) => this.#resume = r);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    this.#resume();
  }

  /** Resolves once bytes may move. */
  gate(): Promise<void> {
    return this.#open;
  }

  close(): void {
    for (const c of [this.client, this.upstream]) {
      try {
        c.close();
      } catch {
        // Already closed.
      }
    }
  }
}

/** A running proxy. */
export class TcpProxy {
  readonly #listener: Deno.TcpListener;
  readonly #target: { hostname: string; port: number };
  readonly #connections = new Set<Connection>();
  #holdAll = false;
  #accepting: Promise<void>;
  #pumps = new Set<Promise<void>>();

  private constructor(listener: Deno.TcpListener, target: { hostname: string; port: number }) {
    this.#listener = listener;
    this.#target = target;
    this.#accepting = this.#accept();
  }

  /** Listens on a random loopback port and forwards to `target`. */
  static start(target: { hostname: string; port: number }): TcpProxy {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    return new TcpProxy(listener, target);
  }

  /** The port Parley should connect to. */
  get port(): number {
    return this.#listener.addr.port;
  }

  /** `url` with its host and port replaced by the proxy's. */
  url(databaseUrl: string): string {
    const u = new URL(databaseUrl);
    u.hostname = "127.0.0.1";
    u.port = String(this.port);
    return u.href;
  }

  /** Open connections. */
  get connections(): ProxiedConnection[] {
    return [...this.#connections];
  }

  /** The partition: every connection, open or opened from now on, is held. */
  hold(): void {
    this.#holdAll = true;
    for (const c of this.#connections) c.hold();
  }

  /**
   * The network heals for connections opened from now on. Held connections forward again only
   * with `revive`; without it they stay held, like connections whose retransmissions backed off
   * past the end of the partition: the pool must not depend on them.
   */
  heal({ revive = false }: { revive?: boolean } = {}): void {
    this.#holdAll = false;
    if (revive) { for (const c of this.#connections) c.release(); }
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    this.#listener.close();
    for (const c of this.#connections) {
      c.release();
      c.close();
    }
    await this.#accepting;
    await Promise.all(this.#pumps);
  }

  async #accept(): Promise<void> {
    for (;;) {
      let client: Deno.TcpConn;
      try {
        client = await this.#listener.accept();
      } catch {
        return; // closed
      }
      let upstream: Deno.TcpConn;
      try {
        upstream = await Deno.connect(this.#target);
      } catch {
        client.close();
        continue;
      }
      const c = new Connection(client, upstream);
      if (this.#holdAll) c.hold();
      this.#connections.add(c);
      const both = Promise.all([this.#pump(c, client, upstream), this.#pump(c, upstream, client)])
        .then(() => {
          this.#connections.delete(c);
          c.close();
        });
      this.#pumps.add(both);
      both.finally(() => this.#pumps.delete(both));
    }
  }

  /** Copies `from` to `to` while the connection is not held; an end or error ends both. */
  async #pump(c: Connection, from: Deno.TcpConn, to: Deno.TcpConn): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        await c.gate();
        const n = await from.read(buf);
        // A held connection passes on nothing, not even its end: the peer learns nothing.
        await c.gate();
        if (n === null) break;
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
      }
    } catch {
      // Reset or closed by the other pump.
    }
    c.close();
  }
}
