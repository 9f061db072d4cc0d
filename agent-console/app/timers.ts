/**
 * Timer functions the model uses, injectable so tests control time.
 *
 * @module
 */

/** `setTimeout`/`clearTimeout` with numeric handles. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

/** The platform timers. */
export const defaultTimers: Timers = {
  // Deno and browsers both return a number; the cast only narrows the DOM/Node union type.
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as number,
  clearTimeout: (id) => clearTimeout(id),
};
