/**
 * Test doubles for the widget's unit tests: in-memory storage and `storage` events (the clock and
 * the socket fakes are the kernel's, in `protocol/client/testing/`). Never bundled (nothing in the UI imports it).
 *
 * @module
 */

import type { StorageLike } from "./outbox.ts";

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
