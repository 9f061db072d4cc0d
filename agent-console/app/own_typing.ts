/**
 * This agent's own typing announcements: `typing active` at most every
 * {@link AGENT_TYPING_REFRESH_MS} while the composer changes, `typing inactive` after
 * {@link AGENT_TYPING_IDLE_MS} of quiet, on send, on leaving the conversation, and never for notes.
 *
 * @module
 */

import type { AgentClientFrame } from "../../protocol/frames.ts";
import { AGENT_TYPING_IDLE_MS, AGENT_TYPING_REFRESH_MS } from "../../protocol/timing.ts";
import type { Clock as Timers, TimerId } from "../../protocol/client/clock.ts";

/** Outgoing typing state for every conversation. */
export interface OwnTyping {
  /** The composer of `conversationId` changed; `announce` is false for notes and empty text. */
  input(conversationId: string, announce: boolean): void;
  /** Says "stopped typing" in `conversationId` if we said we were typing. */
  stop(conversationId: string): void;
  /** Forgets everything without sending (reconnect, dispose). */
  clear(): void;
}

/** Creates the outgoing typing tracker. */
export function createOwnTyping(
  deps: { send(frame: AgentClientFrame): boolean; timers: Timers; now(): number },
): OwnTyping {
  const active = new Map<string, { sentAt: number; idle: TimerId }>();

  function stop(conversationId: string) {
    const t = active.get(conversationId);
    if (!t) return;
    deps.timers.clearTimeout(t.idle);
    active.delete(conversationId);
    deps.send({ type: "typing", conversationId, active: false });
  }

  return {
    input(conversationId, announce) {
      if (!announce) {
        stop(conversationId);
        return;
      }
      const t = active.get(conversationId);
      const at = deps.now();
      if (t) deps.timers.clearTimeout(t.idle);
      const idle = deps.timers.setTimeout(() => stop(conversationId), AGENT_TYPING_IDLE_MS);
      if (!t || at - t.sentAt >= AGENT_TYPING_REFRESH_MS) {
        deps.send({ type: "typing", conversationId, active: true });
        active.set(conversationId, { sentAt: at, idle });
      } else {
        active.set(conversationId, { sentAt: t.sentAt, idle });
      }
    },
    stop,
    clear() {
      for (const t of active.values()) deps.timers.clearTimeout(t.idle);
      active.clear();
    },
  };
}
