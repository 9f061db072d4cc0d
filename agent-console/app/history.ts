/**
 * Loading conversation history over the socket: the first page when a conversation opens,
 * older pages on scroll, and catching up after a reconnect. Each `sync` carries a request id and
 * its `history` (or `error`) echoes it; a server too old to echo ids answers one socket's frames
 * in order, so an answer without an id is matched to the oldest outstanding sync of its
 * conversation.
 *
 * @module
 */

import type { Signal } from "@preact/signals";
import type { AgentCommand, AgentServerFrame } from "../../protocol/frames.ts";
import { MAX_HISTORY_PAGE } from "../../protocol/limits.ts";
import { mergeMessages } from "../../protocol/client/merge.ts";
import { EMPTY_THREAD, firstSeq, lastSeq, type Thread } from "./thread.ts";
import { setMap } from "./signal_map.ts";

/** Messages requested per history page. */
export const HISTORY_PAGE = 50;

type Kind = "latest" | "older" | "newer";

/** An outstanding `sync`: what it asked for, and its request id (null when it had none). */
interface Pending {
  kind: Kind;
  requestId: string | null;
}

/** History loading for the threads held in a signal. */
export interface HistoryLoader {
  /** Requests the latest page of `id` unless it is loaded or on its way. */
  ensure(id: string): void;
  /** Requests the page before the oldest loaded message. */
  loadOlder(id: string): void;
  /** After a reconnect: keeps only `keepId`'s thread and requests what it missed. */
  reset(keepId: string | null): void;
  /** Applies a `history` frame; returns false when no thread wants it. */
  receive(f: Extract<AgentServerFrame, { type: "history" }>): boolean;
  /**
   * The sync of `id` with `requestId` was refused (or, with no id, an error about `id` may have
   * answered a sync): stop showing it as loading.
   */
  failed(id: string, requestId?: string): void;
}

/** Creates the loader over `threads`. */
export function createHistoryLoader(
  deps: {
    threads: Signal<ReadonlyMap<string, Thread>>;
    /** Sends a command with a fresh request id; the id, or null when it was not sent. */
    command(f: AgentCommand): string | null;
  },
): HistoryLoader {
  const { threads } = deps;
  const pending = new Map<string, Pending[]>();

  function request(id: string, kind: Kind, window: { afterSeq?: number; beforeSeq?: number }) {
    const limit = kind === "newer" ? MAX_HISTORY_PAGE : HISTORY_PAGE;
    const requestId = deps.command({ type: "sync", conversationId: id, ...window, limit });
    if (requestId === null) return false;
    pending.set(id, [...pending.get(id) ?? [], { kind, requestId }]);
    return true;
  }

  /** Removes and returns the outstanding sync `requestId` answers (the oldest, without an id). */
  function take(id: string, requestId: string | undefined): Pending | undefined {
    const list = pending.get(id);
    if (!list) return undefined;
    const i = requestId === undefined ? 0 : list.findIndex((p) => p.requestId === requestId);
    return i === -1 ? undefined : list.splice(i, 1)[0];
  }

  function ensure(id: string) {
    const t = threads.value.get(id);
    if (t?.loaded || pending.get(id)?.some((p) => p.kind === "latest")) return;
    if (!t) setMap(threads, id, EMPTY_THREAD);
    request(id, "latest", {});
  }

  return {
    ensure,
    loadOlder(id) {
      const t = threads.value.get(id);
      if (!t || !t.loaded || !t.hasMore || t.loadingOlder) return;
      if (request(id, "older", { beforeSeq: firstSeq(t) })) {
        setMap(threads, id, { ...t, loadingOlder: true });
      }
    },
    reset(keepId) {
      pending.clear();
      const kept = keepId === null ? undefined : threads.value.get(keepId);
      threads.value = new Map(
        kept && keepId !== null ? [[keepId, { ...kept, loadingOlder: false }]] : [],
      );
      if (keepId === null) return;
      if (kept?.loaded) request(keepId, "newer", { afterSeq: lastSeq(kept) });
      else ensure(keepId);
    },
    receive(f) {
      const kind = take(f.conversationId, f.requestId)?.kind ?? "latest";
      const t = threads.value.get(f.conversationId);
      if (!t) return false;
      const next: Thread = { ...t, messages: mergeMessages(t.messages, f.messages), loaded: true };
      // For "newer" pages `hasMore` speaks of older messages, which we already know about.
      if (kind !== "newer") next.hasMore = f.hasMore;
      if (kind === "older") next.loadingOlder = false;
      setMap(threads, f.conversationId, next);
      const last = f.messages.at(-1);
      if (kind === "newer" && last && f.messages.length >= MAX_HISTORY_PAGE) {
        request(f.conversationId, "newer", { afterSeq: last.seq });
      }
      return true;
    },
    failed(id, requestId) {
      const t = threads.value.get(id);
      if (!t || (t.loaded && !t.loadingOlder)) return;
      if (!take(id, requestId) && requestId !== undefined) return;
      setMap(threads, id, { ...t, loaded: true, loadingOlder: false });
    },
  };
}
