/**
 * The visitor's typing notices: at most one `typing {active: true, preview}` per
 * {@link VISITOR_TYPING_THROTTLE_MS} while the draft changes (the last draft is sent when the window
 * ends), and `active: false` after {@link VISITOR_TYPING_IDLE_MS} without input or when stopped.
 *
 * @module
 */

import { MAX_PREVIEW_CHARS } from "../../protocol/limits.ts";
import { VISITOR_TYPING_IDLE_MS, VISITOR_TYPING_THROTTLE_MS } from "../../protocol/timing.ts";
import type { VisitorClientFrame } from "../../protocol/frames.ts";
import type { Clock, TimerId } from "../../protocol/client/clock.ts";

/** Throttled typing notices for one connection. */
export interface TypingNotifier {
  /** The composer's text changed. */
  draft(text: string): void;
  /** Sent, blurred or closed: says `active: false` if `active: true` was said. */
  stop(): void;
  /** The socket closed; the server forgot the typing state with it. */
  reset(): void;
}

/** Creates the notifier; `send` returns false when the frame could not be sent. */
export function createTypingNotifier(
  clock: Clock,
  send: (frame: VisitorClientFrame) => boolean,
): TypingNotifier {
  let active = false;
  let lastAt = -Infinity;
  let text = "";
  let idleTimer: TimerId | undefined;
  let trailingTimer: TimerId | undefined;

  const notify = () => {
    if (!text.trim()) return;
    lastAt = clock.now();
    if (send({ type: "typing", active: true, preview: text.slice(0, MAX_PREVIEW_CHARS) })) {
      active = true;
    }
  };
  const stop = () => {
    clock.clearTimeout(idleTimer);
    clock.clearTimeout(trailingTimer);
    trailingTimer = undefined;
    if (active) {
      active = false;
      send({ type: "typing", active: false });
    }
  };

  return {
    draft(value) {
      text = value;
      if (!value.trim()) return stop();
      clock.clearTimeout(idleTimer);
      idleTimer = clock.setTimeout(stop, VISITOR_TYPING_IDLE_MS);
      const since = clock.now() - lastAt;
      if (since >= VISITOR_TYPING_THROTTLE_MS) notify();
      else if (trailingTimer === undefined) {
        trailingTimer = clock.setTimeout(() => {
          trailingTimer = undefined;
          notify();
        }, VISITOR_TYPING_THROTTLE_MS - since);
      }
    },
    stop,
    reset() {
      active = false;
    },
  };
}
