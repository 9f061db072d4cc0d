/**
 * Keeps a visitor's messages in writing order when one is refused for a while. Frames of a
 * socket are handled one at a time, but when message k is refused with a retryable error
 * (database down, rate limited) and message k+1, already on the wire, finds the database back,
 * k+1 would be stored first. So once a message is refused retryably, later messages on the same
 * socket are refused too until that one is stored; the client then resends its outbox in order
 * and the messages are stored in the order they were written.
 *
 * @module
 */

import type { ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";

/**
 * How long a hold lasts without the held message being sent again. Clients resend well within
 * it (the widget's backoff is capped at 30 s); it only frees a socket whose client gave the held
 * message up (another tab delivered it, say).
 */
export const SEND_HOLD_MS = 60_000;

/** The hold of one socket: the earliest message refused with a retryable error. */
export class SendOrder {
  #head: { clientId: string; code: ErrorCode; at: number } | null = null;

  /** Creates an empty hold; `now` is injectable for tests. */
  constructor(private readonly now: () => number = Date.now) {}

  /** Throws a retryable error when an earlier refused message has not been stored yet. */
  check(clientId: string): void {
    const head = this.#head;
    if (!head || head.clientId === clientId) return;
    if (this.now() - head.at > SEND_HOLD_MS) {
      this.#head = null;
      return;
    }
    throw new ParleyError(head.code, "An earlier message must be delivered first", {
      retryable: true,
    });
  }

  /** Records a refusal; a retryable one holds back the messages written after it. */
  refused(clientId: string, err: ParleyError): void {
    if (!err.retryable) return;
    if (this.#head === null || this.#head.clientId === clientId) {
      this.#head = { clientId, code: err.code, at: this.now() };
    }
  }

  /** Records that `clientId` is stored, releasing the hold when it was the one held. */
  stored(clientId: string): void {
    if (this.#head?.clientId === clientId) this.#head = null;
  }
}
