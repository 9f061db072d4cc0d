/**
 * This agent's own typing announcements: `typing active` at most every
 * {@link TYPING_REFRESH_MS} while the composer changes, `typing inactive` after
 * {@link TYPING_IDLE_MS} of quiet, on send, on leaving the conversation, and never for notes.
 *
 * @module
 */

import type { AgentClientFrame } from "../../protocol/frames.ts";
import type { Timers } from "./timers.ts";

/** The composer re-announces typing at most this often. */
export const TYPING_REFRESH_MS = 3000;
/** The composer announces "stopped typing" after this much idle time. */
export const TYPING_IDLE_MS = 4000;

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
  const active = new Map<string, { sentAt: number; idle: number }>();

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
      const idle = deps.timers.setTimeout(() => stop(conversationId), TYPING_IDLE_MS);
      if (!t || at - t.sentAt >= TYPING_REFRESH_MS) {
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
