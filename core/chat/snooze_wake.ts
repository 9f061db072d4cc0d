/**
 * The snooze wake-up runner: brings snoozed conversations back when their time comes
 * (docs/console.md "Snooze"). Every instance runs one; they share the work through the store's
 * `FOR UPDATE SKIP LOCKED` (`db/sql_snooze.ts`), so one instance wakes each conversation and
 * publishes the change on the bus, and every instance's fan-out updates its consoles: the
 * assignee is told whichever instance holds their socket.
 *
 * It sleeps until the next snooze is due, at most {@link SnoozeWakeOptions.pollMs}: a snooze set
 * on this instance pokes it ({@link SnoozeWakeRunner.snoozed}); one set on another instance is
 * woken by that instance's runner, or by this one's next look at the latest if that one stops.
 * A visitor's message wakes a conversation in its own append (nothing for the runner to do).
 *
 * @module
 */

import type { Bus } from "../cluster/bus.ts";
import type { Logger } from "../log.ts";
import type { SnoozeStore } from "../../db/sql_snooze.ts";
import { DueLoop } from "../due_loop.ts";

/** What the runner needs. */
export interface SnoozeWakeOptions {
  store: Pick<SnoozeStore, "wakeDue" | "msUntilNextWake">;
  bus: Pick<Bus, "publish">;
  log: Logger;
  /** The longest sleep between two looks (default 15 s). */
  pollMs?: number;
  /** Conversations woken per look (default 100). */
  batch?: number;
}

/** The snooze wake-up runner of this instance. */
export class SnoozeWakeRunner {
  readonly #o: Required<SnoozeWakeOptions>;
  readonly #loop: DueLoop;

  /** Creates a stopped runner. */
  constructor(opts: SnoozeWakeOptions) {
    this.#o = { pollMs: 15_000, batch: 100, ...opts };
    this.#loop = new DueLoop({
      runOnce: () => this.runOnce(),
      msUntilNextDue: () => this.#o.store.msUntilNextWake(),
      failed: (err) => this.#o.log.warn("snooze: wake-up look failed", { error: reason(err) }),
      pollMs: this.#o.pollMs,
      batch: this.#o.batch,
    });
  }

  /** Starts looking for due snoozes. */
  start(): void {
    this.#loop.start();
  }

  /** Stops; a look in progress (one statement, then its publishes) finishes. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Told of a snooze set on this instance: looks again by then if it would sleep past it. */
  snoozed(at: number): void {
    this.#loop.wakeBy(at);
  }

  /** Wakes the conversations due now (one batch) and publishes them; returns how many (tests). */
  async runOnce(): Promise<number> {
    const woken = await this.#o.store.wakeDue(this.#o.batch);
    for (const c of woken) {
      // Committed already: a publish lost here is healed by the next inbox load, as with every
      // change (persist, then broadcast).
      try {
        await this.#o.bus.publish({
          kind: "conversation",
          conversationId: c.id,
          visitorId: c.visitorId,
        });
      } catch (err) {
        this.#o.log.warn("snooze: wake-up not published", {
          conversation: c.id,
          error: reason(err),
        });
      }
    }
    if (woken.length > 0) this.#o.log.info("snooze: conversations woken", { n: woken.length });
    return woken.length;
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
