/**
 * Test doubles for the widget's unit tests: a manual clock, fake sockets and in-memory storage.
 * Never bundled (nothing in the UI imports it).
 *
 * @module
 */

import type { VisitorClientFrame, VisitorServerFrame } from "../../protocol/frames.ts";
import type { Clock, SocketFactory, SocketHandlers, TimerId } from "./connection.ts";
import type { StorageLike } from "./outbox.ts";

/** A clock whose time moves only when a test calls `advance`. */
export interface ManualClock extends Clock {
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void;
  /** Timers still scheduled. */
  pending(): number;
}

/** Creates a {@link ManualClock} starting at `start` ms. */
export function manualClock(start = 1_700_000_000_000): ManualClock {
  let now = start;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = next++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return id as unknown as TimerId; // a number, like a browser's timer id
    },
    clearTimeout(id) {
      timers.delete(id as unknown as number);
    },
    advance(ms) {
      const end = now + ms;
      while (true) {
        let due: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
        }
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
    pending: () => timers.size,
  };
}

/** A fake socket: records what the client sends; the test plays the server. */
export class FakeSocket {
  /** Frames the client sent, parsed. */
  readonly sent: VisitorClientFrame[] = [];
  /** The close code the client used, if it closed the socket. */
  closedWith: number | undefined;
  constructor(readonly url: string, private readonly on: SocketHandlers) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number): void {
    this.closedWith = code ?? 1000;
  }
  /** The server accepted the connection. */
  open(): void {
    this.on.open();
  }
  /** The server sends a frame. */
  receive(frame: VisitorServerFrame | Record<string, unknown>): void {
    this.on.message(JSON.stringify(frame));
  }
  /** The server (or network) closed the socket. */
  serverClose(code: number): void {
    this.on.close(code);
  }
  /** Sent frames of one type. */
  sentOf<T extends VisitorClientFrame["type"]>(
    type: T,
  ): Extract<VisitorClientFrame, { type: T }>[] {
    return this.sent.filter((f): f is Extract<VisitorClientFrame, { type: T }> => f.type === type);
  }
}

/** A socket factory that keeps every socket it opened. */
export function fakeSockets(): { factory: SocketFactory; all: FakeSocket[]; last(): FakeSocket } {
  const all: FakeSocket[] = [];
  return {
    factory: (url, on) => {
      const s = new FakeSocket(url, on);
      all.push(s);
      return s;
    },
    all,
    last: () => all[all.length - 1],
  };
}

/** Map-backed storage that counts writes. */
export class MemoryStorage implements StorageLike {
  readonly data = new Map<string, string>();
  writes = 0;
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.writes++;
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.writes++;
    this.data.delete(key);
  }
}

/** A `storage` event as another tab's write would fire it. */
export function storageEvent(key: string): Event {
  return Object.assign(new Event("storage"), { key });
}
