/**
 * Delivers bus events to this instance's sockets. Events for one conversation are handled in
 * order; an event that lacks its data (it came from another instance) reads it through the
 * projection, the fan-out's one way to the store (it never calls the commands).
 * Messages reach sockets in seq order per conversation ({@link DeliveryOrder}), so a client
 * resuming from the highest seq it saw never skips one. Reads are skipped when no socket here
 * would receive the result, a conversation refresh
 * already waiting in its chain absorbs newer ones (it reads the latest state anyway), and each
 * frame is serialised once however many sockets get it.
 *
 * An agent limited to some sites (`site_access.ts`) gets no frame about another site's
 * conversations or visitors. Finding an event's site costs a read only while such an agent is
 * connected here, and then mostly none: summaries and visitors carry their site, and the
 * projection caches the site of conversations and visitors (it never changes).
 *
 * @module
 */

import type { Bus, BusEvent } from "../cluster/bus.ts";
import type { ChatProjection } from "./projection.ts";
import { CloseCode } from "../../protocol/codes.ts";
import type { Logger } from "../log.ts";
import type { Presence } from "./presence.ts";
import { DeliveryOrder } from "./delivery_order.ts";
import type {
  AgentServerFrame,
  ConversationSummary,
  Message,
  VisitorServerFrame,
} from "../../protocol/frames.ts";
import type { AgentConn, Registry, VisitorConn } from "../sockets/registry.ts";
import { siteAllowed, siteLimit } from "./site_access.ts";
import type { Counter } from "../metrics.ts";

/** Dependencies of the fan-out. */
export interface FanoutDeps {
  bus: Bus;
  /** The one way the fan-out reads what it relays. */
  projection: ChatProjection;
  registry: Registry;
  presence: Presence;
  log: Logger;
  /** Counts message frames sent to sockets, one per socket (see `metrics_chat.ts`). */
  messagesRelayed?: Counter;
}

/** The running fan-out. */
export interface Fanout {
  /**
   * Resolves once message `seq` of the conversation has gone to this instance's sockets, with
   * every message before it; a sender's ack waits for it so it never overtakes one of them.
   */
  delivered(conversationId: string, seq: number): Promise<void>;
  /** Resolves once every event received so far has been handled (tests, shutdown). */
  settled(): Promise<void>;
  /** Unsubscribes from the bus. */
  stop(): void;
}

/** Which agent sockets may receive a frame. */
type Audience = (conn: AgentConn) => boolean;

/** Every agent socket: for frames about no site (agents, presence). */
const EVERYONE: Audience = () => true;
/**
 * The agents who may see every site: the audience when an event's site is unknown, so a limited
 * agent is never sent what it may not see (it refetches on its next `sync` if it missed one).
 */
const UNLIMITED: Audience = (c) => c.sites.length === 0;

/** The agents who may see site `siteId`. */
const onSite = (siteId: string): Audience => (c) => siteAllowed(c.sites, siteId);

