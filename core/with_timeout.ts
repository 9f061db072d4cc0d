/**
 * A promise bounded in time, for reads that must answer quickly or not at all (probes, scrapes).
 *
 * @module
 */

/** `p`, or a rejection with "timed out" once `ms` passed first; the timer never outlives it. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
