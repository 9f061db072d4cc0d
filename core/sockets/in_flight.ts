/**
 * Counts operations in progress so a graceful shutdown can wait for in-flight writes.
 *
 * @module
 */

/** A counter of running operations with a way to wait until none run. */
export class InFlight {
  #count = 0;
  #waiters: (() => void)[] = [];

  /** Runs `fn`, counting it as in flight until it settles. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.#count++;
    try {
      return await fn();
    } finally {
      if (--this.#count === 0) { for (const w of this.#waiters.splice(0)) w(); }
    }
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`; true when it drained. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
