/**
 * The outbox rule both browser apps follow for messages they write: one message on the wire at a
 * time, oldest first, so messages are stored in writing order (the server acks a socket's
 * messages in order but does not hold later ones back after a refusal). The next leaves only
 * once the previous is stored or refused. After a retryable refusal (database unavailable, rate
 * limited) nothing is sent for a full-jitter wait that grows while refusals go on; then sending
 * starts again from the oldest message with the same client ids (the server dedupes them). A
 * final refusal marks that message failed (it waits for Retry or Discard) and lets the next go.
 * When the socket changes nothing is on the wire any more: `restart()` starts again from the
 * oldest (the console calls it on each welcome; the widget when a socket closes, then `pump()` on
 * the welcome once its stored copies have left the outbox, so none of them is sent again).
 *
 * Where the messages live is the app's: the widget keeps them in localStorage (they survive a
 * reload), the console in a signal; both reach them through an {@link OutboxStore}.
 *
 * @module
 */

import { backoffDelay } from "../backoff.ts";
import type { Clock, TimerId } from "./clock.ts";

/** Shortest wait before resending after a retryable refusal, in ms. */
export const RESEND_MIN_MS = 250;

/** Where the outbox's messages live, in writing order. */
export interface OutboxStore<T extends { clientId: string }> {
  /** Messages not yet stored by the server, oldest first. */
  list(): readonly T[];
  /** True when `entry` was refused for good and waits for Retry. */
  isFailed(entry: T): boolean;
  /** Marks `entry` failed (with the server's reason) or, on Retry, sending again. */
  setFailed(entry: T, failed: boolean, reason?: string): void;
  /** Forgets `entry`: the server stored it. */
  remove(entry: T): void;
}

/** Options for {@link createOutbox}. */
export interface OutboxOptions<T extends { clientId: string }> {
  store: OutboxStore<T>;
  /** Puts one message on the wire; false when the socket is not connected. */
  send(entry: T): boolean;
  clock: Clock;
  /** The backoff's randomness (tests pin it). */
  random?: () => number;
}

/** The sending side of an outbox. */
export interface Outbox {
  /** Sends the oldest message not failed, unless one is on the wire or a wait is running. */
  pump(): void;
  /** The server stored `clientId` (its ack or a stored copy arrived): it leaves the outbox. */
  stored(clientId: string): void;
  /** The server refused `clientId`; `retryable` decides between waiting and failing it. */
  refused(clientId: string, retryable: boolean, reason?: string): void;
  /** Queues a failed message again with its client id; it keeps its place in order. */
  retry(clientId: string): void;
  /**
   * The socket changed (it closed, or a new one was welcomed): nothing is on the wire, so the wait
   * is cancelled and sending starts again from the oldest, at once if the socket can send.
   */
  restart(): void;
  /** Cancels a running wait. */
  dispose(): void;
}

/** Creates the outbox engine over `store`; it sends only when its methods are called. */
export function createOutbox<T extends { clientId: string }>(opts: OutboxOptions<T>): Outbox {
  const { store, clock } = opts;
  /** The client id on the wire: sent on this socket, not yet stored or refused. */
  let inFlight: string | null = null;
  /** Retryable refusals since the last stored message: the backoff's attempt number. */
  let refusals = 0;
  /** Set while waiting out that backoff; nothing is sent meanwhile. */
  let waiting: TimerId | undefined;

  const pump = () => {
    if (inFlight !== null || waiting !== undefined) return;
    const next = store.list().find((p) => !store.isFailed(p));
    if (next && opts.send(next)) inFlight = next.clientId;
  };
  /** The message with this client id, if it is still in the outbox. */
  const find = (clientId: string) => store.list().find((p) => p.clientId === clientId);
  const stopWaiting = () => {
    clock.clearTimeout(waiting);
    waiting = undefined;
  };

  return {
    pump,
    stored(clientId) {
      const entry = find(clientId);
      if (entry) store.remove(entry);
      if (clientId !== inFlight) return;
      inFlight = null;
      refusals = 0;
      pump();
    },
    refused(clientId, retryable, reason) {
      const entry = find(clientId);
      if (clientId === inFlight) inFlight = null;
      if (!retryable) {
        if (entry) store.setFailed(entry, true, reason);
      } else if (waiting === undefined) {
        // It stays "sending"; no later message may overtake it, so everything waits.
        waiting = clock.setTimeout(() => {
          waiting = undefined;
          pump();
        }, Math.max(RESEND_MIN_MS, backoffDelay(refusals++, opts.random)));
      }
      pump();
    },
    retry(clientId) {
      const entry = find(clientId);
      if (entry) store.setFailed(entry, false);
      pump();
    },
    restart() {
      inFlight = null;
      stopWaiting();
      pump();
    },
    dispose: stopWaiting,
  };
}