/** Subscribes to the bus and delivers events. */
export function startFanout(deps: FanoutDeps): Fanout {
  const { bus, registry, projection, log } = deps;
  // Per-key promise chains keep events of one conversation (or visitor) in order.
  const chains = new Map<string, Promise<void>>();
  // Conversations with a refresh queued and not yet started, with the newest event for each.
  const refreshing = new Map<string, Extract<BusEvent, { kind: "conversation" }>>();
  // What each visitor socket was last told of its conversation (see the `conversation` event).
  const shownToVisitor = new WeakMap<VisitorConn, string>();
  // Per site with visitors here: the count of agents online for it last sent to them.
  let lastOnline = new Map<string, number>();

  const agentsHere = () => registry.agents.size > 0;
  /**
   * The agents who may see an event of the site `siteOf` finds. It is called only while an agent
   * limited to sites is connected here; without one, nobody connected is limited, and the
   * audience is the unlimited agents without reading anything.
   */
  const audience = async (siteOf: () => Promise<string | null>): Promise<Audience> => {
    if (!registry.anyLimitedAgent()) return UNLIMITED;
    const siteId = await siteOf().catch(() => null);
    return siteId === null ? UNLIMITED : onSite(siteId);
  };
  /** Sends `frame` to the agent sockets here in `to` (but those of `except`), serialized once. */
  const toAgents = (frame: AgentServerFrame, to: Audience, except?: string) => {
    if (!agentsHere()) return;
    const text = JSON.stringify(frame);
    for (const c of registry.allAgentConns()) {
      if (c.agentId !== except && to(c)) c.peer.send(text);
    }
  };
  const toVisitor = (visitorId: string, frame: VisitorServerFrame) => {
    const conns = registry.visitors.get(visitorId);
    if (!conns) return;
    const text = JSON.stringify(frame);
    for (const c of conns) c.peer.send(text);
  };
  /**
   * Tells visitors how many agents may answer them when that count changed for their site: an
   * agent limited to other sites does not count (a visitor would wait for nobody).
   */
  const pushAgentsOnline = async () => {
    if (registry.visitors.size === 0) return;
    await projection.loadAgentLimits(deps.presence.onlineAgentIds());
    // Read again after the wait, so a push that waited longer never sends an older count than
    // one that overtook it (an agent who came online meanwhile counts from their own event).
    const ids = deps.presence.onlineAgentIds();
    const now = new Map<string, number>();
    const texts = new Map<string, string | null>();
    for (const c of registry.allVisitorConns()) {
      let text = texts.get(c.siteId);
      if (text === undefined) {
        const online = projection.countAgentsOn(ids, c.siteId);
        now.set(c.siteId, online);
        text = lastOnline.get(c.siteId) === online
          ? null
          : JSON.stringify({ type: "agents", online } satisfies VisitorServerFrame);
        texts.set(c.siteId, text);
      }
      if (text !== null) c.peer.send(text);
    }
    lastOnline = now;
  };
  /**
   * Tells a conversation's visitor sockets what they see of it when that changed (status,
   * assignee and whether they are online, their read marker, the agents' read marker that shows
   * "Seen", the resolution point, rating, a new conversation), not on every message: each message
   * reaches them anyway.
   */
  const showToVisitors = async (summary: ConversationSummary, visitors: VisitorConn[]) => {
    const conversation = await projection.visitorConversation(summary);
    const { lastSeq: _, ...visible } = conversation;
    const seen = JSON.stringify(visible);
    let text: string | null = null;
    for (const c of visitors) {
      if (shownToVisitor.get(c) === seen) continue;
      shownToVisitor.set(c, seen);
      c.peer.send(text ??= JSON.stringify({ type: "conversation", conversation }));
    }
  };
  /**
   * An agent's presence changed: the visitors here whose open conversation they answer see the
   * assignee's status in their header, so they get the conversation again. Presence changes are
   * rare, so one query for the agent's open conversations is cheap.
   */
  const pushAssigneePresence = async (agentId: string) => {
    if (registry.visitors.size === 0) return;
    const open = await projection.openConversationsOf(agentId);
    for (const summary of open) {
      const visitors = [...registry.visitorConns(summary.visitorId)];
      if (visitors.length > 0) await showToVisitors(summary, visitors);
    }
  };
  const sendMessage = (visitorId: string, message: Message, to: Audience, repeat = false) => {
    const text = JSON.stringify({ type: "message", message } satisfies AgentServerFrame);
    let sent = 0;
    for (const c of registry.allAgentConns()) {
      if (!to(c)) continue;
      c.peer.send(text);
      sent++;
    }
    if (!message.note) {
      for (const c of registry.visitorConns(visitorId)) {
        // A new message tells the visitor's tabs which conversation is current (another tab may
        // have opened it); a repeat may be a resend's from a conversation left since.
        if (!repeat) c.conversationId = message.conversationId;
        c.peer.send(text);
        sent++;
      }
    }
    if (sent > 0) deps.messagesRelayed?.inc({}, sent);
  };
  const order = new DeliveryOrder({
    async fill(conversationId, afterSeq, beforeSeq) {
      const visitorId = await projection.visitorOf(conversationId);
      const to = await audience(() => projection.siteOf(conversationId));
      const messages = await projection.messagesBetween(conversationId, afterSeq, beforeSeq);
      return messages.map((m) => ({ seq: m.seq, deliver: () => sendMessage(visitorId, m, to) }));
    },
    onError: (err) => log.warn("filling a gap in messages failed", { err: String(err) }),
  });

  async function handle(e: BusEvent): Promise<void> {
    switch (e.kind) {
      case "message": {
        const visitors = e.note ? undefined : registry.visitors.get(e.visitorId);
        // Nobody here to tell: still keep the order, without reading the message.
        if (!agentsHere() && !visitors) return order.offer(e.conversationId, e.seq, () => {});
        const message = e.message ?? await projection.message(e.conversationId, e.seq);
        if (!message) return;
        const to = await audience(() => projection.siteOf(e.conversationId));
        order.offer(
          e.conversationId,
          e.seq,
          (repeat) => sendMessage(e.visitorId, message, to, repeat),
        );
        return;
      }
      case "conversation": {
        // The newest event queued for this conversation (see the subscription below).
        const latest = refreshing.get(e.conversationId) ?? e;
        refreshing.delete(e.conversationId);
        const visitors = [...registry.visitorConns(e.visitorId)];
        if (!agentsHere() && visitors.length === 0) return;
        const summary = latest.summary ?? await projection.summary(e.conversationId);
        if (!summary) return;
        toAgents({ type: "conversation", conversation: summary }, onSite(summary.siteId));
        if (visitors.length === 0) return;
        await showToVisitors(summary, visitors);
        return;
      }
      case "typing": {
        const to = agentsHere()
          ? await audience(() => projection.siteOf(e.conversationId))
          : UNLIMITED;
        if (e.author === "visitor") {
          toAgents({
            type: "typing",
            conversationId: e.conversationId,
            author: "visitor",
            agentId: null,
            name: e.name || await projection.visitorName(e.visitorId),
            active: e.active,
            ...(e.preview !== undefined ? { preview: e.preview } : {}),
          }, to);
        } else {
          toVisitor(e.visitorId, { type: "typing", active: e.active, name: e.name });
          // The typing agent's own tabs are not told.
          toAgents(
            {
              type: "typing",
              conversationId: e.conversationId,
              author: "agent",
              agentId: e.agentId,
              name: e.name,
              active: e.active,
            },
            to,
            e.agentId ?? undefined,
          );
        }
        return;
      }
      case "agent": {
        // Read when anyone here needs the agent: agents get the frame, and the count visitors
        // see depends on the agent's sites.
        if (!agentsHere() && registry.visitors.size === 0) {
          projection.agentChanged(e.agentId, null);
          return;
        }
        const agent = await projection.agent(e.agentId);
        projection.agentChanged(e.agentId, agent);
        if (agent) {
          // An admin may have changed the agent's sites (or role): their open sockets apply
          // the new limit from the next frame on, on whichever instance they are.
          for (const c of registry.agentConns(e.agentId)) c.sites = siteLimit(agent);
          toAgents({ type: "agent", agent }, EVERYONE);
        }
        await pushAgentsOnline();
        await pushAssigneePresence(e.agentId);
        return;
      }
      case "visitor": {
        if (!agentsHere()) return;
        const visitor = await projection.visitorInfo(e.visitorId);
        if (visitor) toAgents({ type: "visitor", visitor }, onSite(visitor.siteId));
        return;
      }
      case "attributes": {
        // Only the keys that changed, with their values as stored now: the whole visitor on
        // every update would cost agents its full size each time.
        if (!agentsHere()) return;
        const attributes = await projection.visitorAttributes(e.visitorId, e.keys);
        if (attributes && Object.keys(attributes).length > 0) {
          const to = await audience(() => projection.visitorSite(e.visitorId));
          toAgents({ type: "visitor_attributes", visitorId: e.visitorId, attributes }, to);
        }
        return;
      }
      case "identity": {
        if (!registry.visitors.has(e.visitorId)) return;
        const identity = await projection.identity(e.visitorId);
        if (identity) toVisitor(e.visitorId, { type: "identity", ...identity });
        return;
      }
      case "visitor_erased": {
        // Nothing is read: the visitor and their conversations are gone from the store.
        for (const c of [...registry.visitorConns(e.visitorId)]) {
          c.peer.close(CloseCode.VisitorErased, "Visitor erased");
        }
        toAgents({ type: "visitor_erased", visitorId: e.visitorId }, onSite(e.siteId));
        return;
      }
      case "labels": {
        if (!agentsHere()) return;
        toAgents({ type: "labels", labels: await projection.labels() }, EVERYONE);
        return;
      }
      case "session_revoked": {
        for (const c of registry.agentConns(e.agentId)) {
          if (c.sessionHash !== e.keepSession) {
            c.peer.close(CloseCode.Unauthorized, "Session revoked");
          }
        }
        return;
      }
    }
  }

  function keyOf(e: BusEvent): string {
    switch (e.kind) {
      case "message":
      case "conversation":
      case "typing":
        return e.conversationId;
      case "agent":
      case "session_revoked":
        return `agent:${e.agentId}`;
      case "visitor":
      case "attributes":
      case "identity":
      case "visitor_erased":
        return `visitor:${e.visitorId}`;
      case "labels":
        return "labels";
      case "fallback_relay":
        return "fallback";
    }
  }

  const unsubscribe = bus.subscribe((e) => {
    // The relay of fallback posts (core/fallback/streams.ts) rings for its own reader only.
    if (e.kind === "fallback_relay") return;
    if (e.kind === "conversation") {
      // One queued refresh per conversation: it uses the newest event's summary, or reads the
      // state as of when it runs.
      const queued = refreshing.has(e.conversationId);
      refreshing.set(e.conversationId, e);
      if (queued) return;
    }
    const key = keyOf(e);
    const run = (chains.get(key) ?? Promise.resolve()).then(() => handle(e)).catch((err) =>
      log.warn("fan-out failed", { kind: e.kind, err: String(err) })
    );
    chains.set(key, run);
    run.finally(() => {
      if (chains.get(key) === run) chains.delete(key);
    });
  });
  return {
    delivered: (conversationId, seq) => order.reached(conversationId, seq),
    async settled() {
      // A chain may grow while we wait: wait again until none is left.
      while (chains.size > 0) await Promise.all(chains.values());
    },
    stop: unsubscribe,
  };
}
