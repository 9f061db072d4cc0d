/**
 * HTTP plumbing shared by the handlers: JSON responses, bounded body parsing, the one mapping
 * from error codes to statuses, cookies and client addresses.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError, toParleyError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { type Obj, object, parseJson } from "../protocol/validate.ts";

const STATUS: Record<ErrorCode, number> = {
  bad_frame: 400,
  unknown_type: 400,
  too_large: 413,
  rate_limited: 429,
  hello_required: 400,
  unauthorized: 401,
  forbidden: 403,
  invalid_token: 401,
  site_not_found: 404,
  not_found: 404,
  conflict: 409,
  no_email: 422,
  unavailable: 503,
  internal: 500,
  mail_refused: 422,
  bad_attachment: 422,
  type_not_allowed: 415,
  bad_image: 422,
};

/** A JSON response, never sniffed into anything else (a body echoing input stays data). */
export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "x-content-type-options": "nosniff",
      ...headers,
    },
  });
}

/**
 * Adds `X-Content-Type-Options: nosniff` to a handler's response that lacks it (a 204, say), so
 * every answer carries it. A WebSocket upgrade (101) is left alone: it has no body to sniff.
 */
export function withNosniff(res: Response): Response {
  if (res.status !== 101 && !res.headers.has("x-content-type-options")) {
    res.headers.set("x-content-type-options", "nosniff");
  }
  return res;
}

/**
 * The code of each error response built here, for the errors metric: the request entry point
 * (`mod.ts`) reads it back from whichever handler returned the response, without parsing bodies.
 * Weak, so a response is forgotten with it.
 */
const ERROR_CODES = new WeakMap<Response, ErrorCode>();

/** The error code of a response built by {@link errorJson} or {@link errorResponse}, or null. */
export function errorCodeOf(res: Response): ErrorCode | null {
  return ERROR_CODES.get(res) ?? null;
}

/**
 * A JSON error response `{"error":{"code","message"}}` with an explicit status, and the
 * request field at fault (`field`) when one is named.
 */
export function errorJson(
  code: ErrorCode,
  message: string,
  status: number,
  headers: HeadersInit = {},
  field?: string,
): Response {
  const res = json(
    { error: field === undefined ? { code, message } : { code, message, field } },
    status,
    headers,
  );
  ERROR_CODES.set(res, code);
  return res;
}

/** Turns any error into a JSON error response; logs only unexpected (5xx) ones. */
export function errorResponse(err: unknown, log: Logger, requestId: string): Response {
  const e = toParleyError(err);
  const status = STATUS[e.code];
  if (status >= 500 && e.code !== ErrorCode.Unavailable) {
    log.error("request failed", { requestId }, err);
  }
  const headers: Record<string, string> = e.retryable ? { "retry-after": "5" } : {};
  // A body too large is answered before it has been read, and the server then drops the
  // connection rather than read the rest: say so, or a client that reuses the connection for
  // its next request meets "connection closed" (Deno 2.5, which Deno Deploy runs, does this).
  if (e.code === ErrorCode.TooLarge) headers.connection = "close";
  return errorJson(e.code, e.message, status, headers, e.field);
}

/**
 * A `Host` header as RFC 9110 allows it: a name, an IPv4 address or a bracketed IPv6 address,
 * then an optional port. Deno builds `req.url` by pasting the header in unchecked, so anything
 * else either makes the URL unparseable or, worse, moves the path (`a/b`, `a?b`, `x@y`).
 */
const HOST_HEADER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::[0-9]{1,5})?$/;

/**
 * The request's URL, or throws `bad_frame` (400) when the client's `Host` header is malformed.
 * A request without `Host` (HTTP/1.0) keeps the URL Deno derives from the listening address.
 */
export function requestUrl(req: Request): URL {
  const host = req.headers.get("host");
  if (host !== null && !HOST_HEADER.test(host)) {
    throw new ParleyError(ErrorCode.BadFrame, "Invalid Host header");
  }
  try {
    return new URL(req.url);
  } catch (err) {
    // Passes the syntax check but not the URL parser, e.g. a port above 65535.
    throw new ParleyError(ErrorCode.BadFrame, "Invalid Host header", { cause: err });
  }
}

/** Reads a JSON object body of at most `maxBytes`. */
export async function readJson(req: Request, maxBytes = 16_384): Promise<Obj> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.startsWith("application/json")) {
    throw new ParleyError(ErrorCode.BadFrame, "Content-Type must be application/json");
  }
  const text = new TextDecoder().decode(await readBody(req, maxBytes));
  return object(parseJson(text), "body");
}

/**
 * Reads a body of at most `maxBytes`, or throws `too_large` (as soon as `Content-Length` or the
 * bytes read say so) or `bad_frame` (no body).
 */
export async function readBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  const length = Number(req.headers.get("content-length") ?? "0");
  if (length > maxBytes) throw new ParleyError(ErrorCode.TooLarge, "Body too large");
  const reader = req.body?.getReader();
  if (!reader) throw new ParleyError(ErrorCode.BadFrame, "Body required");
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ParleyError(ErrorCode.TooLarge, "Body too large");
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** Reads one cookie by name. */
export function getCookie(req: Request, name: string): string | null {
  const header = req.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * True when the request arrived over TLS: directly, or as `X-Forwarded-Proto` says when the
 * direct peer is a trusted proxy (`viaTrustedProxy`, see `client_address.ts`). Of a list, the
 * right-most value counts: the one the nearest proxy, ours, wrote.
 */
export function isSecure(req: Request, viaTrustedProxy: boolean): boolean {
  if (viaTrustedProxy) {
    const proto = req.headers.get("x-forwarded-proto")?.split(",").at(-1)?.trim().toLowerCase();
    if (proto === "https") return true;
  }
  return new URL(req.url).protocol === "https:";
}
