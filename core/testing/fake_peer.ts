/**
 * A fake {@link Peer} for in-process tests: it records every frame the core sends and lets a
 * test await "the next frame matching X" with a deadline, so tests wait on events, never on
 * fixed sleeps.
 *
 * @module
 */

import type { Peer } from "../sockets/peer.ts";

/** A frame as the core sent it, parsed back from JSON. */
export type Frame = { type: string } & Record<string, unknown>;

/** Fields a frame must have (deeply equal), or a test it must pass. */
export type Matcher = Record<string, unknown> | ((frame: Frame) => boolean);

/** How long {@link FakePeer.next} waits by default; generous, for a machine under load. */
export const DEFAULT_WAIT_MS = 10_000;

interface Waiter {
  match(frame: Frame): boolean;
  resolve(frame: Frame): void;
}

let peers = 0;

/** Records frames and closes; see the module docs. */
export class FakePeer implements Peer {
  readonly id = `fake-${++peers}`;
  /** Every frame received, in order. */
  readonly frames: Frame[] = [];
  /** The close code and reason, once the core closed the socket. */
  closed: { code: number; reason: string } | null = null;
  // Frames not yet taken by `next`, in order.
  #unread: Frame[] = [];
  #waiters = new Set<Waiter>();
  #onClose = new Set<() => void>();

  /** Records a frame (parsing already-serialised JSON, as the socket would send it). */
  send(frame: unknown): void {
    if (this.closed) return; // a closed socket drops frames silently, like the real one
    const parsed = JSON.parse(typeof frame === "string" ? frame : JSON.stringify(frame)) as Frame;
    this.frames.push(parsed);
    for (const w of this.#waiters) {
      if (w.match(parsed)) {
        this.#waiters.delete(w);
        w.resolve(parsed);
        return;
      }
    }
    this.#unread.push(parsed);
  }

  /** Records the close. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = { code, reason };
    for (const f of this.#onClose) f();
  }

  /**
   * The first frame not taken yet that matches (of `type`, with the given top-level fields or
   * passing the given test), waiting for it up to `timeoutMs`. Throws naming what was awaited
   * and what arrived when it does not come.
   */
  next(type: string, fields: Matcher = {}, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    const match = (f: Frame) =>
      f.type === type &&
      (typeof fields === "function"
        ? fields(f)
        : Object.entries(fields).every(([k, v]) => deepEqual(f[k], v)));
    const i = this.#unread.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#unread.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve(frame) {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const seen = this.frames.map((f) => f.type).join(", ");
        reject(
          new Error(
            `${this.id}: no ${type} frame matching ${
              typeof fields === "function" ? "the test" : JSON.stringify(fields)
            } within ` +
              `${timeoutMs} ms; received: ${seen || "nothing"}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Resolves once the core closed this socket (at once if it has), up to `timeoutMs`. */
  whenClosed(timeoutMs = DEFAULT_WAIT_MS): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#onClose.delete(done);
        resolve(this.closed!);
      };
      const timer = setTimeout(() => {
        this.#onClose.delete(done);
        reject(new Error(`${this.id}: not closed within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#onClose.add(done);
    });
  }

  /** Every frame received so far of `type`. */
  all(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
  );
}
