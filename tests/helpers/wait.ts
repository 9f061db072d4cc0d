/**
 * Waiting on a condition instead of sleeping: tests poll what they can observe, with a deadline
 * generous enough for a machine busy with other work. A wait that succeeds ends as soon as the
 * condition holds, so the generosity costs nothing when the machine is idle.
 *
 * @module
 */

/**
 * How long a test waits for something the system should do on its own. Long, on purpose: on a
 * loaded two-core machine a server can stall for seconds, and a deadline only bounds a failure.
 */
export const PATIENCE_MS = 30_000;

/**
 * Resolves once `cond` returns true (it may be async), polling every `everyMs`; rejects after
 * `timeoutMs` with `what` in the message.
 */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = PATIENCE_MS, everyMs = 20 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
