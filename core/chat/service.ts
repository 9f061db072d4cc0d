/**
 * Conversation routing: the domain operations behind every frame. Each operation persists
 * first and publishes to the bus second, so nothing is relayed or acknowledged before it is
 * committed.
 *
 * @module
 */

import type { AppendResult, Conversation, Store, VisitorRecord } from "../../db/store.ts";
import type { Bus } from "../cluster/bus.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { friendlyName } from "./names.ts";
import { summaryAfter } from "./summary.ts";
import type { Presence } from "./presence.ts";
import type {
  AgentInfo,
  ConversationSummary,
  Message,
  PageInfo,
  TeamInfo,
  VisitorClientFrame,
  VisitorConversation,
  VisitorInfo,
} from "../../protocol/frames.ts";
import type { KeyedLimiter } from "../rate_limit.ts";
import { hmacHex, safeEqual, type VisitorTokenSigner } from "../accounts/tokens.ts";

/** Tunables of the real-time core, from the server configuration. */
export interface CoreOptions {
  /** How often idle sockets are pinged. */
  heartbeatMs: number;
  /** A socket silent for this long is closed as dead. */
  heartbeatTimeoutMs: number;
  /** A typing indicator with no refresh for this long is cleared. */
  typingTimeoutMs: number;
  /** Shown in the widget header. */
  team: TeamInfo;
  /** Messages per second per socket, and the burst allowed. */
  messagesPerSecond: number;
  messageBurst: number;
  /** Any frames per second per socket, and the burst allowed. */
  framesPerSecond: number;
  frameBurst: number;
  /** How often open agent sockets re-check their session (expiry, sign-out elsewhere). */
  sessionCheckMs: number;
}

/** Who is acting, for agent operations. */
export interface Actor {
  id: string;
  name: string;
}

/** The collaborators of {@link ChatService}. */
export interface ChatDeps {
  store: Store;
  bus: Bus;
  presence: Presence;
  signer: VisitorTokenSigner;
  /** Limits new conversations per IP. */
  newConversations: KeyedLimiter;
  log: Logger;
}

/** Context of a visitor socket, from the HTTP upgrade. */
export interface VisitorContext {
  ip: string;
  origin: string | null;
  userAgent: string | null;
}

/** Domain operations on conversations. */
export class ChatService {
  // A conversation's visitor never changes, and typing frames need it on every keystroke burst.
  #visitorOf = new Map<string, string>();
  // Visitor names label typing indicators, which arrive many times a minute.
  #visitorNames = new Map<string, string>();

  /** Creates the service. */
  constructor(private readonly deps: ChatDeps) {}

