/**
 * Remembers which message seqs this instance has fanned out, per conversation, so a message that
 * arrives twice (its own publish and a catch-up read, or a repeated doorbell) is delivered once,
 * and a catch-up knows where to start. Seqs of one conversation may arrive slightly out of
 * order (two instances append concurrently), so a window of recent seqs is kept as a bit mask.
 *
 * @module
 */

/** Seqs kept per conversation below the highest one. Bit k of `mask` is seq `max - k`. */
const WINDOW = 30;

interface Entry {
  /** Highest seq delivered. */
  max: number;
  /** Delivered seqs in `[max - WINDOW, max]`. */
  mask: number;
  /** First seq this instance saw: earlier ones were never its business. */
  floor: number;
}

/** Delivered seqs per conversation; the oldest conversations are forgotten past `limit`. */
export class SeqTracker {
  #entries = new Map<string, Entry>();

  /** Creates a tracker remembering at most `limit` conversations. */
  constructor(private readonly limit = 100_000) {}

  /** True when `seq` of the conversation was already delivered. */
  has(conversationId: string, seq: number): boolean {
    const e = this.#entries.get(conversationId);
    if (!e || seq > e.max) return false;
    const k = e.max - seq;
    return k <= WINDOW && (e.mask & (1 << k)) !== 0;
  }

  /** Records `seq` as delivered; returns false when it already was. */
  mark(conversationId: string, seq: number): boolean {
    const e = this.#entries.get(conversationId);
    if (!e) {
      if (this.#entries.size >= this.limit) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
      this.#entries.set(conversationId, { max: seq, mask: 1, floor: seq });
      return true;
    }
    if (seq > e.max) {
      const shift = seq - e.max;
      e.mask = shift > WINDOW ? 1 : ((e.mask << shift) | 1) & 0x7fffffff;
      e.max = seq;
      // Keep recently active conversations at the end, away from eviction.
      this.#entries.delete(conversationId);
      this.#entries.set(conversationId, e);
      return true;
    }
    const k = e.max - seq;
    if (k > WINDOW) return true;
    const bit = 1 << k;
    if ((e.mask & bit) !== 0) return false;
    e.mask |= bit;
    return true;
  }

  /**
   * Where a catch-up must start reading for a conversation whose newest seq is `lastSeq`:
   * the seq after which something may be missing, `null` when nothing is, or `undefined` when
   * the conversation is unknown here.
   */
  missingAfter(conversationId: string, lastSeq: number): number | null | undefined {
    const e = this.#entries.get(conversationId);
    if (!e) return undefined;
    const low = Math.max(e.floor, e.max - WINDOW);
    let after = e.max;
    for (let s = low; s < e.max; s++) {
      if ((e.mask & (1 << (e.max - s))) === 0) {
        after = s - 1;
        break;
      }
    }
    return after < lastSeq ? after : null;
  }

  /** Number of conversations remembered. */
  get size(): number {
    return this.#entries.size;
  }
}
