/**
 * Who is typing where, with expiry: an indicator disappears when its author says so or after
 * `ttlMs` without a refresh (a closed tab never sends "stopped typing").
 *
 * @module
 */

import { type ReadonlySignal, signal } from "@preact/signals";
import { setMap } from "./signal_map.ts";
import type { Clock as Timers, TimerId } from "../../protocol/client/clock.ts";

/** Typing in one conversation. */
export interface TypingState {
  /** The visitor, with what they have typed so far when the server sends a preview. */
  visitor: { name: string; preview: string } | null;
  /** Other agents typing a reply. */
  agents: readonly { agentId: string; name: string }[];
}

/** One typing report. */
export interface TypingUpdate {
  kind: "visitor" | "agent";
  agentId?: string | null;
  name?: string;
  active: boolean;
  preview?: string;
}

/** The typing store used by the console model. */
export interface TypingStore {
  /** Typing per conversation id; conversations nobody types in are absent. */
  readonly state: ReadonlySignal<ReadonlyMap<string, TypingState>>;
  /** Applies a report and (re)arms its expiry. */
  set(conversationId: string, update: TypingUpdate): void;
  /** Forgets everything and cancels the timers (reconnect, dispose). */
  clear(): void;
}

/** Creates a typing store whose entries expire after `ttlMs`. */
export function createTyping(opts: { timers: Timers; ttlMs: number }): TypingStore {
  const state = signal<ReadonlyMap<string, TypingState>>(new Map());
  const expiries = new Map<string, TimerId>();

  function write(conversationId: string, fn: (prev: TypingState) => TypingState) {
    const prev = state.value.get(conversationId) ?? { visitor: null, agents: [] };
    const next = fn(prev);
    if (next === prev) return;
    setMap(
      state,
      conversationId,
      next.visitor === null && next.agents.length === 0 ? undefined : next,
    );
  }

  function remove(conversationId: string, kind: "visitor" | "agent", agentId: string | null) {
    const key = `${conversationId}\n${kind}\n${agentId ?? ""}`;
    const t = expiries.get(key);
    if (t !== undefined) opts.timers.clearTimeout(t);
    expiries.delete(key);
    write(conversationId, (prev) => {
      if (kind === "visitor") return prev.visitor === null ? prev : { ...prev, visitor: null };
      if (!prev.agents.some((a) => a.agentId === agentId)) return prev;
      return { ...prev, agents: prev.agents.filter((a) => a.agentId !== agentId) };
    });
  }

  return {
    state,
    set(conversationId, u) {
      const agentId = u.kind === "agent" ? u.agentId ?? "" : null;
      if (!u.active) {
        remove(conversationId, u.kind, agentId);
        return;
      }
      const key = `${conversationId}\n${u.kind}\n${agentId ?? ""}`;
      const old = expiries.get(key);
      if (old !== undefined) opts.timers.clearTimeout(old);
      expiries.set(
        key,
        opts.timers.setTimeout(() => {
          expiries.delete(key);
          remove(conversationId, u.kind, agentId);
        }, opts.ttlMs),
      );
      const name = u.name ?? "";
      write(conversationId, (prev) => {
        if (u.kind === "visitor") {
          // Keep the last preview when a refresh carries none (the server may throttle them).
          const preview = u.preview ?? prev.visitor?.preview ?? "";
          return { ...prev, visitor: { name, preview } };
        }
        const others = prev.agents.filter((a) => a.agentId !== agentId);
        return { ...prev, agents: [...others, { agentId: agentId ?? "", name }] };
      });
    },
    clear() {
      for (const t of expiries.values()) opts.timers.clearTimeout(t);
      expiries.clear();
      if (state.value.size > 0) state.value = new Map();
    },
  };
}
