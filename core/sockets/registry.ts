/**
 * The sockets connected to this instance, indexed by visitor and agent. Per-socket state is kept
 * deliberately small: idle sockets dominate memory at scale.
 *
 * @module
 */

import type { Peer } from "./peer.ts";
import type { TokenBucket } from "../rate_limit.ts";

/** State shared by every connection. */
interface ConnBase {
  peer: Peer;
  /** Time (ms) of the last frame received. */
  lastSeen: number;
  /** Time (ms) the last ping was sent, 0 when none is outstanding. */
  pingedAt: number;
  /** Conversation the peer is typing in, or null. */
  typingIn: string | null;
  /** Time (ms) of the last typing frame with `active: true`. */
  typingAt: number;
  /** Limits all frames (floods of pings or typing). */
  frames: TokenBucket;
}

/** A visitor's socket. `visitorId` is empty until `hello` succeeds. */
export interface VisitorConn extends ConnBase {
  kind: "visitor";
  visitorId: string;
  siteId: string;
  ip: string;
  /** The visitor's current conversation as far as this socket knows. */
  conversationId: string | null;
  /** Limits message frames; made on the first message (most widget sockets never send one). */
  messages: TokenBucket | null;
}

/** An agent's socket (one per console tab). */
export interface AgentConn extends ConnBase {
  kind: "agent";
  agentId: string;
  agentName: string;
  /** The hash of the session that opened the socket, re-checked while it stays open. */
  sessionHash: string;
  /**
   * The sites this agent may see (`core/chat/site_access.ts`; empty: every site). Set at connect
   * and replaced when the agent's record changes (an `agent` event), without a reconnect.
   */
  sites: string[];
  /** Limits message frames. */
  messages: TokenBucket;
}

/** Any connection. */
export type Conn = VisitorConn | AgentConn;

/** Indexes the connections of this instance. */
export class Registry {
  // Arrays, not sets: nearly every visitor has one socket, and a one-element array costs a
  // fraction of an empty Set's hash table.
  /** The sockets of each visitor that said hello (usually one). */
  readonly visitors = new Map<string, VisitorConn[]>();
  /** The sockets of each agent (one per console tab). */
  readonly agents = new Map<string, AgentConn[]>();
  readonly all = new Set<Conn>();

  /**
   * Registers a connection (a visitor once its `visitorId` is known); returns true when it is the
   * first one of its visitor or agent.
   */
  add(conn: Conn): boolean {
    this.all.add(conn);
    if (conn.kind === "visitor") {
      return conn.visitorId ? addTo(this.visitors, conn.visitorId, conn) : false;
    }
    return addTo(this.agents, conn.agentId, conn);
  }

  /** Forgets a connection; returns true when it was the last one of its visitor or agent. */
  remove(conn: Conn): boolean {
    this.all.delete(conn);
    if (conn.kind === "visitor") {
      return conn.visitorId ? removeFrom(this.visitors, conn.visitorId, conn) : false;
    }
    return removeFrom(this.agents, conn.agentId, conn);
  }

  /** The sockets of one visitor (all tabs). */
  visitorConns(visitorId: string): Iterable<VisitorConn> {
    return this.visitors.get(visitorId) ?? [];
  }

  /** The sockets of one agent (all tabs). */
  agentConns(agentId: string): Iterable<AgentConn> {
    return this.agents.get(agentId) ?? [];
  }

  /** Every agent socket. */
  *allAgentConns(): Iterable<AgentConn> {
    for (const list of this.agents.values()) yield* list;
  }

  /**
   * Whether an agent socket here is limited to some sites: only then does the fan-out need each
   * event's site, so the common case (nobody limited) reads nothing more.
   */
  anyLimitedAgent(): boolean {
    for (const c of this.allAgentConns()) if (c.sites.length > 0) return true;
    return false;
  }

  /** Every visitor socket that said hello. */
  *allVisitorConns(): Iterable<VisitorConn> {
    for (const list of this.visitors.values()) yield* list;
  }
}

/** Adds `value` under `key`; true when it is the key's first (lists are removed when empty). */
function addTo<T>(map: Map<string, T[]>, key: string, value: T): boolean {
  const list = map.get(key);
  if (list) {
    if (!list.includes(value)) list.push(value);
    return false;
  }
  map.set(key, [value]);
  return true;
}

function removeFrom<T>(map: Map<string, T[]>, key: string, value: T): boolean {
  const list = map.get(key);
  const i = list ? list.indexOf(value) : -1;
  if (!list || i < 0) return false;
  list.splice(i, 1);
  if (list.length > 0) return false;
  map.delete(key);
  return true;
}
