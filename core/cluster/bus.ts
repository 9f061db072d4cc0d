/**
 * The cross-instance event bus: the one seam through which every real-time event reaches
 * sockets. Events are small doorbells (ids and seqs); a receiver that lacks the data reads it
 * from the store, so a lost event never loses a message. `createLocalBus` is the in-process
 * implementation; `core/pg_bus.ts` carries the same events over Postgres LISTEN/NOTIFY.
 *
 * @module
 */

import type { ConversationSummary, Message } from "../../protocol/frames.ts";

/** Everything that fans out to sockets. */
export type BusEvent =
  | {
    kind: "message";
    conversationId: string;
    visitorId: string;
    seq: number;
    note: boolean;
    /** Present in-process only; remote receivers read the message by (conversationId, seq). */
    message?: Message;
  }
  | {
    kind: "conversation";
    conversationId: string;
    visitorId: string;
    /** Present in-process only (after a visitor message); otherwise receivers read it. */
    summary?: ConversationSummary;
  }
  | {
    kind: "typing";
    conversationId: string;
    visitorId: string;
    author: "visitor" | "agent";
    agentId: string | null;
    name: string;
    active: boolean;
    preview?: string;
  }
  | { kind: "agent"; agentId: string }
  | { kind: "visitor"; visitorId: string }
  | {
    kind: "attributes";
    visitorId: string;
    /** The keys that changed; null when too many to ring with (receivers send them all). */
    keys: string[] | null;
  }
  | { kind: "identity"; visitorId: string }
  /** The admins changed the labels: consoles get the list again. */
  | { kind: "labels" }
  /** The visitor was erased: close their sockets, and consoles drop their conversations. */
  | { kind: "visitor_erased"; visitorId: string; siteId: string }
  /**
   * The agent's sessions were ended: close their console sockets, except those of the session
   * stored under `keepSession` (the one that changed the password).
   */
  | { kind: "session_revoked"; agentId: string; keepSession?: string }
  /**
   * Posts of HTTP fallback frames wait in `fallback_relay` for the instance holding their
   * streams (`core/fallback/streams.ts`): it reads them. Nothing fans out to sockets.
   */
  | { kind: "fallback_relay"; instanceId: string };

/** Receives events published by any instance, including this one. */
export type BusListener = (event: BusEvent) => void;

/** Publishes events to every instance. */
export interface Bus {
  /** Publishes an event; resolves once it is handed to the transport. */
  publish(event: BusEvent): Promise<void>;
  /** Adds a listener; returns a function that removes it. */
  subscribe(listener: BusListener): () => void;
  /** Called with no argument when the transport reconnects and events may have been missed. */
  onResync(listener: () => void): () => void;
  /** Stops delivering events. */
  close(): Promise<void>;
}

/** An in-process bus: delivery is synchronous-ish (next microtask) and never lost. */
export function createLocalBus(): Bus {
  const listeners = new Set<BusListener>();
  return {
    publish(event) {
      for (const l of listeners) queueMicrotask(() => l(event));
      return Promise.resolve();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onResync() {
      return () => {};
    },
    close() {
      listeners.clear();
      return Promise.resolve();
    },
  };
}
