/**
 * The chat read model: what each side may see of conversations, messages, visitors and agents,
 * shaped for the wire. The fan-out reads through it alone (it never reaches the commands), as do
 * the sockets' replies (`welcome`, `history`, `visitor`) and the HTTP routes. It writes nothing;
 * its only state is two caches of values that rarely change.
 *
 * @module
 */

import type { Conversation, Store } from "../../db/store.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";
import type { Presence } from "./presence.ts";
import { siteAllowed, siteLimit } from "./site_access.ts";
import type {
  AgentInfo,
  ConversationSummary,
  Label,
  Message,
  VisitorConversation,
  VisitorInfo,
} from "../../protocol/frames.ts";

/** The collaborators of {@link ChatProjection}. */
export interface ProjectionDeps {
  store: Store;
  presence: Presence;
}

/** A window of a conversation's history, as `sync` and the inbox API ask for it. */
export interface HistoryWindow {
  afterSeq?: number;
  beforeSeq?: number;
  limit?: number;
}

// Caches are bounded crudely: cleared when full, refilled by the next reads.
const CACHE_LIMIT = 10_000;

/** Reads of the chat state, shaped for visitors and agents. */
export class ChatProjection {
  // A conversation's visitor and site never change, and typing frames need them on every
  // keystroke burst (the site only while an agent limited to sites is connected).
  #owners = new Map<string, { visitorId: string; siteId: string }>();
  // Visitor names label typing indicators, which arrive many times a minute.
  #visitorNames = new Map<string, string>();
  // A visitor's site never changes; visitor updates need it while a limited agent is connected.
  #visitorSites = new Map<string, string>();
  // The site limit of agents, to count who is online for a site's visitors; every `agent` event
  // (presence, details, sites) refreshes or forgets its agent's entry.
  #agentLimits = new Map<string, string[]>();

  /** Creates the projection. */
  constructor(private readonly deps: ProjectionDeps) {}

  /** The visitor and site of a conversation (cached: neither ever changes). Throws `not_found`. */
  async #ownerOf(conversationId: string): Promise<{ visitorId: string; siteId: string }> {
    const cached = this.#owners.get(conversationId);
    if (cached) return cached;
    const conv = await this.deps.store.getConversation(conversationId);
    if (!conv) throw new ParleyError(ErrorCode.NotFound, "No such conversation");
    const owner = { visitorId: conv.visitorId, siteId: conv.siteId };
    if (this.#owners.size >= CACHE_LIMIT) this.#owners.clear();
    this.#owners.set(conversationId, owner);
    return owner;
  }

