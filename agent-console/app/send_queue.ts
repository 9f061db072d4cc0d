/**
 * Puts the agent's outgoing messages on the wire one at a time, oldest first: the next leaves
 * only once the previous one is acknowledged or refused, so they are stored in the order they
 * were written (the server handles a socket's frames in order, but does not hold an agent's later
 * messages back after a refusal). After a retryable refusal (database unavailable, rate limited)
 * it waits a full-jitter delay that grows while refusals go on, then starts again from the oldest
 * message still sending, with the same client ids; after a reconnect it starts again at once.
 *
 * @module
 */

import type { ReadonlySignal } from "@preact/signals";
import { backoffDelay } from "../../protocol/backoff.ts";
import type { PendingMessage } from "./thread.ts";
import type { Clock as Timers, TimerId } from "../../protocol/client/clock.ts";

/** Shortest wait before resending after a retryable refusal, in ms. */
export const RESEND_MIN_MS = 250;
/** First backoff ceiling of resends, in ms (doubles per refusal). */
export const RESEND_BASE_MS = 500;
/** Largest backoff ceiling of resends, in ms. */
export const RESEND_MAX_MS = 30_000;

/** What {@link createSendQueue} needs. */
export interface SendQueueDeps {
  /** Outgoing messages in writing order; those in state `sending` are sent. */
  outbox: ReadonlySignal<ReadonlyMap<string, PendingMessage>>;
  /** Sends one message frame; false when the socket is not connected. */
  send(p: PendingMessage): boolean;
  timers: Timers;
  random?: () => number;
}

/** The sending side of the outbox. */
export interface SendQueue {
  /** Sends the oldest message still sending, unless one is on the wire or a wait is running. */
  pump(): void;
  /** `clientId` is stored (its ack or its relayed copy arrived); remove it from the outbox first. */
  stored(clientId: string): void;
  /**
   * The server refused `clientId`. Retryable: nothing is sent until a backoff delay has passed.
   * Otherwise the next message goes (mark this one failed first).
   */
  refused(clientId: string, retryable: boolean): void;
  /** A new socket was welcomed: nothing is on it, so sending starts again from the oldest. */
  restart(): void;
  /** Cancels a running wait. */
  dispose(): void;
}

/** Creates the queue; it sends only when {@link SendQueue.pump} and friends are called. */
export function createSendQueue(deps: SendQueueDeps): SendQueue {
  const random = deps.random ?? Math.random;
  /** The client id on the wire: sent on this socket, not yet acknowledged or refused. */
  let inFlight: string | null = null;
  /** Retryable refusals since the last stored message: the backoff's attempt number. */
  let refusals = 0;
  let waiting: TimerId | null = null;

  function pump() {
    if (inFlight !== null || waiting !== null) return;
    for (const p of deps.outbox.value.values()) {
      if (p.state !== "sending") continue;
      if (deps.send(p)) inFlight = p.clientId;
      return;
    }
  }

  function stopWaiting() {
    if (waiting !== null) deps.timers.clearTimeout(waiting);
    waiting = null;
  }

  return {
    pump,
    stored(clientId) {
      if (clientId !== inFlight) return;
      inFlight = null;
      refusals = 0;
      pump();
    },
    refused(clientId, retryable) {
      if (clientId === inFlight) inFlight = null;
      if (retryable && waiting === null) {
        const delay = backoffDelay(refusals++, random, {
          base: RESEND_BASE_MS,
          cap: RESEND_MAX_MS,
        });
        waiting = deps.timers.setTimeout(() => {
          waiting = null;
          pump();
        }, Math.max(RESEND_MIN_MS, delay));
      }
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
