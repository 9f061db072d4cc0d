/**
 * This instance's fallback streams (docs/protocol.md, "HTTP fallback"): opening one, taking the
 * posts of frames meant for it, and relaying posts that reach this instance for a stream of
 * another.
 *
 * A stream id is `<instanceId>.<128 random bits, base64url>`: any instance tells from the id
 * which one holds the stream. A post for another instance's stream is stored in the database
 * (`fallback_relay`), and a `fallback_relay` doorbell on the bus tells that instance to take its
 * rows (`DELETE … RETURNING`, in insertion order) and feed them to its streams. The owner also
 * takes its rows after a bus catch-up and every few seconds, so a lost doorbell only delays a
 * post; the frame indexes make a post that arrives twice, or late, harmless. The in-process bus
 * (one instance, PGlite) never relays.
 *
 * One timer serves every stream: keep-alive comments, the safety-net read of relayed rows, and
 * the sweep of rows nobody took (their stream ended, or its instance died).
 *
 * @module
 */

import type { Bus, BusEvent } from "../cluster/bus.ts";
import type { VisitorContext } from "../chat/commands.ts";
import type { Counter, MetricsRegistry } from "../metrics.ts";
import type { Logger } from "../log.ts";
import type { Peer } from "../sockets/peer.ts";
import type { SocketHandlers } from "../sockets/socket.ts";
import { randomToken } from "../accounts/tokens.ts";
import { FallbackSession, KEEP_ALIVE_MS, type SessionOptions } from "./session.ts";

/** A post stored for another instance. */
export interface RelayedPost {
  streamId: string;
  n: number;
  frames: string[];
}

/** The relay's table (implemented by `db/sql_fallback_relay.ts`). */
export interface RelayStore {
  /**
   * Stores a post for `instanceId`'s stream; false (nothing stored) when that instance is not a
   * live member of the cluster.
   */
  insert(instanceId: string, post: RelayedPost): Promise<boolean>;
  /** Removes and returns `instanceId`'s posts, oldest first. */
  take(instanceId: string): Promise<RelayedPost[]>;
  /** Deletes posts older than `olderThanMs`; returns how many. */
  sweep(olderThanMs: number): Promise<number>;
}

/** What {@link FallbackStreams} needs. */
export interface FallbackDeps {
  /** This instance's id (the cluster's, or any id unique to the process). */
  instanceId: string;
  /** Starts the visitor protocol on a peer (`core.openVisitor`). */
  openVisitor(peer: Peer, ctx: VisitorContext): SocketHandlers;
  bus: Bus;
  /** The relay between instances; null on a lone instance (the in-process bus). */
  relay: RelayStore | null;
  log: Logger;
  metrics: MetricsRegistry;
  session: SessionOptions;
  /** The timer's period (default 5 s); keep-alives go after {@link KEEP_ALIVE_MS} of silence. */
  tickMs?: number;
  keepAliveMs?: number;
}

/** Where a post went. */
export type PostResult =
  /** Applied here (or held for a gap): `next` is the next index expected. */
  | { kind: "local"; next: number }
  /** Stored for the stream's instance: `next` assumes it will be applied. */
  | { kind: "relayed"; next: number }
  /** No such stream (ended, or its instance is gone). */
  | { kind: "not_found" };

/** Relayed rows older than this are deleted by the sweep. */
export const RELAY_TTL_MS = 10 * 60_000;

/** The shape of a stream id; anything else names no stream. */
const STREAM_ID = /^([A-Za-z0-9_:-]{1,128})\.[A-Za-z0-9_-]{22}$/;

/** The instance a stream id names, or null when it is not a stream id. */
export function instanceOf(streamId: string): string | null {
  const m = STREAM_ID.exec(streamId);
  return m ? m[1] : null;
}

/** This instance's streams and the relay. Call {@link FallbackStreams.start}. */
export class FallbackStreams {
  readonly #sessions = new Map<string, FallbackSession>();
  readonly #relayed: Counter;
  readonly #owner = { ended: (s: FallbackSession) => this.#ended(s) };
  #timer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: (() => void) | null = null;
  #unresync: (() => void) | null = null;
  /** A read of relayed rows in progress, and whether another was asked for meanwhile. */
  #taking: Promise<void> | null = null;
  #again = false;
  #ticks = 0;

