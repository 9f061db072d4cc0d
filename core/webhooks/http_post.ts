/**
 * The one outbound request webhooks make: an HTTP/1.1 POST written by hand over a socket this
 * module opens to an address it has checked (`address.ts`). `fetch` resolves the host itself, so
 * a name could resolve to a public address for the check and to a private one for the request;
 * here the request goes to exactly the address that was checked (TLS still verifies the
 * certificate against the host name). Nothing else is followed: no redirect, no second request.
 * Every attempt ends within `timeoutMs`, and at most {@link MAX_RESPONSE_BYTES} of the answer are
 * read: the status line and headers; the body is not needed and never read.
 *
 * @module
 */

import { isPrivateAddress, parseIpv4, parseIpv6 } from "./address.ts";

/** The most of a response read before the request is abandoned. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/** Why an attempt got no HTTP answer. */
export type RequestErrorCode =
  | "blocked_address"
  | "dns"
  | "connect"
  | "timeout"
  | "too_large"
  | "bad_response"
  | "aborted";

/** An attempt that got no usable HTTP answer; `message` is safe to show to the admin. */
export class WebhookRequestError extends Error {
  /** Which failure this is. */
  readonly code: RequestErrorCode;
  /** Creates the error. */
  constructor(code: RequestErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WebhookRequestError";
    this.code = code;
  }
}

/** How {@link postWebhook} sends. */
export interface PostOptions {
  /** Let requests reach loopback, private and link-local addresses (`PARLEY_WEBHOOK_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
  /** The whole attempt's bound: resolution, connection, TLS, writing and the answer's head. */
  timeoutMs: number;
  /** Abandons the attempt (shutdown). */
  signal?: AbortSignal;
  /** Resolves a host name to its addresses (default: `Deno.resolveDns`, A and AAAA). */
  resolve?: (host: string, signal: AbortSignal) => Promise<string[]>;
}

async function resolveHost(host: string, signal: AbortSignal): Promise<string[]> {
  const lookups = await Promise.allSettled([
    Deno.resolveDns(host, "A", { signal }),
    Deno.resolveDns(host, "AAAA", { signal }),
  ]);
  return lookups.flatMap((r) => r.status === "fulfilled" ? r.value : []);
}

/** The addresses to try for `url`, every one checked; throws when any is refused. */
async function addressesOf(url: URL, opts: PostOptions, signal: AbortSignal): Promise<string[]> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (parseIpv4(host) || parseIpv6(host)) addresses = [host];
  else if (host === "localhost" || host.endsWith(".localhost")) addresses = ["127.0.0.1", "::1"];
  else {
    try {
      addresses = await (opts.resolve ?? resolveHost)(host, signal);
    } catch (err) {
      if (signal.aborted) throw err;
      addresses = [];
    }
    if (addresses.length === 0) {
      throw new WebhookRequestError("dns", `Could not resolve ${host}`);
    }
  }
  if (!opts.allowPrivate) {
    const refused = addresses.find(isPrivateAddress);
    if (refused !== undefined) {
      throw new WebhookRequestError(
        "blocked_address",
        `Refused: ${host} resolves to a private or reserved address (${refused})`,
      );
    }
  }
  return addresses;
}

/** The request's head and body, as bytes. */
function requestBytes(url: URL, headers: Record<string, string>, body: string): Uint8Array {
  const payload = new TextEncoder().encode(body);
  const lines = [
    `POST ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    "User-Agent: Parley-Webhooks/1",
    "Content-Type: application/json",
    `Content-Length: ${payload.byteLength}`,
    "Connection: close",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, "")}`),
  ];
  const head = new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n");
  const out = new Uint8Array(head.byteLength + payload.byteLength);
  out.set(head);
  out.set(payload, head.byteLength);
  return out;
}

/** Reads until the end of the answer's head (or the cap) and returns its status code. */
async function readStatus(conn: Deno.Conn): Promise<number> {
  const buffer = new Uint8Array(MAX_RESPONSE_BYTES);
  let size = 0;
  const decoder = new TextDecoder("latin1");
  for (;;) {
    if (size === buffer.byteLength) {
      throw new WebhookRequestError("too_large", "The answer's headers exceed 64 KiB");
    }
    const n = await conn.read(buffer.subarray(size));
    if (n === null) break;
    size += n;
    const text = decoder.decode(buffer.subarray(0, size));
    if (text.includes("\r\n\r\n") || text.includes("\n\n")) break;
  }
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(decoder.decode(buffer.subarray(0, size)));
  if (!match) throw new WebhookRequestError("bad_response", "The answer is not HTTP/1.1");
  return Number(match[1]);
}

function closeQuietly(conn: Deno.Conn | undefined): void {
  try {
    conn?.close();
  } catch {
    // Already closed.
  }
}

/** Opens a connection to the first address that accepts one, TLS for https. */
async function open(url: URL, addresses: string[], signal: AbortSignal): Promise<Deno.Conn> {
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  let last: unknown;
  for (const hostname of addresses) {
    let tcp: Deno.TcpConn | undefined;
    // The TLS handshake takes no signal: the deadline closes its socket instead.
    const stop = () => closeQuietly(tcp);
    signal.addEventListener("abort", stop, { once: true });
    try {
      tcp = await Deno.connect({ hostname, port, signal });
      if (url.protocol !== "https:") return tcp;
      return await Deno.startTls(tcp, { hostname: url.hostname.replace(/^\[|\]$/g, "") });
    } catch (err) {
      closeQuietly(tcp);
      if (signal.aborted) throw err;
      last = err;
    } finally {
      signal.removeEventListener("abort", stop);
    }
  }
  const reason = last instanceof Error ? last.message : String(last);
  throw new WebhookRequestError("connect", `Could not connect to ${url.host}: ${reason}`, {
    cause: last,
  });
}

/**
 * POSTs `body` (JSON) with `headers` to `url` and resolves to the answer's status code, whatever
 * it is. Throws {@link WebhookRequestError} when no answer came.
 */
export async function postWebhook(
  url: URL,
  headers: Record<string, string>,
  body: string,
  opts: PostOptions,
): Promise<{ status: number }> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  let conn: Deno.Conn | undefined;
  const onAbort = () => closeQuietly(conn);
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const addresses = await addressesOf(url, opts, signal);
    conn = await open(url, addresses, signal);
    if (signal.aborted) throw signal.reason;
    const bytes = requestBytes(url, headers, body);
    for (let written = 0; written < bytes.byteLength;) {
      written += await conn.write(bytes.subarray(written));
    }
    return { status: await readStatus(conn) };
  } catch (err) {
    if (err instanceof WebhookRequestError && !signal.aborted) throw err;
    if (deadline.aborted) {
      throw new WebhookRequestError("timeout", `No answer within ${opts.timeoutMs} ms`);
    }
    if (signal.aborted) throw new WebhookRequestError("aborted", "Stopped", { cause: err });
    const reason = err instanceof Error ? err.message : String(err);
    throw new WebhookRequestError("connect", `Connection failed: ${reason}`, { cause: err });
  } finally {
    signal.removeEventListener("abort", onAbort);
    onAbort();
  }
}
