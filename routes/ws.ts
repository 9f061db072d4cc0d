/**
 * WebSocket endpoints. They check the upgrade (draining, sockets per address, agent session and
 * origin), then hand the socket to the core.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import type { SocketHandlers } from "../core/mod.ts";
import { socketPeer } from "./socket_peer.ts";
import type { Handler, RequestContext } from "./context.ts";
import { refuseCrossOrigin, requireSession } from "./guard.ts";

function checkUpgrade(req: Request, ctx: RequestContext): void {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new ParleyError(ErrorCode.BadFrame, "Expected a WebSocket upgrade");
  }
  if (ctx.app.lifecycle.draining) {
    throw new ParleyError(ErrorCode.Unavailable, "Server is restarting");
  }
}

function attach(
  req: Request,
  ctx: RequestContext,
  kind: "visitor" | "agent",
  open: (peer: ReturnType<typeof socketPeer>) => SocketHandlers,
): Response {
  const { sockets, config } = ctx.app;
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
  const { socket, response } = upgraded;
  let handlers: SocketHandlers | null = null;
  let peerId: string | null = null;
  let ended = false;
  // The session ends on the close event, or earlier when a close we started is never answered
  // (a vanished peer); the address keeps its socket slot until the transport is really closed.
  const end = () => {
    if (ended) return;
    ended = true;
    handlers?.onClose();
  };
  socket.onopen = () => {
    const peer = socketPeer(socket, {
      maxBufferedBytes: config.limits.maxBufferedBytes,
      onGone: end,
      log: ctx.app.log,
      fields: { requestId: ctx.requestId },
    });
    peerId = peer.id;
    ctx.app.log.debug("socket open", { requestId: ctx.requestId, socket: peerId, kind });
    handlers = open(peer);
  };
  socket.onmessage = (e) => {
    // Frames that arrive after this side started closing or draining are not handled: the
    // client resends what was not acknowledged once it reconnects.
    if (ended || socket.readyState !== WebSocket.OPEN || ctx.app.lifecycle.draining) return;
    if (typeof e.data === "string") handlers?.onText(e.data);
    else handlers?.onBinary();
  };
  socket.onclose = (e) => {
    sockets.release(ctx.ip);
    ctx.app.log.debug("socket closed", {
      requestId: ctx.requestId,
      socket: peerId,
      kind,
      code: e.code,
    });
    end();
  };
  socket.onerror = () => {};
  return response;
}

/** `GET /ws/visitor`: the widget's socket. The site and token arrive in the first frame. */
export const visitorSocket: Handler = (req, ctx) => {
  checkUpgrade(req, ctx);
  const origin = req.headers.get("origin");
  const userAgent = req.headers.get("user-agent");
  return attach(
    req,
    ctx,
    "visitor",
    (peer) => ctx.app.core.openVisitor(peer, { ip: ctx.ip, origin, userAgent }),
  );
};

/** `GET /ws/agent`: the console's socket, authenticated by the session cookie. */
export const agentSocket: Handler = async (req, ctx) => {
  checkUpgrade(req, ctx);
  refuseCrossOrigin(req, ctx, "The console socket accepts only its own origin");
  const { agent, sessionHash } = await requireSession(req, ctx);
  return attach(req, ctx, "agent", (peer) => ctx.app.core.openAgent(peer, agent, sessionHash));
};
