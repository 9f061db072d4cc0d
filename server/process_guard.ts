/**
 * Keeps one stray socket error from ending the process. Under Deno's Node compatibility layer a
 * database connection that the server resets (a Postgres restart or crash) can report
 * `read ECONNRESET`, or fail a write postgres.js had queued with EPIPE, after the driver has
 * already handled the close and removed its listeners. The error then has no handler and
 * surfaces as an unhandled rejection (or an uncaught exception), which would end the process
 * and drop every open socket with it, although the driver has already reconnected.
 *
 * Only such network errors of a socket are absorbed (and logged); anything else uncaught is
 * logged and still ends the process, since its state is unknown.
 *
 * @module
 */

import type { Logger } from "../core/log.ts";

/** `code`s of a socket whose peer went away: the connection is gone, nothing else is. */
const SOCKET_GONE = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ECONNABORTED",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/**
 * True for a Node-style error of a socket whose peer went away: a failed read (`read
 * ECONNRESET`, with a `syscall`) or a write after the peer's FIN (`EPIPE`, "This socket has been
 * ended by the other party", without one).
 */
export function isStraySocketError(reason: unknown): boolean {
  if (!(reason instanceof Error)) return false;
  const code = (reason as Error & { code?: unknown }).code;
  return typeof code === "string" && (SOCKET_GONE.has(code) || isEmptyDriverFlush(reason, code));
}

/**
 * postgres.js batches small writes and flushes them from a `setImmediate`; a write with a
 * callback flushes at once and cancels that immediate. Under load on Deno 2.5 (the version Deno
 * Deploy runs) the cancelled immediate can still run, with the batch already flushed: it writes
 * `null` and Node's stream throws ERR_STREAM_NULL_VALUES from a timer. Nothing is lost or
 * half-written (the data went out with the earlier flush, and the driver's state was reset
 * before), so it is a stray error like the ones above, recognised by its code and its place.
 */
function isEmptyDriverFlush(err: Error, code: string): boolean {
  return code === "ERR_STREAM_NULL_VALUES" &&
    /postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? "") &&
    /\bnextWrite\b/.test(err.stack ?? "");
}

/**
 * Installs the guard on `target` (the global scope in production); returns a function that
 * removes it. The stray error arrives as an unhandled rejection or, when the compatibility
 * layer emits it from a callback, as an uncaught exception; both are covered.
 */
export function guardProcess(log: Logger, target: EventTarget = globalThis): () => void {
  const absorb = (event: Event, reason: unknown, what: string) => {
    if (isStraySocketError(reason)) {
      event.preventDefault();
      const code = String((reason as Error & { code: string }).code);
      log.warn("ignored a socket error no handler was left for", { code, err: String(reason) });
      return;
    }
    log.error(`${what}; exiting`, {}, reason);
  };
  const onRejection = (event: Event) =>
    absorb(event, (event as PromiseRejectionEvent).reason, "unhandled rejection");
  const onError = (event: Event) =>
    absorb(event, (event as ErrorEvent).error, "uncaught exception");
  target.addEventListener("unhandledrejection", onRejection);
  target.addEventListener("error", onError);
  return () => {
    target.removeEventListener("unhandledrejection", onRejection);
    target.removeEventListener("error", onError);
  };
}
