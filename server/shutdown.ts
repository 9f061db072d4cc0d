/**
 * The shutdown budget: from SIGTERM/SIGINT to exit within `PARLEY_DRAIN_TIMEOUT_MS`, whatever is
 * still pending. Platforms kill a process that takes longer (Deno Deploy after 5 s, Kubernetes
 * after its grace period), and a kill drops every socket without its 1012, so the steps share
 * the budget, each with a deadline of its own, and a watchdog ends the process when the budget
 * is spent even if a step never returns.
 *
 * The steps, with the share of the budget each must finish by:
 *
 * | step                                         | done by |
 * | -------------------------------------------- | ------- |
 * | writes in flight finish and are acknowledged | 40 %    |
 * | every socket is sent 1012; close handshakes  | 60 %    |
 * | the listener stops (HTTP requests in flight) | 70 %    |
 * | the cluster is left / the bus closed         | 80 %    |
 * | the database pool is closed                  | 92 %    |
 * | the watchdog exits                           | 100 %   |
 *
 * @module
 */

import type { Logger } from "../core/log.ts";

/** When each step must be done, as a share of the budget (see the module doc). */
export const SHUTDOWN_SHARES = {
  writes: 0.4,
  closes: 0.6,
  listener: 0.7,
  cluster: 0.8,
  store: 0.92,
} as const;

/** Margin before the budget's end at which the watchdog exits, so the exit itself fits in. */
const WATCHDOG_MARGIN_MS = 50;

/** One shutdown's clock, steps and outcome, shared by the server and `main.ts`. */
export class ShutdownBudget {
  /** When the signal arrived (ms since the epoch). */
  readonly startedAt: number;
  /** The whole budget, in ms. */
  readonly budgetMs: number;
  /** Steps started and not finished yet. */
  readonly pending = new Set<string>();
  /** Steps that ran past their deadline and were left behind. */
  readonly cut: string[] = [];
  /**
   * True once every open socket was sent its 1012 close: from then on nothing a client relies
   * on is left, and exiting early only skips clean-up (see {@link exitCode}).
   */
  closesSent = false;
  readonly #now: () => number;
  readonly #log: Logger;

  /** Starts the clock now. */
  constructor(budgetMs: number, log: Logger, now: () => number = Date.now) {
    this.#now = now;
    this.#log = log;
    this.startedAt = now();
    this.budgetMs = budgetMs;
  }

  /** The deadline of a step that must be done by `share` of the budget (ms since the epoch). */
  deadline(share: number): number {
    return this.startedAt + Math.floor(this.budgetMs * share);
  }

  /** Ms left until `share` of the budget (never negative). */
  left(share: number): number {
    return Math.max(0, this.deadline(share) - this.#now());
  }

  /**
   * Runs `work` until `share` of the budget; true when it finished in time (a failure counts as
   * finished and is logged). A step cut short keeps running in the background and is logged.
   */
  async step(name: string, share: number, work: () => Promise<unknown>): Promise<boolean> {
    this.pending.add(name);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"expired">((r) =>
      timer = setTimeout(r, this.left(share), "expired")
    );
    const done = (async () => {
      try {
        await work();
      } catch (err) {
        this.#log.warn("shutdown step failed", { step: name, err: String(err) });
      }
      return "done" as const;
    })();
    try {
      const outcome = await Promise.race([done, expired]);
      if (outcome === "done") return true;
      this.cut.push(name);
      this.#log.warn("shutdown step cut short: its share of the budget was spent", {
        step: name,
        budgetMs: this.budgetMs,
      });
      return false;
    } finally {
      clearTimeout(timer);
      this.pending.delete(name);
    }
  }

  /**
   * The exit status: 0 once every socket was sent its 1012 (clean-up cut short after that loses
   * nothing: the pool's sessions and the cluster membership expire on the server's side), 1 when
   * the process has to end before that.
   */
  exitCode(): number {
    return this.closesSent ? 0 : 1;
  }

  /**
   * Calls `exit` when the budget is spent, logging what was still pending; returns a function
   * that disarms it. The timer does not keep the process alive.
   */
  watchdog(exit: (code: number) => void): () => void {
    const wait = Math.max(0, this.startedAt + this.budgetMs - WATCHDOG_MARGIN_MS - this.#now());
    const timer = setTimeout(() => {
      const code = this.exitCode();
      this.#log.error("shutdown budget spent; exiting with work pending", {
        budgetMs: this.budgetMs,
        pending: [...this.pending].join(", ") || null,
        closesSent: this.closesSent,
        exitCode: code,
      });
      exit(code);
    }, wait);
    Deno.unrefTimer(timer);
    return () => clearTimeout(timer);
  }
}
