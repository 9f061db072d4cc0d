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
  type ErrorAbout,
  type Heartbeat,
  presenceEvent,
  type RunningSocket,
  runSocket,
  type SocketDeps,
  type SocketHandlers,
  type SocketProtocol,
} from "./socket.ts";
import type { VisitorConn } from "./registry.ts";
import { welcomeDetails } from "../sites/public_settings.ts";

/** Starts the protocol on a freshly upgraded visitor socket. */
export function openVisitorSocket(
  deps: SocketDeps,
  peer: Peer,
  ctx: VisitorContext,
): SocketHandlers {
  return new VisitorSocket(deps, peer, ctx).socket;
}

/**
 * A visitor socket's state and protocol, one object with its methods on the prototype: most
 * widget sockets sit idle for hours, so whatever each keeps (closures, their scopes, state made
 * before it is needed) is multiplied by every open tab. The send hold and the message budget are
 * made on first use; the upgrade's context is dropped once `hello` is answered.
 */
class VisitorSocket implements SocketProtocol<VisitorClientFrame> {
  readonly conn: VisitorConn;
  readonly socket: RunningSocket;
  /** The upgrade's context, needed by `hello` only. */
  #ctx: VisitorContext | null;
  #hello: "none" | "pending" | "done" = "none";
  /** The send hold, made at the first retryable refusal. */
  #order: SendOrder | null = null;

  constructor(readonly deps: SocketDeps, peer: Peer, ctx: VisitorContext) {
    this.#ctx = ctx;
    this.conn = {
      kind: "visitor",
      peer,
      visitorId: "",
      siteId: "",
      ip: ctx.ip,
      conversationId: null,
      lastSeen: Date.now(),
      pingedAt: 0,
      typingIn: null,
      typingAt: 0,
      messages: null,
      frames: new TokenBucket(deps.options.frameBurst, deps.options.framesPerSecond),
    };
    deps.registry.add(this.conn);
    this.socket = runSocket<VisitorClientFrame>(deps, this);
  }

  get requestIds(): boolean {
    return false;
  }

  parse(text: string): VisitorClientFrame {
    return parseVisitorFrame(text);
  }

