/**
 * A real HTTP reverse proxy for tests, standing where nginx stands in production: browsers and
 * test clients talk to it, it talks to Parley. It forwards every request with `fetch` and
 * streams bodies both ways without reading them whole, so a Server-Sent Events stream passes
 * live. Three behaviours of real proxies can be switched on:
 *
 * - **`refuseUpgrade`**: a WebSocket upgrade is forwarded as a plain `GET` without `Upgrade`
 *   and `Connection: upgrade` (hop-by-hop headers a proxy drops unless told otherwise), as nginx
 *   without `proxy_set_header Upgrade $http_upgrade` does. Parley answers 400, the proxy passes
 *   that on and the browser's WebSocket fails to open. Ordinary HTTP still passes. It can be
 *   switched at runtime (`setRefuseUpgrade`); sockets already open stay open.
 * - **upgrades passed** (the default): the proxy opens a WebSocket to the target with the
 *   client's headers, and only once the target accepted it upgrades the client's request, then
 *   pipes messages (text and binary) and close codes both ways. A target that refuses the
 *   upgrade gets its status passed on (e.g. 429), without a body.
 * - **`bufferMs`**: response bodies are held, as a buffering proxy holds them: the first byte
 *   held starts a timer of `bufferMs`, and when it fires everything held is released at once.
 *   The end of a response releases what is held immediately.
 *
 * Headers are forwarded as the nginx site in `ops/nginx.conf` forwards them: hop-by-hop headers
 * (`Connection` and the ones it names, `Keep-Alive`, `TE`, `Trailer`, `Transfer-Encoding`,
 * `Upgrade`, `Proxy-*`) are dropped both ways; `Host` is the client's, port included (nginx's
 * `$http_host`); `X-Forwarded-For` gets the client's address appended
 * (`$proxy_add_x_forwarded_for`); `X-Forwarded-Proto` is `http`. Redirects are passed on, not
 * followed. Parley must trust the proxy to believe the forwarded headers: start it with
 * {@link TRUSTED_PROXY_ENV} (one hop), and set `forwardedFor` to give the clients behind the
 * proxy addresses of their own (every test client connects from 127.0.0.1).
 *
 * Limits, from the runtime the proxy is written with:
 * - the target is asked for `Accept-Encoding: identity`, because Deno's `fetch` decodes
 *   compressed bodies whatever the request said; assets come through uncompressed;
 * - a request body is forwarded chunked, without its `Content-Length`;
 * - a close code a WebSocket cannot send is replaced by a close without a code (the peer sees
 *   1005): from the client towards the target only 1000 and 3000-4999 can be sent (a browser
 *   leaving a page sends 1001), and a target that vanished (1006) cannot be mimicked by
 *   dropping the client's connection;
 * - before Deno 2.9 (Deno Deploy's 2.5) a proxied WebSocket reaches the target with the target's
 *   own address as its `Host` ({@link PRESERVES_WEBSOCKET_HOST}).
 *
 * @module
 */

/** Environment for a Parley server behind one of these proxies: trust one hop. */
export const TRUSTED_PROXY_ENV: Readonly<Record<string, string>> = {
  PARLEY_TRUSTED_PROXIES: "1",
};

/** Options of {@link startProxy}. */
export interface ProxyOptions {
  /**
   * Where to forward: the target's base URL, e.g. a test server's `url` (`http://host:port`),
   * or several, taken in turn request by request (a round-robin load balancer with no sticky
   * sessions, as in front of several instances).
   */
  target: string | URL | readonly (string | URL)[];
  /** Forward WebSocket upgrades as plain requests (default false: proxy them). */
  refuseUpgrade?: boolean;
  /** Hold response bytes this long before releasing them together (default 0: stream live). */
  bufferMs?: number;
  /**
   * The client address appended to `X-Forwarded-For` (nginx's `$remote_addr`), fixed or per
   * request; default the address the client connected from.
   */
  forwardedFor?: string | ((req: Request) => string);
}

