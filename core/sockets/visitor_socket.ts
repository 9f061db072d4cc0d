/**
 * One visitor socket's protocol: `hello` first, then messages, typing and the rest. Frames are
 * handled one at a time so a visitor's messages are stored in the order they were sent.
 *
 * @module
 */

import type { VisitorContext } from "../chat/commands.ts";
import { CloseCode, ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";
import {
  parseVisitorFrame,
  type VisitorClientFrame,
  type VisitorServerFrame,
} from "../../protocol/frames.ts";
import type { Peer } from "./peer.ts";
import { TokenBucket } from "../rate_limit.ts";
import { clearTyping } from "../chat/typing.ts";
import { SendOrder } from "./send_order.ts";
import {
  acknowledge,
  type Heartbeat,
  presenceEvent,
  runSocket,
  type SocketDeps,
  type SocketHandlers,
} from "./socket.ts";
import type { VisitorConn } from "./registry.ts";
import { welcomeDetails } from "../sites/public_settings.ts";

/** Starts the protocol on a freshly upgraded visitor socket. */
export function openVisitorSocket(
  deps: SocketDeps,
  peer: Peer,
  ctx: VisitorContext,
): SocketHandlers {
  const { commands, projection, registry, options } = deps;
  const now = Date.now();
  const conn: VisitorConn = {
    kind: "visitor",
    peer,
    visitorId: "",
    siteId: "",
    ip: ctx.ip,
    conversationId: null,
    lastSeen: now,
    pingedAt: 0,
    typingIn: null,
    typingAt: 0,
    messages: new TokenBucket(options.messageBurst, options.messagesPerSecond),
    frames: new TokenBucket(options.frameBurst, options.framesPerSecond),
  };
  registry.add(conn);
  let helloState: "none" | "pending" | "done" = "none";
  const order = new SendOrder();
  const send = (frame: VisitorServerFrame) => peer.send(frame);

  async function handle(
    frame: Exclude<VisitorClientFrame, Heartbeat>,
    receivedAt: number,
  ): Promise<void> {
    switch (frame.type) {
      case "hello": {
        if (helloState === "done") throw new ParleyError(ErrorCode.BadFrame, "Already said hello");
        const { visitor, token, site } = await commands.visitorHello(frame, ctx);
        const state = await projection.visitorState(visitor.id, frame.lastSeq);
        // Agents limited to other sites cannot answer this visitor: they do not count.
        const agentsOnline = await projection.agentsOnlineOn(
          deps.presence.onlineAgentIds(),
          visitor.siteId,
        );
        if (socket.closed) return;
        conn.visitorId = visitor.id;
        conn.siteId = visitor.siteId;
        conn.conversationId = state.conversation?.id ?? null;
        const first = registry.add(conn);
        helloState = "done";
        // Resolved for this hello: the site's texts in the widget's locale, its hours right now.
        const { team, hours } = welcomeDetails(site, frame.locale, options.team, new Date());
        send({
          type: "welcome",
          token,
          visitor: {
            id: visitor.id,
            name: visitor.name,
            email: visitor.email,
            verified: visitor.verified,
          },
          conversation: state.conversation,
          messages: state.messages,
          agentsOnline,
          team,
          hours,
          heartbeatMs: options.heartbeatMs,
        });
        if (first) await deps.bus.publish(presenceEvent(conn));
        return;
      }
      case "message": {
        order.check(frame.clientId);
        if (!conn.messages.take()) {
          throw new ParleyError(ErrorCode.RateLimited, "Sending too fast", { retryable: true });
        }
        const r = await commands.visitorSend(conn.visitorId, frame.clientId, frame.body, {
          likelyNew: conn.conversationId === null,
          ip: conn.ip,
        });
        // A resend's message may belong to a conversation the visitor has since left (start
        // over): only a newly stored message says which conversation is current.
        if (!r.duplicate) conn.conversationId = r.conversation.id;
        order.stored(frame.clientId);
        if (conn.typingIn) await stopTyping();
        await acknowledge(deps, peer, frame.clientId, r.message, receivedAt);
        return;
      }
      case "typing": {
        if (!conn.conversationId) return; // agents see nothing until the first message
        if (!frame.active && !conn.typingIn) return;
        conn.typingIn = frame.active ? conn.conversationId : null;
        conn.typingAt = Date.now();
        await commands.typing(
          { kind: "visitor", visitorId: conn.visitorId },
          conn.conversationId,
          frame.active,
          frame.preview,
        );
        return;
      }
      case "page":
        await commands.updatePage(conn.visitorId, frame.page);
        return;
      case "attributes":
        takeProfileUpdate();
        await commands.setAttributes(conn.visitorId, frame.attributes);
        return;
      case "contact":
        takeProfileUpdate();
        await commands.contact(conn.visitorId, frame.email);
        return;
      case "identify":
        takeProfileUpdate();
        await commands.identify({ id: conn.visitorId, siteId: conn.siteId }, frame);
        return;
      case "read":
        await commands.visitorRead(conn.visitorId, frame.seq);
        return;
      case "sync": {
        if (!conn.conversationId) {
          send({ type: "history", messages: [], hasMore: false });
          return;
        }
        send({ type: "history", ...await projection.history(conn.conversationId, frame, false) });
        return;
      }
      case "rate":
        await commands.rate(conn.visitorId, frame.rating);
        return;
      case "start_over":
        await commands.startOver(conn.visitorId);
        conn.conversationId = null;
        send({ type: "conversation", conversation: null });
        return;
    }
  }

  const stopTyping = () => clearTyping(conn, commands);

  /**
   * Charges one identity or attribute update to the visitor. Each is stored and shown to every
   * agent, and the frame budget is per socket, so without this one visitor with many sockets
   * could keep every console busy.
   */
  function takeProfileUpdate(): void {
    if (!deps.profileUpdates.take(conn.visitorId)) {
      throw new ParleyError(ErrorCode.RateLimited, "Updating the visitor profile too often", {
        retryable: true,
      });
    }
  }

  const socket = runSocket<VisitorClientFrame>(deps, {
    conn,
    requestIds: false,
    parse: parseVisitorFrame,
    admit(frame) {
      if (helloState !== "none") return;
      if (frame.type !== "hello") {
        throw new ParleyError(ErrorCode.HelloRequired, "Send hello first");
      }
      helloState = "pending";
    },
    handle,
    about: (frame) => frame.type === "message" ? { clientId: frame.clientId } : {},
    refusedMessage: (clientId, err) => order.refused(clientId, err),
    failed(e, frame) {
      if (frame?.type !== "hello") return;
      const code = e.code === ErrorCode.Forbidden
        ? CloseCode.OriginNotAllowed
        : e.code === ErrorCode.InvalidToken || e.code === ErrorCode.SiteNotFound
        ? CloseCode.Unauthorized
        : CloseCode.HelloRequired;
      // A database outage during hello is retryable: close with 1013-like restart semantics.
      peer.close(e.retryable ? CloseCode.ServiceRestart : code, e.message.slice(0, 120));
    },
    dropped() {
      // Before hello, anything but a valid hello ends the socket (an oversized first frame
      // would otherwise hold it open until the hello timeout).
      if (helloState === "none") peer.close(CloseCode.HelloRequired, "Expected hello");
    },
  });
  return socket;
}
