/**
 * WebSocket endpoints. They check the upgrade (draining, sockets per address, agent session and
 * origin), then hand the socket to the core.
 *
 * Each socket is one {@link SocketSession}: the peer the core sends to and the listener of the
 * socket's events, with its methods on the prototype. Nothing of the upgrade request (its
 * `Request`, headers, URL, route context) stays referenced once the socket is open: an idle
 * visitor socket lives for hours, and whatever it keeps is multiplied by every open tab.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import type { SocketHandlers } from "../core/mod.ts";
import type { Peer } from "../core/sockets/peer.ts";
import { SocketPeer, type SocketPeerOptions } from "./socket_peer.ts";
import type { App, Handler, RequestContext } from "./context.ts";
import { refuseCrossOrigin, requireSession } from "./guard.ts";

function checkUpgrade(req: Request, ctx: RequestContext): void {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new ParleyError(ErrorCode.BadFrame, "Expected a WebSocket upgrade");
  }
  if (ctx.app.lifecycle.draining) {
    throw new ParleyError(ErrorCode.Unavailable, "Server is restarting");
  }
}

/** Starts the core's side of a socket once it is open. */
type Open = (peer: Peer) => SocketHandlers;

/** One upgraded socket: its peer, and the listener of its `open`, `message` and `close` events. */
class SocketSession extends SocketPeer implements EventListenerObject {
  #handlers: SocketHandlers | null = null;
  /** Until the socket opens; dropped then, with whatever of the request it captured. */
  #open: Open | null;
  #ended = false;

  constructor(
    socket: WebSocket,
    readonly app: App,
    readonly ip: string,
    requestId: string,
    readonly kind: "visitor" | "agent",
    open: Open,
  ) {
    super(socket, peerOptions(app), requestId);
    this.#open = open;
    // One listener object for every event: no per-socket handler closures (`onmessage = …`
    // would add a wrapper function and a map of handlers to each socket).
    socket.addEventListener("open", this);
    socket.addEventListener("message", this);
    socket.addEventListener("close", this);
  }

  handleEvent(e: Event): void {
    switch (e.type) {
      case "open":
        return this.#opened();
      case "message":
        return this.#message(e as MessageEvent);
      case "close":
        return this.#closed((e as CloseEvent).code);
    }
  }

  #opened(): void {
    this.socket.removeEventListener("open", this);
    const open = this.#open;
    this.#open = null;
    this.app.log.debug("socket open", {
      requestId: this.requestId,
      socket: this.id,
      kind: this.kind,
    });
    if (open) this.#handlers = open(this);
  }

  #message(e: MessageEvent): void {
    // Frames that arrive after this side started closing or draining are not handled: the
    // client resends what was not acknowledged once it reconnects.
    if (
      this.#ended || this.socket.readyState !== WebSocket.OPEN || this.app.lifecycle.draining
    ) return;
    if (typeof e.data === "string") this.#handlers?.onText(e.data);
    else this.#handlers?.onBinary();
  }

  #closed(code: number): void {
    this.closed();
    this.app.sockets.release(this.ip);
    this.app.log.debug("socket closed", {
      requestId: this.requestId,
      socket: this.id,
      kind: this.kind,
      code,
    });
    this.#end();
  }

  // A close we started was never answered (a vanished peer).
  protected override gone(): void {
    this.#end();
  }

  // The session ends on the close event, or earlier when a close we started is never answered;
  // the address keeps its socket slot until the transport is really closed.
  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#open = null;
    this.#handlers?.onClose();
  }
}

const PEER_OPTIONS = new WeakMap<App, SocketPeerOptions>();

/** The peer options every socket of an app shares, made once. */
function peerOptions(app: App): SocketPeerOptions {
  let o = PEER_OPTIONS.get(app);
  if (!o) {
    o = { maxBufferedBytes: app.config.limits.maxBufferedBytes, log: app.log };
    PEER_OPTIONS.set(app, o);
  }
  return o;
}

function attach(req: Request, ctx: RequestContext, kind: "visitor" | "agent", open: Open) {
  const { sockets } = ctx.app;
  if (!sockets.acquire(ctx.ip)) {
    throw new ParleyError(ErrorCode.RateLimited, "Too many connections from this address");
  }
  let upgraded: { socket: WebSocket; response: Response };
  try {
    // Heartbeats run from the core's single sweep timer, so Deno's per-socket one is disabled.
    upgraded = Deno.upgradeWebSocket(req, { idleTimeout: 0 });
  } catch (err) {
    sockets.release(ctx.ip);
    throw new ParleyError(ErrorCode.BadFrame, "Invalid WebSocket upgrade", { cause: err });
  }
  new SocketSession(upgraded.socket, ctx.app, ctx.ip, ctx.requestId, kind, open);
  return upgraded.response;
}

/** `GET /ws/visitor`: the widget's socket. The site and token arrive in the first frame. */
export const visitorSocket: Handler = (req, ctx) => {
  checkUpgrade(req, ctx);
  const visitor = {
    ip: ctx.ip,
    origin: req.headers.get("origin"),
    userAgent: req.headers.get("user-agent"),
  };
  const core = ctx.app.core;
  return attach(req, ctx, "visitor", (peer) => core.openVisitor(peer, visitor));
};

/** `GET /ws/agent`: the console's socket, authenticated by the session cookie. */
export const agentSocket: Handler = async (req, ctx) => {
  checkUpgrade(req, ctx);
  refuseCrossOrigin(req, ctx, "The console socket accepts only its own origin");
  const { agent, sessionHash } = await requireSession(req, ctx);
  const core = ctx.app.core;
  return attach(req, ctx, "agent", (peer) => core.openAgent(peer, agent, sessionHash));
};