  /** The visitor of a conversation. Throws `not_found`. */
  async visitorOf(conversationId: string): Promise<string> {
    const cached = this.#visitorOf.get(conversationId);
    if (cached) return cached;
    const conv = await this.requireConversation(conversationId);
    if (this.#visitorOf.size >= 10_000) this.#visitorOf.clear();
    this.#visitorOf.set(conversationId, conv.visitorId);
    return conv.visitorId;
  }

  /** A visitor's display name (cached; `identify` refreshes it). Empty when unknown. */
  async visitorName(visitorId: string): Promise<string> {
    const cached = this.#visitorNames.get(visitorId);
    if (cached !== undefined) return cached;
    const visitor = await this.deps.store.getVisitor(visitorId);
    if (!visitor) return "";
    if (this.#visitorNames.size >= 10_000) this.#visitorNames.clear();
    this.#visitorNames.set(visitorId, visitor.name);
    return visitor.name;
  }

  /** Records that an agent read a conversation up to `seq`. */
  async agentRead(agentId: string, conversationId: string, seq: number): Promise<void> {
    if (!await this.deps.store.markAgentRead(agentId, conversationId, seq)) {
      throw new ParleyError(ErrorCode.NotFound, "No such conversation");
    }
  }

  /**
   * Authenticates a visitor's `hello`: checks the site and origin, verifies or issues the token,
   * and records where the visitor is.
   */
  async visitorHello(
    hello: Extract<VisitorClientFrame, { type: "hello" }>,
    ctx: VisitorContext,
  ): Promise<{ visitor: VisitorRecord; token: string }> {
    const { store, signer } = this.deps;
    const site = await store.getSite(hello.site);
    if (!site) throw new ParleyError(ErrorCode.SiteNotFound, `Unknown site: ${hello.site}`);
    if (site.allowedOrigins.length > 0 && !site.allowedOrigins.includes(ctx.origin ?? "")) {
      throw new ParleyError(ErrorCode.Forbidden, "Origin not allowed for this site");
    }
    let visitor: VisitorRecord | null = null;
    if (hello.token !== undefined) {
      const result = await signer.verify(hello.token, site.id);
      if (!result.ok) {
        throw new ParleyError(ErrorCode.InvalidToken, `Visitor token refused: ${result.reason}`);
      }
      visitor = await store.getVisitor(result.claims.visitorId);
      if (!visitor || visitor.siteId !== site.id) {
        throw new ParleyError(ErrorCode.InvalidToken, "Visitor token refused: unknown visitor");
      }
    } else {
      visitor = await store.createVisitor({ siteId: site.id, name: friendlyName() });
    }
    visitor = await store.updateVisitor(visitor.id, {
      ...(hello.page ? { page: hello.page } : {}),
      ...(hello.page?.referrer !== undefined && visitor.referrer === null
        ? { referrer: hello.page.referrer }
        : {}),
      ...(ctx.userAgent ? { userAgent: ctx.userAgent.slice(0, 300) } : {}),
      ...(hello.locale ? { locale: hello.locale } : {}),
      ...(hello.timezone ? { timezone: hello.timezone } : {}),
    });
    return { visitor, token: await signer.sign(visitor.id, site.id) };
  }

  /** The visitor's current conversation and the messages the client is missing. */
  async visitorState(
    visitorId: string,
    lastSeq: number | undefined,
  ): Promise<{ conversation: VisitorConversation | null; messages: Message[] }> {
    const conv = await this.deps.store.getCurrentConversation(visitorId);
    if (!conv) return { conversation: null, messages: [] };
    const { messages } = await this.deps.store.listMessages(conv.id, {
      includeNotes: false,
      ...(lastSeq === undefined ? { limit: 50 } : { afterSeq: lastSeq, limit: 200 }),
    });
    return { conversation: await this.visitorConversation(conv), messages };
  }

  /** A window of a conversation's history; visitors never see notes. */
  history(
    conversationId: string,
    q: { afterSeq?: number; beforeSeq?: number; limit?: number },
    includeNotes: boolean,
  ): Promise<{ messages: Message[]; hasMore: boolean }> {
    return this.deps.store.listMessages(conversationId, { ...q, includeNotes });
  }

  /**
   * Shapes a conversation for its visitor (assignee name, no internal fields). A conversation or
   * its inbox summary will do.
   */
  async visitorConversation(
    conv: Pick<
      Conversation,
      "id" | "status" | "assigneeId" | "lastSeq" | "visitorReadSeq" | "rating"
    >,
  ): Promise<VisitorConversation> {
    const assignee = conv.assigneeId ? await this.deps.store.getAgent(conv.assigneeId) : null;
    return {
      id: conv.id,
      status: conv.status,
      assignee: assignee ? { id: assignee.id, name: assignee.name, avatar: assignee.avatar } : null,
      lastSeq: conv.lastSeq,
      readSeq: conv.visitorReadSeq,
      rating: conv.rating,
    };
  }

  /**
   * Stores a visitor message (opening or reopening the conversation), then publishes it.
   * `newConversationKey` is the key (IP) charged when the message opens a new conversation.
   */
  async visitorSend(
    visitorId: string,
    clientId: string,
    body: string,
    opts: { mayOpen: boolean; ip: string },
  ): Promise<AppendResult> {
    const { store, newConversations } = this.deps;
    if (opts.mayOpen && !newConversations.take(opts.ip)) {
      const current = await store.getCurrentConversation(visitorId);
      if (!current) {
        throw new ParleyError(
          ErrorCode.RateLimited,
          "Too many new conversations from this address",
        );
      }
    }
    const result = await store.appendVisitorMessage({ visitorId, clientId, body });
    await this.publishAppend(result);
    if (result.created) await this.autoAssign(result.conversation);
    return result;
  }

  /** Stores an agent reply or note, then publishes it. */
  async agentSend(
    actor: Actor,
    frame: { conversationId: string; clientId: string; body: string; note: boolean },
  ): Promise<AppendResult> {
    const result = await this.deps.store.appendAgentMessage({
      conversationId: frame.conversationId,
      agentId: actor.id,
      clientId: frame.clientId,
      body: frame.body,
      note: frame.note,
    });
    await this.publishAppend(result);
    return result;
  }

  /** Claims a queued conversation. Of two concurrent accepts exactly one wins. */
  async accept(actor: Actor, conversationId: string): Promise<void> {
    const conv = await this.deps.store.assign(conversationId, actor.id, { expectUnassigned: true });
    if (!conv) throw new ParleyError(ErrorCode.Conflict, "Conversation is already assigned");
    await this.system(conv, `${actor.name} joined the conversation`);
  }

  /** Hands a conversation to another (enabled) agent. */
  async transfer(actor: Actor, conversationId: string, agentId: string): Promise<void> {
    const target = await this.deps.store.getAgent(agentId);
    if (!target || target.disabled) throw new ParleyError(ErrorCode.NotFound, "No such agent");
    const before = await this.requireConversation(conversationId);
    if (before.status === "resolved") {
      throw new ParleyError(ErrorCode.Conflict, "Conversation is resolved; reopen it first");
    }
    const conv = await this.deps.store.assign(conversationId, agentId, { expectUnassigned: false });
    if (!conv) throw new ParleyError(ErrorCode.Conflict, "Conversation could not be transferred");
    const text = agentId === actor.id
      ? `${actor.name} took over the conversation`
      : `${actor.name} transferred the conversation to ${target.name}`;
    await this.system(conv, text);
  }

  /** Resolves a conversation. */
  async resolve(actor: Actor, conversationId: string): Promise<void> {
    await this.requireConversation(conversationId);
    const conv = await this.deps.store.resolve(conversationId);
    if (!conv) throw new ParleyError(ErrorCode.Conflict, "Conversation is already resolved");
    await this.system(conv, `${actor.name} resolved the conversation`);
  }

  /** Reopens a resolved conversation. */
  async reopen(actor: Actor, conversationId: string): Promise<void> {
    await this.requireConversation(conversationId);
    const conv = await this.deps.store.reopen(conversationId);
    if (!conv) throw new ParleyError(ErrorCode.Conflict, "Conversation is not resolved");
    await this.system(conv, `${actor.name} reopened the conversation`);
  }

  /** Records the visitor's rating of their current conversation. */
  async rate(visitorId: string, rating: number): Promise<void> {
    const conv = await this.deps.store.getCurrentConversation(visitorId);
    if (!conv) throw new ParleyError(ErrorCode.NotFound, "No conversation to rate");
    if (conv.status !== "resolved") {
      throw new ParleyError(ErrorCode.Conflict, "Only resolved conversations can be rated");
    }
    await this.deps.store.rate(conv.id, rating);
    await this.deps.bus.publish({ kind: "conversation", conversationId: conv.id, visitorId });
  }

  /** Forgets the visitor's current conversation; the next message opens a new one. */
  async startOver(visitorId: string): Promise<void> {
    await this.deps.store.startOver(visitorId);
  }

  /**
   * Applies an `identify` call. With a valid HMAC of the id the identity is verified; without
   * one it is stored unverified, or refused when the site requires verification.
   */
  async identify(
    visitor: { id: string; siteId: string },
    frame: { id: string; name?: string; email?: string; hash?: string },
  ): Promise<VisitorRecord> {
    const site = await this.deps.store.getSite(visitor.siteId);
    if (!site) throw new ParleyError(ErrorCode.SiteNotFound, "Unknown site");
    const expected = await hmacHex(site.identitySecret, frame.id);
    const verified = frame.hash !== undefined && safeEqual(frame.hash.toLowerCase(), expected);
    if (!verified && site.requireVerified) {
      throw new ParleyError(ErrorCode.Forbidden, "Identity verification failed");
    }
    const updated = await this.deps.store.updateVisitor(visitor.id, {
      externalId: frame.id,
      verified,
      ...(frame.name !== undefined ? { name: frame.name } : {}),
      ...(frame.email !== undefined ? { email: frame.email } : {}),
    });
    this.#visitorNames.set(visitor.id, updated.name);
    await this.deps.bus.publish({ kind: "visitor", visitorId: visitor.id });
    return updated;
  }

  /** Updates visitor details (page, contact email, attributes) and tells agents. */
  async updateVisitor(
    visitorId: string,
    patch: {
      page?: PageInfo;
      email?: string;
      attributes?: Record<string, string | number | boolean | null>;
    },
  ): Promise<void> {
    const current = patch.attributes ? await this.deps.store.getVisitor(visitorId) : null;
    await this.deps.store.updateVisitor(visitorId, {
      ...(patch.page ? { page: patch.page } : {}),
      ...(patch.email ? { email: patch.email } : {}),
      ...(patch.attributes ? { attributes: { ...current?.attributes, ...patch.attributes } } : {}),
    });
    await this.deps.bus.publish({ kind: "visitor", visitorId });
  }

  /** Records that the visitor read up to `seq`. */
  async visitorRead(visitorId: string, seq: number): Promise<void> {
    const conv = await this.deps.store.getCurrentConversation(visitorId);
    if (!conv) return;
    await this.deps.store.markVisitorRead(conv.id, Math.min(seq, conv.lastSeq));
  }

  /** Everything an agent console needs on connect. */
  async agentWelcome(agentId: string): Promise<
    { agents: AgentInfo[]; conversations: ConversationSummary[] }
  > {
    const { store } = this.deps;
    const [agents, active, resolved] = await Promise.all([
      this.agentInfos(),
      store.listConversations({ status: ["queued", "open"], forAgentId: agentId, limit: 500 }),
      store.listConversations({ status: ["resolved"], forAgentId: agentId, limit: 50 }),
    ]);
    return { agents, conversations: [...active, ...resolved] };
  }

  /** All agents with live presence. */
  async agentInfos(): Promise<AgentInfo[]> {
    const records = await this.deps.store.listAgents();
    return records.map((a) => this.agentInfo(a));
  }

  /** Shapes an agent record with live presence, without the password hash. */
  agentInfo(a: Omit<AgentInfo, "status">): AgentInfo {
    return {
      id: a.id,
      email: a.email,
      name: a.name,
      avatar: a.avatar,
      role: a.role,
      disabled: a.disabled,
      capacity: a.capacity,
      status: a.disabled ? "offline" : this.deps.presence.agentStatus(a.id),
    };
  }

  /** A visitor with live presence (also refreshes the cached display name). */
  async visitorInfo(visitorId: string): Promise<VisitorInfo | null> {
    const v = await this.deps.store.getVisitor(visitorId);
    if (!v) return null;
    if (this.#visitorNames.has(v.id)) this.#visitorNames.set(v.id, v.name);
    return { ...v, online: this.deps.presence.visitorOnline(v.id) };
  }

  private async requireConversation(id: string): Promise<Conversation> {
    const conv = await this.deps.store.getConversation(id);
    if (!conv) throw new ParleyError(ErrorCode.NotFound, "No such conversation");
    return conv;
  }

  private async system(conv: Conversation, body: string): Promise<void> {
    const result = await this.deps.store.appendSystemMessage(conv.id, body);
    await this.publishAppend(result, true);
  }

  /**
   * Publishes a stored message. Duplicates are published again: receivers dedupe by seq, and a
   * crash between commit and publish is healed by the sender's retry.
   */
  private async publishAppend(result: AppendResult, conversationChanged = false): Promise<void> {
    const { message, conversation } = result;
    await this.deps.bus.publish({
      kind: "message",
      conversationId: conversation.id,
      visitorId: conversation.visitorId,
      seq: message.seq,
      note: message.note,
      message,
    });
    // The inbox row changes with every message (last message, status), so agents always get it.
    if (conversationChanged || !result.duplicate) {
      const summary = summaryAfter(result);
      await this.deps.bus.publish({
        kind: "conversation",
        conversationId: conversation.id,
        visitorId: conversation.visitorId,
        ...(summary ? { summary } : {}),
      });
    }
  }

  /** Assigns a new conversation to the least-loaded online agent with capacity, if enabled. */
  private async autoAssign(conv: Conversation): Promise<void> {
    const { store, presence, log } = this.deps;
    try {
      const site = await store.getSite(conv.siteId);
      if (!site?.autoAssign) return;
      const online = new Set(presence.onlineAgentIds());
      if (online.size === 0) return;
      const [agents, counts] = await Promise.all([store.listAgents(), store.openCounts()]);
      const candidates = agents
        .filter((a) => online.has(a.id) && !a.disabled && (counts.get(a.id) ?? 0) < a.capacity)
        .sort((a, b) => (counts.get(a.id) ?? 0) - (counts.get(b.id) ?? 0));
      const agent = candidates[0];
      if (!agent) return;
      // A null result means an agent accepted it meanwhile, which is just as good.
      const assigned = await store.assign(conv.id, agent.id, { expectUnassigned: true });
      if (assigned) await this.system(assigned, `${agent.name} joined the conversation`);
    } catch (err) {
      log.warn("auto-assignment failed", { conversationId: conv.id, err: String(err) });
    }
  }
}