  constructor(readonly deps: FallbackDeps) {
    const { metrics } = deps;
    const open = metrics.gauge(
      "parley_fallback_streams",
      "Open HTTP fallback streams on this instance (virtual visitor sockets)",
    );
    metrics.collect(() => open.set(this.#sessions.size));
    this.#relayed = metrics.counter(
      "parley_fallback_relayed_total",
      "Posts of frames relayed between instances through the database, by direction",
      ["direction"],
    );
  }

  /** How many streams are open here. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Starts the timer and, with a relay, listens for doorbells. */
  start(): void {
    const { bus, relay } = this.deps;
    if (relay) {
      this.#unsubscribe = bus.subscribe((e: BusEvent) => {
        if (e.kind === "fallback_relay" && e.instanceId === this.deps.instanceId) this.#take();
      });
      this.#unresync = bus.onResync(() => this.#take());
    }
    this.#timer = setInterval(() => this.#tick(), this.deps.tickMs ?? 5000);
  }

  /** Stops the timer and the doorbells (streams are closed by the core's `closeAll`). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    this.#unresync?.();
    await this.#taking;
  }

  /**
   * Opens a stream for a visitor connecting from `ctx`; `onFinished` runs once its body is over.
   * The session's queue starts with the padding and the `open` event.
   */
  open(ctx: VisitorContext, onFinished: () => void): FallbackSession {
    const streamId = `${this.deps.instanceId}.${randomToken(16)}`;
    const session = new FallbackSession(streamId, this.deps.session, this.#owner, onFinished);
    this.#sessions.set(streamId, session);
    session.start(this.deps.openVisitor(session, ctx));
    return session;
  }

  /** Takes a post of frames, the first at index `n`, for `streamId`. */
  async post(streamId: string, n: number, frames: string[]): Promise<PostResult> {
    const instanceId = instanceOf(streamId);
    if (instanceId === null) return { kind: "not_found" };
    if (instanceId === this.deps.instanceId) {
      const session = this.#sessions.get(streamId);
      if (!session?.open) return { kind: "not_found" };
      return { kind: "local", next: session.receive(n, frames) };
    }
    const { relay, bus } = this.deps;
    if (!relay) return { kind: "not_found" };
    if (!await relay.insert(instanceId, { streamId, n, frames })) return { kind: "not_found" };
    this.#relayed.inc({ direction: "sent" });
    await bus.publish({ kind: "fallback_relay", instanceId });
    return { kind: "relayed", next: n + frames.length };
  }

  #ended(session: FallbackSession): void {
    if (this.#sessions.get(session.streamId) === session) this.#sessions.delete(session.streamId);
  }

  #tick(): void {
    const now = Date.now();
    const idle = this.deps.keepAliveMs ?? KEEP_ALIVE_MS;
    for (const s of this.#sessions.values()) s.keepAlive(now, idle);
    if (!this.deps.relay) return;
    this.#take();
    if (++this.#ticks % 12 === 0) this.#sweep();
  }

  /** Reads this instance's relayed posts (one read at a time; a request meanwhile runs after). */
  #take(): void {
    if (this.#taking) {
      this.#again = true;
      return;
    }
    this.#taking = this.#takeAll().finally(() => {
      this.#taking = null;
      if (this.#again) {
        this.#again = false;
        this.#take();
      }
    });
  }

  async #takeAll(): Promise<void> {
    const relay = this.deps.relay;
    if (!relay) return;
    try {
      const posts = await relay.take(this.deps.instanceId);
      for (const p of posts) {
        this.#relayed.inc({ direction: "received" });
        // A stream that ended meanwhile: its client opens a new one and resends.
        const session = this.#sessions.get(p.streamId);
        if (session?.open) session.receive(p.n, p.frames);
      }
    } catch (err) {
      // The rows stay; the next doorbell or tick takes them.
      this.deps.log.warn("reading relayed fallback posts failed", { err: String(err) });
    }
  }

  #sweep(): void {
    this.deps.relay?.sweep(RELAY_TTL_MS).catch((err) =>
      this.deps.log.warn("sweeping relayed fallback posts failed", { err: String(err) })
    );
  }
}
