/**
 * The loop every "work that falls due" runner shares (snooze wake-ups, missed-reply emails, S3
 * deletions): work one batch; a full batch means more is due, so go on at once; otherwise sleep
 * until the next item is due, at most `pollMs` (other instances add work this one is not told
 * of), unless woken meanwhile. A failed look is logged by the runner and tried again after
 * `pollMs`. Stopping wakes the sleep and waits for the batch in progress.
 *
 * @module
 */

/** What a runner plugs into the loop. */
export interface DueWork {
  /** Works the items due now (one batch); returns how many it took. */
  runOnce(): Promise<number>;
  /** Milliseconds until the next item falls due, or null when nothing is waiting. */
  msUntilNextDue(): Promise<number | null>;
  /** A look that threw (it is tried again after `pollMs`). */
  failed(err: unknown): void;
  /** The longest sleep between two looks. */
  pollMs: number;
  /** A batch this large means more is due. */
  batch: number;
}

/**
 * The shortest sleep before the next due item: the database's clock and ours may disagree by a
 * little, and looking early finds nothing due.
 */
const MIN_SLEEP_MS = 20;

/** One runner's loop (see the module comment). */
export class DueLoop {
  readonly #work: DueWork;
  #running: Promise<void> | null = null;
  #stopped = false;
  /** Woken while looking: look again instead of sleeping. */
  #woken = false;
  #wakeSleeper: (() => void) | null = null;
  /** When the current sleep ends (ms since the epoch; 0 when not sleeping). */
  #sleepingUntil = 0;

  /** A loop over `work`, stopped until {@link start}. */
  constructor(work: DueWork) {
    this.#work = work;
  }

  /** Whether {@link stop} was called: a batch in progress should stop taking items. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Whether it is sleeping between two looks now. */
  get asleep(): boolean {
    return this.#sleepingUntil > 0;
  }

  /** Starts looking (once). */
  start(): void {
    this.#running ??= this.#loop();
  }

  /** Looks again now: new work was added here. */
  wake(): void {
    this.#woken = true;
    this.#wakeSleeper?.();
  }

  /** Looks again by `at` (ms since the epoch) if the current sleep would last past it. */
  wakeBy(at: number): void {
    if (at < this.#sleepingUntil) this.#wakeSleeper?.();
  }

  /** Stops; the batch in progress finishes. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.wake();
    await this.#running;
  }

  async #loop(): Promise<void> {
    const w = this.#work;
    while (!this.#stopped) {
      this.#woken = false;
      let wait = w.pollMs;
      try {
        if (await w.runOnce() >= w.batch) continue;
        const due = await w.msUntilNextDue();
        if (due !== null) wait = Math.min(wait, Math.max(due, MIN_SLEEP_MS));
      } catch (err) {
        w.failed(err);
      }
      if (!this.#woken) await this.#sleep(wait);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeSleeper = null;
        this.#sleepingUntil = 0;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleepingUntil = Date.now() + ms;
      this.#wakeSleeper = done;
    });
  }
}