/** What went through a proxy, counted since it started. */
export interface ProxyStats {
  /** Requests received, upgrade attempts included. */
  requests: number;
  /** Requests received by path (`/ws/visitor`, `/fallback/visitor/stream`, …). */
  paths: Map<string, number>;
  /** Upgrade requests forwarded as plain requests (`refuseUpgrade`). */
  upgradesRefused: number;
  /** WebSockets proxied (the target accepted the upgrade). */
  upgradesPassed: number;
  /** Upgrades the target refused or failed. */
  upgradesFailed: number;
  /** Proxied WebSockets open now. */
  openSockets: number;
  /** Response bodies being relayed now (an SSE stream counts until it ends). */
  openStreams: number;
  /** Times held response bytes were released (`bufferMs` only). */
  releases: number;
}

/** A running proxy. */
export interface ReverseProxy {
  /** `http://127.0.0.1:<port>`: point browsers and clients here instead of the target. */
  readonly url: string;
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string;
  readonly port: number;
  /** Live counters (read them; the proxy updates them). */
  readonly stats: Readonly<ProxyStats>;
  /** Whether upgrades are refused now. */
  readonly refusingUpgrades: boolean;
  /** Refuses (true) or passes (false) upgrades from the next request on. */
  setRefuseUpgrade(refuse: boolean): void;
  /** Closes proxied sockets (1001) and streams, and stops listening. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Headers meaningful for one connection only, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

/** Content codings Deno's `fetch` decodes by itself. */
const DECODED = new Set(["gzip", "x-gzip", "br", "deflate", "zstd"]);

/** How long `close()` waits for proxied sockets to finish their close handshakes. */
const CLOSE_DEADLINE_MS = 5_000;

/** Statuses whose responses have no body. */
const NO_BODY = new Set([101, 103, 204, 205, 304]);

/** The handshake headers a WebSocket client computes itself. */
const HANDSHAKE = [
  "host",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
  "sec-websocket-accept",
  "content-length",
];

/**
 * True when this Deno sends a proxied WebSocket's handshake with the client's `Host`: from 2.9,
 * the version pinned here (`new WebSocket(url, { client })` and the `tcp` proxy transport). On
 * older ones (Deno Deploy's 2.5) the target sees its own address as the WebSocket's `Host`;
 * ordinary requests keep the client's everywhere.
 */
export const PRESERVES_WEBSOCKET_HOST: boolean = (() => {
  const [major, minor] = Deno.version.deno.split(".").map(Number);
  return major > 2 || (major === 2 && minor >= 9);
})();

/**
 * The HTTP client requests go through: every request goes to the target's address whatever
 * URL it names, so the URL can carry the client's `Host` (fetch and WebSocket take it from the
 * URL, not from a header). Where Deno has the `tcp` transport it sends requests as a reverse
 * proxy does (`GET /path`); older ones get the target as an HTTP forward proxy, which sends
 * `GET http://host/path` (the target reads the same URL and `Host`).
 */
function upstreamClient(target: URL): { client: Deno.HttpClient; websocketClient: boolean } {
  const port = Number(target.port || 80);
  if (PRESERVES_WEBSOCKET_HOST) {
    const options = { proxy: { transport: "tcp", hostname: target.hostname, port } };
    // Typed loosely: the `tcp` transport is missing from older Denos' declarations.
    return {
      client: Deno.createHttpClient(options as unknown as Deno.CreateHttpClientOptions),
      websocketClient: true,
    };
  }
  return {
    client: Deno.createHttpClient({ proxy: { url: `http://${target.hostname}:${port}` } }),
    websocketClient: false,
  };
}

/** Copies `from` without hop-by-hop headers (and those `Connection` names) or `also`. */
function endToEnd(from: Headers, also: readonly string[] = []): Headers {
  const drop = new Set([...HOP_BY_HOP, ...also]);
  for (const token of (from.get("connection") ?? "").split(",")) {
    const name = token.trim().toLowerCase();
    if (name) drop.add(name);
  }
  const out = new Headers();
  for (const [name, value] of from) {
    if (!drop.has(name)) out.append(name, value);
  }
  return out;
}

/** True for a close code a WebSocket client may send (`WebSocket.close`). */
function clientMaySend(code: number): boolean {
  return code === 1000 || (code >= 3000 && code <= 4999);
}

/** True for a close code a server-side socket can send on the wire. */
function serverMaySend(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999);
}

