/**
 * `Deno.serve` that outlives a failing accept loop. When accepting a connection fails (EMFILE:
 * the process ran out of file descriptors, say under a connection storm), Deno ends the server's
 * loop for good and rejects `finished`, which as an unhandled rejection ends the process, taking
 * every open socket with it. The connections already accepted are not affected, so the failure
 * is logged and the same port is listened on again after a pause that grows while it keeps
 * failing (100 ms, doubling up to 2 s; back to 100 ms after 10 s without a failure).
 *
 * @module
 */

import type { Logger } from "../core/log.ts";

/** Where to listen. */
export interface ListenOptions {
  port: number;
  hostname: string;
}

/** A listener started by {@link listen}. */
export interface Listener {
  /** The bound address (the real port when `port` was 0). */
  readonly addr: Deno.NetAddr;
  /** Resolves once {@link shutdown} has stopped it. */
  readonly finished: Promise<void>;
  /** Stops accepting and waits for in-flight requests (see `Deno.HttpServer.shutdown`). */
  shutdown(): Promise<void>;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2000;
/** A failure this long after the previous one starts the pauses over. */
const QUIET_MS = 10_000;

/** Starts serving `handler`; resolves once the port is bound. */
export async function listen(
  opts: ListenOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
  log: Logger,
): Promise<Listener> {
  let server: Deno.HttpServer<Deno.NetAddr> | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let retryMs = 0;
  let lastFailure = 0;
  let resolveFinished = () => {};
  const finished = new Promise<void>((r) => resolveFinished = r);

  /** Logs a failure and listens again later: sooner after a quiet spell, later while it recurs. */
  const retry = (port: number, what: string, err: unknown) => {
    const now = Date.now();
    retryMs = now - lastFailure > QUIET_MS ? FIRST_RETRY_MS : Math.min(retryMs * 2, MAX_RETRY_MS);
    lastFailure = now;
    log.error(`${what}; listening again`, { retryMs }, err);
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped) return;
      // Binding can fail too (no descriptor even for the listening socket yet): Deno.serve
      // throws inside start's executor, so it arrives as a rejection, not a throw.
      start(port).then(
        () => log.info("listening again", { port }),
        (err) => retry(port, "listening failed", err),
      );
    }, retryMs);
  };

  const start = (port: number): Promise<Deno.NetAddr> =>
    new Promise((resolve) => {
      const current = Deno.serve(
        { port, hostname: opts.hostname, onListen: (addr) => resolve(addr as Deno.NetAddr) },
        handler,
      );
      server = current;
      current.finished.then(
        () => {
          if (stopped) resolveFinished();
        },
        (err) => {
          if (stopped) return resolveFinished();
          retry(port, "accepting connections failed", err);
        },
      );
    });

  const addr = await start(opts.port);
  return {
    addr,
    finished,
    async shutdown() {
      stopped = true;
      clearTimeout(timer);
      // A loop that already failed has nothing left to stop.
      await server?.shutdown().catch(() => {});
      resolveFinished();
    },
  };
}
