/**
 * A clock whose time moves only when a test says so: the one fake clock of the widget's, the
 * console's and the kernel's tests. Never bundled.
 *
 * @module
 */

import type { Clock, TimerId } from "../clock.ts";

/** A clock whose time moves only when a test calls `advance`. */
export interface ManualClock extends Clock {
  /** Moves time forward, firing due timers in order (each sees `now()` at its due time). */
  advance(ms: number): void;
  /** How many timers are still scheduled. */
  pending(): number;
}

/** Creates a {@link ManualClock} starting at `start` ms. */
export function manualClock(start = 1_700_000_000_000): ManualClock {
  let now = start;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = next++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return id as unknown as TimerId; // a number, like a browser's timer id
    },
    clearTimeout(id) {
      timers.delete(id as unknown as number);
    },
    advance(ms) {
      const end = now + ms;
      while (true) {
        let due: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
        }
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
    pending: () => timers.size,
  };
}