/** Closes `ws` with `code` and `reason` when it can be sent, else without a code. */
function closeWith(ws: WebSocket, code: number, reason: string, allowed: (c: number) => boolean) {
  if (ws.readyState === WebSocket.CLOSING || ws.readyState === WebSocket.CLOSED) return;
  try {
    if (allowed(code)) ws.close(code, reason);
    else ws.close();
  } catch {
    ws.close();
  }
}

/** The status in Deno's message for a refused WebSocket handshake, if it names one. */
function refusedStatus(message: string): number | null {
  const m = /status code:? (\d{3})/i.exec(message);
  return m ? Number(m[1]) : null;
}

/** One target and the HTTP client that reaches it. */
type Upstream = { target: URL } & ReturnType<typeof upstreamClient>;

/** One proxied WebSocket: the client's side and the target's. */
interface SocketPair {
  client: WebSocket;
  upstream: WebSocket;
  /** Resolves once both sides are closed. */
  done: Promise<void>;
}

/** Starts a proxy on a random loopback port. */
export function startProxy(options: ProxyOptions): ReverseProxy {
  const targets = (Array.isArray(options.target) ? options.target : [options.target])
    .map((t) => new URL(t));
  if (targets.length === 0) throw new TypeError("startProxy: no target");
  const bufferMs = options.bufferMs ?? 0;
  let refuse = options.refuseUpgrade ?? false;
  const stats: ProxyStats = {
    requests: 0,
    paths: new Map(),
    upgradesRefused: 0,
    upgradesPassed: 0,
    upgradesFailed: 0,
    openSockets: 0,
    openStreams: 0,
    releases: 0,
  };
  const upstreams = targets.map((target) => ({ target, ...upstreamClient(target) }));
  let turn = 0;
  /** The next target in turn, with its client. */
  const nextUpstream = () => upstreams[turn++ % upstreams.length];
  const inFlight = new Set<AbortController>();
  const pairs = new Set<SocketPair>();
  let closing = false;

  /** The headers the target gets: end-to-end ones plus nginx's forwarding headers. */
  function forwardHeaders(req: Request, info: Deno.ServeHandlerInfo, also: readonly string[]) {
    const headers = endToEnd(req.headers, also);
    const addr = typeof options.forwardedFor === "function"
      ? options.forwardedFor(req)
      : options.forwardedFor ??
        (info.remoteAddr.transport === "tcp" ? info.remoteAddr.hostname : "unknown");
    const prior = req.headers.get("x-forwarded-for");
    headers.set("x-forwarded-for", prior ? `${prior}, ${addr}` : addr);
    headers.set("x-forwarded-proto", "http");
    return headers;
  }

  /**
   * The URL the target is asked for: the client's Host (the client sends it to the target's
   * address whatever the URL names), path and query. A WebSocket without that client goes to
   * the target's own address.
   */
  function upstreamUrl(
    req: Request,
    scheme: "http" | "ws",
    { target, websocketClient }: Upstream,
  ): string {
    const url = new URL(req.url);
    const viaClient = scheme === "http" || websocketClient;
    const host = viaClient ? req.headers.get("host") ?? target.host : target.host;
    return new URL(`${scheme}://${host}${url.pathname}${url.search}`).href;
  }

  /**
   * The target's body as the client gets it: chunk by chunk, or held `bufferMs` from the first
   * byte held. A client that goes away cancels the target's body.
   */
  function relay(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
    const reader = body.getReader();
    let held: Uint8Array[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ended = false;
    const finish = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (!ended) {
        ended = true;
        done();
      }
    };
    const release = (c: ReadableStreamDefaultController<Uint8Array>) => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (held.length === 0) return;
      const size = held.reduce((n, b) => n + b.byteLength, 0);
      const out = new Uint8Array(size);
      let at = 0;
      for (const b of held) {
        out.set(b, at);
        at += b.byteLength;
      }
      held = [];
      stats.releases++;
      c.enqueue(out);
    };
    return new ReadableStream<Uint8Array>({
      async pull(c) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (err) {
          // The proxy closing ends the response after what it held; a target gone mid-body
          // cuts it (the client sees a network error, as behind nginx).
          if (closing) {
            release(c);
            finish();
            c.close();
          } else {
            held = [];
            finish();
            c.error(err);
          }
          return;
        }
        if (chunk.done) {
          release(c);
          finish();
          c.close();
          return;
        }
        if (bufferMs <= 0) {
          c.enqueue(chunk.value);
          return;
        }
        // Held: the stream keeps pulling, since nothing was queued for the client.
        held.push(chunk.value);
        timer ??= setTimeout(() => release(c), bufferMs);
      },
      async cancel(reason) {
        held = [];
        finish();
        await reader.cancel(reason).catch(() => {});
      },
    });
  }

  /** Forwards an ordinary request (or a refused upgrade) and relays the answer. */
  async function forward(req: Request, info: Deno.ServeHandlerInfo): Promise<Response> {
    const up = nextUpstream();
    let url: string;
    try {
      url = upstreamUrl(req, "http", up);
    } catch {
      return new Response("Bad Request: invalid Host\n", { status: 400 });
    }
    const headers = forwardHeaders(req, info, ["host", "content-length", "accept-encoding"]);
    headers.set("accept-encoding", "identity");
    const abort = new AbortController();
    inFlight.add(abort);
    let res: Response;
    try {
      res = await fetch(url, {
        client: up.client,
        method: req.method,
        headers,
        body: req.body,
        redirect: "manual",
        signal: abort.signal,
      });
    } catch {
      inFlight.delete(abort);
      await req.body?.cancel().catch(() => {});
      return new Response("Bad Gateway\n", { status: 502 });
    }
    const out = endToEnd(res.headers);
    const coding = res.headers.get("content-encoding")?.trim().toLowerCase();
    if (coding && DECODED.has(coding)) {
      // fetch decoded the body: what the client gets is the decoded bytes.
      out.delete("content-encoding");
      out.delete("content-length");
    }
    if (res.body === null || NO_BODY.has(res.status) || req.method === "HEAD") {
      await res.body?.cancel().catch(() => {});
      inFlight.delete(abort);
      return new Response(null, { status: res.status, statusText: res.statusText, headers: out });
    }
    stats.openStreams++;
    const body = relay(res.body, () => {
      stats.openStreams--;
      inFlight.delete(abort);
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: out });
  }

  /** Proxies a WebSocket: the target first, the client once the target accepted. */
  async function pass(req: Request, info: Deno.ServeHandlerInfo): Promise<Response> {
    const protocols = (req.headers.get("sec-websocket-protocol") ?? "").split(",")
      .map((p) => p.trim()).filter((p) => p !== "");
    const up = nextUpstream();
    let url: string;
    try {
      url = upstreamUrl(req, "ws", up);
    } catch {
      return new Response("Bad Request: invalid Host\n", { status: 400 });
    }
    const headers = forwardHeaders(req, info, HANDSHAKE);
    // Deno's WebSocket takes options as its second argument (headers and client are Deno's own);
    // the DOM typings only know protocols.
    const init: { client?: Deno.HttpClient; headers: Headers; protocols: string[] } = {
      ...(up.websocketClient ? { client: up.client } : {}),
      headers,
      protocols,
    };
    const upstream = new WebSocket(url, init as unknown as string[]);
    upstream.binaryType = "arraybuffer";
    const opened = await new Promise<{ ok: true } | { ok: false; status: number }>((resolve) => {
      upstream.onopen = () => resolve({ ok: true });
      upstream.onerror = (e) => {
        const message = e instanceof ErrorEvent ? e.message : "";
        resolve({ ok: false, status: refusedStatus(message) ?? 502 });
      };
      upstream.onclose = () => resolve({ ok: false, status: 502 });
    });
    if (!opened.ok || closing) {
      stats.upgradesFailed++;
      if (opened.ok) upstream.close();
      return new Response(null, { status: opened.ok ? 503 : opened.status });
    }
    let upgraded: Deno.WebSocketUpgrade;
    try {
      upgraded = Deno.upgradeWebSocket(req, {
        idleTimeout: 0,
        ...(upstream.protocol ? { protocol: upstream.protocol } : {}),
      });
    } catch {
      stats.upgradesFailed++;
      upstream.close();
      return new Response("Bad Request: invalid upgrade\n", { status: 400 });
    }
    stats.upgradesPassed++;
    stats.openSockets++;
    const down = upgraded.socket;
    down.binaryType = "arraybuffer";
    // The target may speak first, before the client's side is open.
    const early: (string | ArrayBuffer)[] = [];
    let upstreamClose: CloseEvent | null = null;
    const closedBoth = Promise.all([
      new Promise<void>((r) => upstream.addEventListener("close", () => r())),
      new Promise<void>((r) => down.addEventListener("close", () => r())),
    ]).then(() => {
      stats.openSockets--;
    });
    const pair: SocketPair = { client: down, upstream, done: closedBoth };
    pairs.add(pair);
    closedBoth.then(() => pairs.delete(pair));

    upstream.onerror = null;
    upstream.onmessage = (e: MessageEvent<string | ArrayBuffer>) => {
      if (down.readyState === WebSocket.OPEN) down.send(e.data);
      else if (down.readyState === WebSocket.CONNECTING) early.push(e.data);
    };
    upstream.onclose = (e) => {
      upstreamClose = e;
      if (down.readyState === WebSocket.OPEN) closeWith(down, e.code, e.reason, serverMaySend);
    };
    down.onopen = () => {
      for (const m of early.splice(0)) down.send(m);
      if (upstreamClose) closeWith(down, upstreamClose.code, upstreamClose.reason, serverMaySend);
    };
    down.onmessage = (e: MessageEvent<string | ArrayBuffer>) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(e.data);
    };
    down.onclose = (e) => closeWith(upstream, e.code, e.reason, clientMaySend);
    return upgraded.response;
  }

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req, info) => {
      stats.requests++;
      const path = new URL(req.url).pathname;
      stats.paths.set(path, (stats.paths.get(path) ?? 0) + 1);
      if (req.headers.get("upgrade")?.toLowerCase() === "websocket") {
        if (!refuse) return pass(req, info);
        stats.upgradesRefused++;
      }
      return forward(req, info);
    },
  );
  const port = server.addr.port;

  const close = async () => {
    if (closing) return;
    closing = true;
    for (const p of pairs) {
      closeWith(p.client, 1001, "Proxy closing", serverMaySend);
      closeWith(p.upstream, 1000, "Proxy closing", clientMaySend);
    }
    // A peer that never answers the close handshake must not hold the proxy open for ever.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([...pairs].map((p) => p.done)),
      new Promise<void>((r) => timer = setTimeout(r, CLOSE_DEADLINE_MS)),
    ]);
    clearTimeout(timer);
    for (const a of inFlight) a.abort();
    await server.shutdown();
    for (const up of upstreams) up.client.close();
  };

  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    stats,
    get refusingUpgrades() {
      return refuse;
    },
    setRefuseUpgrade(b: boolean) {
      refuse = b;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
