/**
 * Group commit (and grouped reads): calls made while the database is busy are queued and sent
 * together as one statement when a slot frees up. An idle database gets each call at once (after
 * the current microtask, so calls made in the same turn share a statement); a busy one gets
 * bigger batches, which is what turns a per-statement cost into a per-batch cost.
 *
 * @module
 */

/** One item's outcome: its value, or the error for that item alone. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

/** Options of {@link Batcher}. */
export interface BatcherOptions {
  /** Batches running at once (1 for PGlite, a few for a Postgres pool). */
  maxInFlight: number;
  /** Largest batch. */
  maxBatch: number;
}

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs `run` on batches of submitted items. `run` returns one outcome per item, in order; if it
 * throws, every item of the batch fails with that error.
 */
export class Batcher<I, O> {
  #queue: Waiting<I, O>[] = [];
  #inFlight = 0;
  #scheduled = false;

  /** Creates a batcher. */
  constructor(
    private readonly run: (items: I[]) => Promise<Settled<O>[]>,
    private readonly opts: BatcherOptions,
  ) {}

  /** Queues one item; resolves with its result once its batch has run. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.#drain();
      });
    });
  }

  #drain(): void {
    while (this.#inFlight < this.opts.maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.opts.maxBatch);
      this.#inFlight++;
      this.run(batch.map((w) => w.item)).then(
        (results) => {
          batch.forEach((w, i) => {
            const r = results[i];
            if (r === undefined) w.reject(new Error("Batch returned too few results"));
            else if (r.ok) w.resolve(r.value);
            else w.reject(r.error);
          });
        },
        (err) => batch.forEach((w) => w.reject(err)),
      ).finally(() => {
        this.#inFlight--;
        this.#drain();
      });
    }
  }
}

/** Runs `fn` and captures its outcome. */
export async function settle<O>(fn: () => Promise<O>): Promise<Settled<O>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}
