/**
 * Coalesces typing notices so a burst of them does not reach every agent frame for frame. The
 * widget throttles its previews to one per 1.5 s, but nothing makes a client do so: 60 frames in
 * a burst were 60 frames to each agent (on each instance, through the bus). Per conversation and
 * typist, at most one notice is published per window: the first at once, the rest of the window
 * folded into one that carries the latest text and is published when the window ends, so the
 * last text typed always arrives. A stop (`active: false`) is never delayed: it drops the pending
 * notice, which it supersedes.
 *
 * @module
 */

import { type Clock, systemClock, type TimerId } from "../../protocol/client/clock.ts";

/** Window of {@link TypingCoalescer} by default: short enough that a preview still looks live. */
export const TYPING_COALESCE_MS = 250;

interface Slot {
  /** Ends the current window. */
  timer: TimerId;
  /** The latest notice offered during the window, published when it ends. */
  pending: (() => Promise<void>) | null;
}

/** Per-key leading and trailing throttle of publishes (see the module doc). */
export class TypingCoalescer {
  #slots = new Map<string, Slot>();

  /** Creates a coalescer; `onError` hears of a deferred publish that failed. */
  constructor(
    private readonly onError: (err: unknown) => void,
    private readonly windowMs = TYPING_COALESCE_MS,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Publishes now when `key` has no open window (and opens one); otherwise keeps `publish` as the
   * key's pending notice, replacing an older one, for the end of the window.
   */
  async offer(key: string, publish: () => Promise<void>): Promise<void> {
    const slot = this.#slots.get(key);
    if (slot) {
      slot.pending = publish;
      return;
    }
    this.#open(key);
    await publish();
  }

  /** Drops `key`'s pending notice and closes its window (a stop supersedes them). */
  cancel(key: string): void {
    const slot = this.#slots.get(key);
    if (!slot) return;
    this.clock.clearTimeout(slot.timer);
    this.#slots.delete(key);
  }

  /** Drops every pending notice and timer (the core is stopping). */
  stop(): void {
    for (const key of [...this.#slots.keys()]) this.cancel(key);
  }

  /** Keys with an open window (for tests). */
  get size(): number {
    return this.#slots.size;
  }

  #open(key: string): void {
    const slot: Slot = {
      timer: this.clock.setTimeout(() => this.#close(key), this.windowMs),
      pending: null,
    };
    this.#slots.set(key, slot);
  }

  /** A window ended: its pending notice goes out and opens the next window; else the key is done. */
  #close(key: string): void {
    const pending = this.#slots.get(key)?.pending;
    this.#slots.delete(key);
    if (!pending) return;
    this.#open(key);
    pending().catch(this.onError);
  }
}
