/**
 * Delivers each conversation's messages to sockets in seq order. Two appends to one conversation
 * commit in seq order (the row lock), but their publishes can swap (two pool connections answer
 * in either order, or one comes from another instance). A client resumes from the highest seq
 * it saw, so seq 6 arriving before seq 5 and a disconnect in between would lose 5 for good.
 *
 * A message whose predecessor has not been delivered is held; when the predecessor arrives the
 * held ones follow. If it has not arrived after `waitMs` (its instance died between commit and
 * publish, or its doorbell is late) the gap is read from the store. Only conversations with a
 * gap have a timer.
 *
 * Each seq reaches the sockets once: a seq delivered here already (in order, or by a gap fill
 * that beat a late doorbell, or a resend's publish) is not delivered again. One never delivered
 * here but older than what was (this instance first saw a later one) still goes out.
 *
 * Acks ride the same order ({@link DeliveryOrder.reached}): a sender's ack for seq 6 waits until
 * seq 6 (and so seq 5, say an agent's reply still on its way) has gone to this instance's
 * sockets. Otherwise the ack could overtake 5, and a client resuming after 6 would skip it.
 *
 * @module
 */

import { SeqTracker } from "../cluster/seq_tracker.ts";

interface Waiter {
  seq: number;
  done(): void;
}

interface State {
  /** Highest seq delivered in order. */
  last: number;
  /** Seqs waiting for a predecessor, with their delivery. */
  held: Map<number, () => void> | null;
  timer: ReturnType<typeof setTimeout> | null;
}

/** A stored message read to fill a gap, and how to deliver it. */
export interface Filled {
  seq: number;
  deliver(): void;
}

/** Options of {@link DeliveryOrder}. */
export interface DeliveryOrderOptions {
  /** How long a gap may stay open before it is read from the store (default 150 ms). */
  waitMs?: number;
  /** Conversations remembered (default 50,000; the least recently active are forgotten). */
  limit?: number;
  /**
   * Reads the stored messages with `afterSeq < seq < beforeSeq`, in seq order, each with the
   * function that delivers it; called when a gap outlived `waitMs`. The orderer delivers those
   * that did not arrive while the read was under way.
   */
  fill(conversationId: string, afterSeq: number, beforeSeq: number): Promise<Filled[]>;
  /** Reports a failed fill (the held messages are delivered anyway). */
  onError?(err: unknown): void;
  /** Longest a {@link DeliveryOrder.reached} waits for a publish that never came (default 1 s). */
  maxAckWaitMs?: number;
}

/** Orders deliveries per conversation; see the module docs. */
export class DeliveryOrder {
  readonly #state = new Map<string, State>();
  /** Pending {@link reached} calls per conversation; empty in the common case. */
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #o: DeliveryOrderOptions;
  /** Seqs delivered to this instance's sockets, so a second arrival is not delivered again. */
  readonly #sent: SeqTracker;

  /** Creates the orderer. */
  constructor(opts: DeliveryOrderOptions) {
    this.#o = opts;
    this.#sent = new SeqTracker(opts.limit ?? 50_000);
  }

  /**
   * Runs `deliver` for message `seq` now when it is the next one (or the first seen, or an
   * older one never delivered here), else once the gap before it is filled; never for a seq
   * already delivered here. `deliver` is told whether the message is older than what was
   * delivered: such a message says nothing about where the conversation is now.
   */
  offer(conversationId: string, seq: number, deliver: (repeat: boolean) => void): void {
    const s = this.#state.get(conversationId);
    if (!s) {
      if (this.#state.size >= (this.#o.limit ?? 50_000)) this.#evictOldest();
      this.#state.set(conversationId, { last: seq, held: null, timer: null });
      this.#sent.mark(conversationId, seq);
      deliver(false);
      this.#wake(conversationId, seq);
      return;
    }
    if (seq <= s.last) {
      if (this.#sent.mark(conversationId, seq)) deliver(true);
      return;
    }
    if (seq === s.last + 1 && !s.held) {
      s.last = seq;
      this.#sent.mark(conversationId, seq);
      deliver(false);
      // Recently active conversations move to the end, away from eviction.
      this.#state.delete(conversationId);
      this.#state.set(conversationId, s);
      this.#wake(conversationId, seq);
      return;
    }
    (s.held ??= new Map()).set(seq, () => deliver(false));
    this.#release(conversationId, s);
    if (s.held && !s.timer) {
      s.timer = setTimeout(() => this.#fillGap(conversationId), this.#o.waitMs ?? 150);
    }
  }

  /**
   * Resolves once message `seq` of the conversation has been delivered here (at once if it
   * has been), so an ack sent after it cannot overtake an earlier message. Gives up after
   * `maxAckWaitMs`: a publish that never arrives must not hold the sender's ack for ever.
   */
  reached(conversationId: string, seq: number): Promise<void> {
    const s = this.#state.get(conversationId);
    if (s && s.last >= seq) return Promise.resolve();
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(conversationId);
      if (!waiters) this.#waiters.set(conversationId, waiters = new Set());
      const timer = setTimeout(() => waiter.done(), this.#o.maxAckWaitMs ?? 1_000);
      const waiter: Waiter = {
        seq,
        done: () => {
          clearTimeout(timer);
          waiters.delete(waiter);
          if (waiters.size === 0 && this.#waiters.get(conversationId) === waiters) {
            this.#waiters.delete(conversationId);
          }
          resolve();
        },
      };
      waiters.add(waiter);
    });
  }

  /** Conversations with a gap open now. */
  get waiting(): number {
    let n = 0;
    for (const s of this.#state.values()) if (s.held) n++;
    return n;
  }

  /** Resolves the waiters of a conversation whose seq has now been delivered. */
  #wake(conversationId: string, last: number): void {
    const waiters = this.#waiters.get(conversationId);
    if (!waiters) return;
    for (const w of [...waiters]) if (w.seq <= last) w.done();
  }

  /** Delivers held messages that are now next in line. */
  #release(conversationId: string, s: State): void {
    if (!s.held) return;
    for (let next = s.held.get(s.last + 1); next; next = s.held.get(s.last + 1)) {
      s.held.delete(s.last + 1);
      s.last++;
      this.#sent.mark(conversationId, s.last);
      next();
    }
    this.#wake(conversationId, s.last);
    if (s.held.size === 0) {
      s.held = null;
      if (s.timer) clearTimeout(s.timer);
      s.timer = null;
    }
  }

  async #fillGap(conversationId: string): Promise<void> {
    const s = this.#state.get(conversationId);
    if (!s?.held) return;
    s.timer = null;
    const first = Math.min(...s.held.keys());
    try {
      for (const m of await this.#o.fill(conversationId, s.last, first)) {
        // Delivered in order while the read was under way (its doorbell came after all)?
        if (m.seq <= s.last || !this.#sent.mark(conversationId, m.seq)) continue;
        s.last = m.seq;
        m.deliver();
      }
    } catch (err) {
      this.#o.onError?.(err);
    }
    // Whatever the store had is delivered; nothing older is worth waiting for any more.
    s.last = Math.max(s.last, first - 1);
    this.#release(conversationId, s);
    if (s.held && !s.timer) {
      s.timer = setTimeout(() => this.#fillGap(conversationId), this.#o.waitMs ?? 150);
    }
  }

  #evictOldest(): void {
    for (const [id, s] of this.#state) {
      if (s.held) continue;
      this.#state.delete(id);
      return;
    }
  }
}
