/**
 * Time as the browser clients see it, behind one small interface so tests drive it by hand
 * (`testing/clock.ts`).
 *
 * @module
 */

/** A timer handle (a number in browsers). */
export type TimerId = ReturnType<typeof setTimeout>;

/** Timers and time; tests pass a manual clock. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId | undefined): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};