  admit(frame: VisitorClientFrame): void {
    if (this.#hello !== "none") return;
    if (frame.type !== "hello") {
      throw new ParleyError(ErrorCode.HelloRequired, "Send hello first");
    }
    this.#hello = "pending";
  }

  about(frame: VisitorClientFrame): ErrorAbout {
    return frame.type === "message" ? { clientId: frame.clientId } : {};
  }

  refusedMessage(clientId: string, err: ParleyError): void {
    if (!err.retryable) return; // only a retryable refusal holds later messages back
    (this.#order ??= new SendOrder()).refused(clientId, err);
  }

  failed(e: ParleyError, frame: VisitorClientFrame | null): void {
    if (frame?.type !== "hello") return;
    const code = e.code === ErrorCode.Forbidden
      ? CloseCode.OriginNotAllowed
      : e.code === ErrorCode.InvalidToken || e.code === ErrorCode.SiteNotFound
      ? CloseCode.Unauthorized
      : CloseCode.HelloRequired;
    // A database outage during hello is retryable: close with 1013-like restart semantics.
    this.conn.peer.close(e.retryable ? CloseCode.ServiceRestart : code, e.message.slice(0, 120));
  }

  dropped(): void {
    // Before hello, anything but a valid hello ends the socket (an oversized first frame
    // would otherwise hold it open until the hello timeout).
    if (this.#hello === "none") this.conn.peer.close(CloseCode.HelloRequired, "Expected hello");
  }

  async handle(
    frame: Exclude<VisitorClientFrame, Heartbeat>,
    receivedAt: number,
  ): Promise<void> {
    const { deps, conn } = this;
    const { commands, projection } = deps;
    switch (frame.type) {
      case "hello":
        return await this.#helloFrame(frame);
      case "message": {
        this.#order?.check(frame.clientId);
        const budget = conn.messages ??= new TokenBucket(
          deps.options.messageBurst,
          deps.options.messagesPerSecond,
        );
        if (!budget.take()) {
          throw new ParleyError(ErrorCode.RateLimited, "Sending too fast", { retryable: true });
        }
        const r = await commands.visitorSend(conn.visitorId, frame.clientId, frame.body, {
          likelyNew: conn.conversationId === null,
          ip: conn.ip,
          ...(frame.attachments ? { attachments: frame.attachments } : {}),
        });
        // A resend's message may belong to a conversation the visitor has since left (start
        // over): only a newly stored message says which conversation is current.
        if (!r.duplicate) conn.conversationId = r.conversation.id;
        this.#order?.stored(frame.clientId);
        if (conn.typingIn) await clearTyping(conn, commands);
        await acknowledge(deps, conn.peer, frame.clientId, r.message, receivedAt);
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
        this.#takeProfileUpdate();
        await commands.setAttributes(conn.visitorId, frame.attributes);
        return;
      case "contact":
        this.#takeProfileUpdate();
        await commands.contact(conn.visitorId, frame.email);
        return;
      case "identify":
        this.#takeProfileUpdate();
        await commands.identify({ id: conn.visitorId, siteId: conn.siteId }, frame);
        return;
      case "read":
        await commands.visitorRead(conn.visitorId, frame.seq);
        return;
      case "sync": {
        if (!conn.conversationId) {
          this.#send({ type: "history", messages: [], hasMore: false });
          return;
        }
        this.#send({
          type: "history",
          ...await projection.history(conn.conversationId, frame, false),
        });
        return;
      }
      case "rate":
        await commands.rate(conn.visitorId, frame.rating);
        return;
      case "transcript": {
        if (!deps.transcripts) {
          throw new ParleyError(ErrorCode.Unavailable, "Email is off on this server", {
            retryable: false,
          });
        }
        await deps.transcripts.sendForVisitor(conn.visitorId, frame.email ?? null);
        return;
      }
      case "start_over":
        await commands.startOver(conn.visitorId);
        conn.conversationId = null;
        this.#send({ type: "conversation", conversation: null });
        return;
    }
  }

  async #helloFrame(frame: Extract<VisitorClientFrame, { type: "hello" }>): Promise<void> {
    const { deps, conn } = this;
    const { commands, projection, registry, options } = deps;
    if (this.#hello === "done" || !this.#ctx) {
      throw new ParleyError(ErrorCode.BadFrame, "Already said hello");
    }
    const { visitor, token, site } = await commands.visitorHello(frame, this.#ctx);
    const state = await projection.visitorState(visitor.id, frame.lastSeq);
    // Agents limited to other sites cannot answer this visitor: they do not count.
    const agentsOnline = await projection.agentsOnlineOn(
      deps.presence.onlineAgentIds(),
      visitor.siteId,
    );
    if (this.socket.closed) return;
    conn.visitorId = visitor.id;
    conn.siteId = visitor.siteId;
    conn.conversationId = state.conversation?.id ?? null;
    const first = registry.add(conn);
    this.#hello = "done";
    this.#ctx = null;
    // Resolved for this hello: the site's texts in the widget's locale, its hours right now.
    const { team, hours } = welcomeDetails(site, frame.locale, options.team, new Date());
    this.#send({
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
      emailReplies: options.emailReplies === true,
      heartbeatMs: options.heartbeatMs,
    });
    if (first) await deps.bus.publish(presenceEvent(conn));
  }

  #send(frame: VisitorServerFrame): void {
    this.conn.peer.send(frame);
  }

  /**
   * Charges one identity or attribute update to the visitor. Each is stored and shown to every
   * agent, and the frame budget is per socket, so without this one visitor with many sockets
   * could keep every console busy.
   */
  #takeProfileUpdate(): void {
    if (!this.deps.profileUpdates.take(this.conn.visitorId)) {
      throw new ParleyError(ErrorCode.RateLimited, "Updating the visitor profile too often", {
        retryable: true,
      });
    }
  }
}
