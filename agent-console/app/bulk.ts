/**
 * Bulk actions on inbox rows (issue 17): which rows the agent ticked, and the sentence that
 * reports what `POST /api/conversations/bulk` did. "Ticked" rather than "selected": the model's
 * `selectedId` is the conversation on screen. Pure but for one signal, so unit tests drive it.
 *
 * @module
 */

import { type ReadonlySignal, signal } from "@preact/signals";

/** The ticked rows, and how clicks and keys change them. */
export interface BulkSelection {
  readonly ids: ReadonlySignal<ReadonlySet<string>>;
  /**
   * Ticks or unticks `id`. With `range` (shift-click), every row of `order` between the last one
   * clicked and `id` takes `id`'s new state.
   */
  toggle(id: string, order: readonly string[], range?: boolean): void;
  /** Ticks every row of `order` (the view), or unticks them all. */
  all(order: readonly string[], on: boolean): void;
  /** Keeps only the ticked rows among `ids` (rows that left the view drop out). */
  keep(ids: readonly string[]): void;
  /** Unticks everything. */
  clear(): void;
}

/** Creates an empty selection. */
export function createBulkSelection(): BulkSelection {
  const ids = signal<ReadonlySet<string>>(new Set());
  let anchor: string | null = null;
  return {
    ids,
    toggle(id, order, range = false) {
      const next = new Set(ids.value);
      const on = !next.has(id);
      const from = range && anchor !== null ? order.indexOf(anchor) : -1;
      const to = order.indexOf(id);
      const span = from < 0 || to < 0
        ? [id]
        : order.slice(Math.min(from, to), Math.max(from, to) + 1);
      for (const x of span) on ? next.add(x) : next.delete(x);
      anchor = id;
      ids.value = next;
    },
    all(order, on) {
      ids.value = new Set(on ? order : []);
    },
    keep(keep) {
      const next = new Set(keep.filter((x) => ids.value.has(x)));
      if (next.size !== ids.value.size) ids.value = next;
    },
    clear() {
      anchor = null;
      if (ids.value.size > 0) ids.value = new Set();
    },
  };
}

/** What a bulk request does (the body of `POST /api/conversations/bulk` but the ids). */
export type BulkRequest =
  | { action: "assign"; agentId: string | null }
  | { action: "label" | "unlabel"; labelId: string }
  | { action: "resolve" };

/** One conversation's outcome: `error` is the server's message, null when it worked. */
export interface BulkOutcome {
  id: string;
  error: string | null;
}

const n = (count: number) => `${count} conversation${count === 1 ? "" : "s"}`;

/**
 * The notices reporting `outcomes` ("3 conversations resolved", "1 could not be changed: …");
 * `done` says what happened to those that worked ("resolved", "assigned to Bea").
 */
export function bulkNotices(
  outcomes: readonly BulkOutcome[],
  done: string,
): { text: string; tone: "info" | "error" }[] {
  const failed = outcomes.filter((o) => o.error !== null);
  const ok = outcomes.length - failed.length;
  return [
    ...(ok > 0 ? [{ text: `${n(ok)} ${done}`, tone: "info" as const }] : []),
    ...(failed.length > 0
      ? [{
        text: `${failed.length} could not be changed: ${failed[0].error}`,
        tone: "error" as const,
      }]
      : []),
  ];
}