  /** The visitor of a conversation. Throws `not_found`. */
  async visitorOf(conversationId: string): Promise<string> {
    return (await this.#ownerOf(conversationId)).visitorId;
  }

  /** The site of a conversation. Throws `not_found`. */
  async siteOf(conversationId: string): Promise<string> {
    return (await this.#ownerOf(conversationId)).siteId;
  }

  /** The site of a visitor (cached), or null when there is no such visitor. */
  async visitorSite(visitorId: string): Promise<string | null> {
    const cached = this.#visitorSites.get(visitorId);
    if (cached !== undefined) return cached;
    const visitor = await this.deps.store.getVisitor(visitorId);
    if (!visitor) return null;
    this.#rememberSite(visitor.id, visitor.siteId);
    return visitor.siteId;
  }

  #rememberSite(visitorId: string, siteId: string): void {
    if (this.#visitorSites.size >= CACHE_LIMIT) this.#visitorSites.clear();
    this.#visitorSites.set(visitorId, siteId);
  }

  /**
   * Throws `not_found` (as for a conversation that does not exist: an agent learns nothing of
   * other sites) unless an agent limited to `sites` may see the conversation. Reads nothing for
   * an agent without a limit.
   */
  async checkConversation(sites: readonly string[], conversationId: string): Promise<void> {
    if (sites.length === 0) return;
    if (!siteAllowed(sites, await this.siteOf(conversationId))) {
      throw new ParleyError(ErrorCode.NotFound, "No such conversation");
    }
  }

  /** A visitor's display name (cached; `identify` refreshes it). Empty when unknown. */
  async visitorName(visitorId: string): Promise<string> {
    const cached = this.#visitorNames.get(visitorId);
    if (cached !== undefined) return cached;
    const visitor = await this.deps.store.getVisitor(visitorId);
    if (!visitor) return "";
    this.#rememberSite(visitor.id, visitor.siteId);
    if (this.#visitorNames.size >= CACHE_LIMIT) this.#visitorNames.clear();
    this.#visitorNames.set(visitorId, visitor.name);
    return visitor.name;
  }

  /** Records a visitor's new display name (after `identify` stored it). */
  visitorRenamed(visitorId: string, name: string): void {
    this.#visitorNames.set(visitorId, name);
  }

  /** One stored message (notes included: the fan-out decides who gets it). */
  message(conversationId: string, seq: number): Promise<Message | null> {
    return this.deps.store.getMessage(conversationId, seq);
  }

  /** The stored messages with `afterSeq < seq < beforeSeq` (notes included), oldest first. */
  async messagesBetween(
    conversationId: string,
    afterSeq: number,
    beforeSeq: number,
  ): Promise<Message[]> {
    const { messages } = await this.deps.store.listMessages(conversationId, {
      afterSeq,
      beforeSeq,
      includeNotes: true,
      limit: 200,
    });
    return messages;
  }

  /** A conversation's inbox row, or null when it does not exist. */
  summary(conversationId: string): Promise<ConversationSummary | null> {
    return this.deps.store.getConversationSummary(conversationId);
  }

  /**
   * The visitor's current conversation and the messages the client should hold: those after
   * `lastSeq`, or the latest page when the client names no `lastSeq` or one beyond the
   * conversation's. A client only learns a seq once it is committed, so a `lastSeq` past
   * `conv.lastSeq` counts messages of another conversation (another tab started over, say) and
   * "everything after it" would be nothing: the client must replace what it holds instead.
   */
  async visitorState(
    visitorId: string,
    lastSeq: number | undefined,
  ): Promise<{ conversation: VisitorConversation | null; messages: Message[] }> {
    const conv = await this.deps.store.getCurrentConversation(visitorId);
    if (!conv) return { conversation: null, messages: [] };
    const resumes = lastSeq !== undefined && lastSeq <= conv.lastSeq;
    const { messages } = await this.deps.store.listMessages(conv.id, {
      includeNotes: false,
      ...(resumes ? { afterSeq: lastSeq, limit: 200 } : { limit: 50 }),
    });
    return { conversation: await this.visitorConversation(conv), messages };
  }

  /** The open conversations an agent answers (their visitors see the agent's presence). */
  openConversationsOf(agentId: string): Promise<ConversationSummary[]> {
    return this.deps.store.listConversations({ assigneeId: agentId, status: ["open"] });
  }

  /** A window of a conversation's history; visitors never see notes. */
  history(
    conversationId: string,
    q: HistoryWindow,
    includeNotes: boolean,
  ): Promise<{ messages: Message[]; hasMore: boolean }> {
    return this.deps.store.listMessages(conversationId, { ...q, includeNotes });
  }

  /**
   * Shapes a conversation for its visitor (assignee name, no internal fields). A conversation or
   * its inbox summary will do (the store's summaries carry `agentReadSeq` and `resolvedSeq`).
   */
  async visitorConversation(
    conv:
      & Pick<Conversation, "id" | "status" | "assigneeId" | "lastSeq" | "visitorReadSeq" | "rating">
      & Partial<Pick<Conversation, "agentReadSeq" | "resolvedSeq">>,
  ): Promise<VisitorConversation> {
    const assignee = conv.assigneeId ? await this.deps.store.getAgent(conv.assigneeId) : null;
    return {
      id: conv.id,
      status: conv.status,
      assignee: assignee
        ? {
          id: assignee.id,
          name: assignee.name,
          avatar: assignee.avatar,
          online: this.deps.presence.agentStatus(assignee.id) === "online",
        }
        : null,
      lastSeq: conv.lastSeq,
      readSeq: conv.visitorReadSeq,
      agentReadSeq: conv.agentReadSeq ?? 0,
      resolvedSeq: conv.resolvedSeq ?? null,
      rating: conv.rating,
    };
  }

  /**
   * Everything an agent console needs on connect: the agents, the conversations of the sites the
   * agent may see, and that site limit as read now (see `site_access.ts`). `sites` is the limit
   * known when the socket opened: both reads run at once, and the inbox is read again in the rare
   * case that the limit changed meanwhile.
   */
  async agentWelcome(agentId: string, sites: readonly string[]): Promise<
    { agents: AgentInfo[]; conversations: ConversationSummary[]; sites: string[]; labels: Label[] }
  > {
    const [agents, conversations, labels] = await Promise.all([
      this.agentInfos(),
      this.#inbox(agentId, sites),
      this.labels(),
    ]);
    const me = agents.find((a) => a.id === agentId);
    const now = me ? siteLimit(me) : [...sites];
    if (now.length === sites.length && now.every((s) => sites.includes(s))) {
      return { agents, conversations, sites: now, labels };
    }
    return { agents, conversations: await this.#inbox(agentId, now), sites: now, labels };
  }

  /** Every label, as consoles show them (the `labels` frame and the welcome). */
  labels(): Promise<Label[]> {
    return this.deps.store.listLabels();
  }

  async #inbox(agentId: string, sites: readonly string[]): Promise<ConversationSummary[]> {
    const { store } = this.deps;
    const siteIds = sites.length === 0 ? {} : { siteIds: sites };
    const [active, resolved] = await Promise.all([
      store.listConversations({
        status: ["queued", "open"],
        forAgentId: agentId,
        limit: 500,
        ...siteIds,
      }),
      store.listConversations({ status: ["resolved"], forAgentId: agentId, limit: 50, ...siteIds }),
    ]);
    return [...active, ...resolved];
  }

  /**
   * Records that an agent changed (an `agent` event): its site limit is taken from `agent` when
   * the caller read it, and otherwise read again when next needed.
   */
  agentChanged(agentId: string, agent: AgentInfo | null): void {
    if (agent) this.#agentLimits.set(agentId, siteLimit(agent));
    else this.#agentLimits.delete(agentId);
  }

  /**
   * How many of the online agents `agentIds` may answer visitors of `siteId` (what the widget
   * shows as "online"): an agent limited to other sites does not count. Reads only agents whose
   * limit is not cached yet.
   */
  async agentsOnlineOn(agentIds: readonly string[], siteId: string): Promise<number> {
    await this.loadAgentLimits(agentIds);
    return this.countAgentsOn(agentIds, siteId);
  }

  /** Makes sure the site limits of `agentIds` are cached (see {@link countAgentsOn}). */
  async loadAgentLimits(agentIds: readonly string[]): Promise<void> {
    const missing = agentIds.filter((id) => !this.#agentLimits.has(id));
    if (missing.length === 0) return;
    const records = await Promise.all(missing.map((id) => this.deps.store.getAgent(id)));
    if (this.#agentLimits.size + missing.length > CACHE_LIMIT) this.#agentLimits.clear();
    for (const r of records) if (r) this.#agentLimits.set(r.id, siteLimit(r));
  }

  /**
   * {@link agentsOnlineOn} from the cache alone, after {@link loadAgentLimits}: an agent whose
   * record is gone is not counted.
   */
  countAgentsOn(agentIds: readonly string[], siteId: string): number {
    let n = 0;
    for (const id of agentIds) {
      const limit = this.#agentLimits.get(id);
      if (limit !== undefined && siteAllowed(limit, siteId)) n++;
    }
    return n;
  }

  /** All agents with live presence. */
  async agentInfos(): Promise<AgentInfo[]> {
    const records = await this.deps.store.listAgents();
    return records.map((a) => this.agentInfo(a));
  }

  /** One agent with live presence, or null when there is no such agent. */
  async agent(agentId: string): Promise<AgentInfo | null> {
    const record = await this.deps.store.getAgent(agentId);
    return record ? this.agentInfo(record) : null;
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
      sites: a.sites,
      invited: a.invited === true,
      status: a.disabled ? "offline" : this.deps.presence.agentStatus(a.id),
    };
  }

  /** A visitor with live presence (also refreshes the cached display name). */
  async visitorInfo(visitorId: string): Promise<VisitorInfo | null> {
    const v = await this.deps.store.getVisitor(visitorId);
    if (!v) return null;
    if (this.#visitorNames.has(v.id)) this.#visitorNames.set(v.id, v.name);
    this.#rememberSite(v.id, v.siteId);
    return { ...v, online: this.deps.presence.visitorOnline(v.id) };
  }

  /**
   * The current values of some of a visitor's attributes (all of them when `keys` is null), or
   * null when there is no such visitor. A key no longer stored is left out.
   */
  async visitorAttributes(
    visitorId: string,
    keys: readonly string[] | null,
  ): Promise<VisitorInfo["attributes"] | null> {
    const v = await this.deps.store.getVisitor(visitorId);
    if (!v) return null;
    this.#rememberSite(v.id, v.siteId);
    if (keys === null) return v.attributes;
    const picked: VisitorInfo["attributes"] = {};
    for (const k of keys) if (Object.hasOwn(v.attributes, k)) picked[k] = v.attributes[k];
    return picked;
  }

  /** What a visitor's own tabs show of who they are, or null when there is no such visitor. */
  async identity(
    visitorId: string,
  ): Promise<{ name: string; email: string | null; verified: boolean } | null> {
    const v = await this.deps.store.getVisitor(visitorId);
    return v ? { name: v.name, email: v.email, verified: v.verified } : null;
  }
}
