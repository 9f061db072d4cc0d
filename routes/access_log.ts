/**
 * Request ids and the access log. Every response carries `X-Request-Id`: the client's own when it
 * is a plain token (a proxy's id then names the same request in both logs), otherwise one made
 * here. Each request is logged once, as one JSON line: at `info`, except the probes and
 * `/metrics`, which are polled every few seconds and would drown the rest (they log at `debug`).
 *
 * @module
 */

import type { Logger } from "../core/log.ts";

/** What a request id taken from a client must look like: short, no spaces, nothing to escape. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths polled by machines: logged at `debug` only. */
const QUIET_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * The request's id: its `X-Request-Id` when that matches {@link REQUEST_ID_PATTERN}, else a random
 * UUID. Random rather than a counter, so an id says nothing about the traffic and cannot be
 * guessed to name another client's request in a support exchange.
 */
export function requestIdOf(req: Request): string {
  const given = req.headers.get("x-request-id");
  return given !== null && REQUEST_ID_PATTERN.test(given) ? given : crypto.randomUUID();
}

/**
 * Sets `X-Request-Id` on `res`. A response with immutable headers (a `Response.redirect`, a
 * fetched one) is copied; a WebSocket upgrade (101) cannot be, and is left as it is.
 */
export function withRequestId(res: Response, requestId: string): Response {
  try {
    res.headers.set("x-request-id", requestId);
    return res;
  } catch {
    if (res.status === 101) return res;
    const copy = new Response(res.body, res);
    copy.headers.set("x-request-id", requestId);
    return copy;
  }
}

/** The fields of one access log line. */
export interface AccessEntry {
  method: string;
  /** The path without its query string (queries may hold tokens). */
  path: string;
  status: number;
  /** Time to the response (headers), in milliseconds. */
  ms: number;
  requestId: string;
  ip: string;
}

/** Writes the access line for one request: `info`, or `debug` for probes and `/metrics`. */
export function logRequest(log: Logger, entry: AccessEntry): void {
  const fields = { ...entry, ms: Math.round(entry.ms * 10) / 10 };
  if (QUIET_PATHS.has(entry.path)) log.debug("request", fields);
  else log.info("request", fields);
}
