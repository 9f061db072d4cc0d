/**
 * Sends only the latest of quick successive changes, one request at a time: a native select
 * stepped with the arrow keys fires a change per step, and parallel requests can land out of
 * order, leaving the server on a step the agent went past. While one request runs, later values
 * wait; when it settles, only the newest waiting value is sent.
 *
 * @module
 */

/** A sender of the latest value; `send` never rejects (failures go to `onError`). */
export interface LatestOnly<T> {
  send(value: T): void;
}

/** Wraps `request` so that at most one runs and only the newest pending value follows it. */
export function latestOnly<T>(
  request: (value: T) => Promise<unknown>,
  onError: (err: unknown) => void,
): LatestOnly<T> {
  let running = false;
  let pending: { value: T } | null = null;
  const run = (value: T) => {
    running = true;
    request(value).catch(onError).finally(() => {
      running = false;
      const next = pending;
      pending = null;
      if (next) run(next.value);
    });
  };
  return {
    send(value) {
      if (running) pending = { value };
      else run(value);
    },
  };
}
