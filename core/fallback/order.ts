/**
 * The order of a fallback stream's inbound frames (docs/protocol.md, "HTTP fallback"). The
 * client numbers every frame it posts from 0; a post carries the index of its first frame. A
 * post may be retried (its answer was lost) or overtake an earlier one (two connections, or one
 * relayed through another instance while the next comes straight here), so the stream applies
 * frame `i` only when `i` is the next index expected, drops an index already applied, and holds
 * one from further ahead until the gap before it fills.
 *
 * @module
 */

/** Frames held ahead of a gap, at most; a stream that needs more is closed (1008). */
export const MAX_HELD_FRAMES = 64;

/** What {@link FrameOrder.accept} decided for one post. */
export interface Accepted {
  /** The frames to apply now, in index order. */
  apply: string[];
  /** More than {@link MAX_HELD_FRAMES} would be held: the stream should be closed. */
  overflow: boolean;
}

/** The inbound order of one stream. */
export class FrameOrder {
  /** The index of the next frame to apply. */
  next = 0;
  readonly #held = new Map<number, string>();

  constructor(readonly maxHeld = MAX_HELD_FRAMES) {}

  /** How many frames wait for a gap to fill. */
  get held(): number {
    return this.#held.size;
  }

  /**
   * Takes the frames of one post, the first at index `n`. Returns those that may be applied now
   * (this post's and any held ones it unblocks), in order; indexes already applied are dropped.
   * On overflow nothing of this post is held and `apply` holds what was ready before it.
   */
  accept(n: number, frames: readonly string[]): Accepted {
    const apply: string[] = [];
    for (let k = 0; k < frames.length; k++) {
      const i = n + k;
      if (i < this.next) continue;
      if (i === this.next) {
        apply.push(frames[k]);
        this.next++;
        this.#release(apply);
        continue;
      }
      if (this.#held.has(i)) continue;
      if (this.#held.size >= this.maxHeld) return { apply, overflow: true };
      this.#held.set(i, frames[k]);
    }
    return { apply, overflow: false };
  }

  /** Moves the held frames that now follow without a gap to `apply`. */
  #release(apply: string[]): void {
    for (;;) {
      const text = this.#held.get(this.next);
      if (text === undefined) return;
      this.#held.delete(this.next);
      apply.push(text);
      this.next++;
    }
  }
}
