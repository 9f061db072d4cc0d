/**
 * The visitor's persisted state: the token and the outbox of messages not yet acknowledged.
 * Nothing is written until {@link VisitorStore.enable} is called (the visitor opened the chat or
 * sent a message); before that the state lives in memory only. Every write re-reads storage
 * first so tabs that share the key merge rather than overwrite each other.
 *
 * @module
 */

import type { Attachment } from "../../protocol/frames.ts";

/** A message written by the visitor and not yet acknowledged by the server. */
export interface PendingMessage {
  clientId: string;
  body: string;
  /**
   * Files already uploaded (committed by the server) that the message carries: a message enters
   * the outbox only once every one of its uploads has, so a resend never repeats an upload.
   */
  attachments?: Attachment[];
  /** ISO 8601 time the visitor wrote it. */
  createdAt: string;
  /** The server refused it for good; shown with a Retry button, never sent automatically. */
  failed?: boolean;
}

/** What is kept per site. */
export interface SavedState {
  token: string | null;
  outbox: PendingMessage[];
  /**
   * The visitor has an unresolved conversation, unread or unsent messages: the loader reads it
   * to decide whether to preload the chat on the next page view (absent: it does not).
   */
  live?: boolean;
}

/** The subset of the Web Storage API the store needs (so tests can pass a Map-backed fake). */
export type StorageLike = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/** Persisted visitor state for one site. */
export interface VisitorStore {
  /** The current state (storage when enabled, else memory). */
  read(): SavedState;
  /** True once writes go to storage. */
  readonly enabled: boolean;
  /** Allows writes from now on and persists what was kept in memory. */
  enable(): void;
  setToken(token: string | null): void;
  /** Records whether the loader should preload the chat on the next page view. */
  setLive(live: boolean): void;
  /** Adds or replaces (by clientId) a pending message. */
  put(message: PendingMessage): void;
  remove(clientId: string): void;
  /** Forgets everything, in storage and memory. */
  clear(): void;
  /** Calls `fn` when another tab changes the state. Returns an unsubscribe function. */
  subscribe(fn: (state: SavedState) => void): () => void;
}

/** Options for {@link createVisitorStore}. */
export interface VisitorStoreOptions {
  key: string;
  /** `null` when storage is unavailable (blocked, sandboxed iframe): memory only. */
  storage: StorageLike | null;
  /** Where `storage` events from other tabs arrive (usually `window`). */
  events?: Pick<EventTarget, "addEventListener" | "removeEventListener">;
}

/** Parses stored JSON defensively: anything malformed reads as an empty state. */
export function parseSavedState(text: string | null): SavedState {
  try {
    const o: unknown = JSON.parse(text ?? "{}");
    if (o && typeof o === "object" && !Array.isArray(o)) {
      const { token, outbox, live } = o as Record<string, unknown>;
      return {
        token: typeof token === "string" ? token : null,
        outbox: Array.isArray(outbox) ? outbox.filter(isPending) : [],
        ...(live === true ? { live } : {}),
      };
    }
  } catch { /* fall through */ }
  return { token: null, outbox: [] };
}

function isPending(v: unknown): v is PendingMessage {
  const o = v as Partial<Record<keyof PendingMessage, unknown>> | null;
  return typeof o?.clientId === "string" && typeof o.body === "string" &&
    typeof o.createdAt === "string";
}

/** Creates the store for one site. Reading an existing key enables writes (returning visitor). */
export function createVisitorStore({ key, storage, events }: VisitorStoreOptions): VisitorStore {
  const get = (): string | null => {
    try {
      return storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  };
  let enabled = get() !== null;
  let memory: SavedState = parseSavedState(get());

  // Storage wins once enabled (other tabs write there); memory covers blocked or failing storage.
  const read = (): SavedState => {
    const text = enabled ? get() : null;
    return text === null ? memory : parseSavedState(text);
  };
  const write = (next: SavedState) => {
    memory = next;
    if (!enabled) return;
    try {
      storage?.setItem(key, JSON.stringify(next));
    } catch { /* quota or blocked: keep the in-memory copy */ }
  };
  const update = (fn: (s: SavedState) => SavedState) => write(fn(read()));

  return {
    read,
    get enabled() {
      return enabled;
    },
    enable() {
      if (enabled) return;
      const current = memory;
      enabled = true;
      const stored = parseSavedState(get());
      const known = new Set(stored.outbox.map((m) => m.clientId));
      write({
        ...stored,
        token: current.token ?? stored.token,
        outbox: [...stored.outbox, ...current.outbox.filter((m) => !known.has(m.clientId))],
      });
    },
    setToken(token) {
      update((s) => ({ ...s, token }));
    },
    setLive(live) {
      update((s) => ({ ...s, live }));
    },
    put(message) {
      update((s) => {
        const i = s.outbox.findIndex((m) => m.clientId === message.clientId);
        const outbox = [...s.outbox];
        if (i === -1) outbox.push(message);
        else outbox[i] = message;
        return { ...s, outbox };
      });
    },
    remove(clientId) {
      update((s) => ({ ...s, outbox: s.outbox.filter((m) => m.clientId !== clientId) }));
    },
    clear() {
      memory = { token: null, outbox: [] };
      try {
        storage?.removeItem(key);
      } catch { /* nothing to forget */ }
      enabled = false;
    },
    subscribe(fn) {
      if (!events) return () => {};
      const listener = (e: Event) => {
        if (!enabled || (e as StorageEvent).key !== key) return;
        fn(read());
      };
      events.addEventListener("storage", listener);
      return () => events.removeEventListener("storage", listener);
    },
  };
}
