/**
 * Transient messages shown to the agent (a lost accept race, a refused message): the last four
 * are kept, and each hides itself after a few seconds, errors a little later than information.
 *
 * @module
 */

import { type ReadonlySignal, signal } from "@preact/signals";
import type { Clock as Timers, TimerId } from "../../protocol/client/clock.ts";

/** A transient message shown to the agent. */
export interface Notice {
  id: number;
  tone: "info" | "error";
  text: string;
}

/** The notices on screen and how to add or hide them. */
export interface Notices {
  readonly list: ReadonlySignal<readonly Notice[]>;
  /** Shows a notice (`error` by default). */
  show(text: string, tone?: Notice["tone"]): void;
  /** Hides a notice now. */
  dismiss(id: number): void;
  /** Cancels the pending hide timers. */
  dispose(): void;
}

/** Creates the notice list. */
export function createNotices(timers: Timers): Notices {
  const list = signal<readonly Notice[]>([]);
  const pending = new Set<TimerId>();
  let seq = 0;
  const dismiss = (id: number) => {
    list.value = list.value.filter((n) => n.id !== id);
  };
  return {
    list,
    show(text, tone = "error") {
      const id = ++seq;
      list.value = [...list.value.slice(-3), { id, tone, text }];
      const t = timers.setTimeout(() => {
        pending.delete(t);
        dismiss(id);
      }, tone === "error" ? 8000 : 5000);
      pending.add(t);
    },
    dismiss,
    dispose() {
      for (const t of pending) timers.clearTimeout(t);
      pending.clear();
    },
  };
}
