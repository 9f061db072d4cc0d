/**
 * Housekeeping Postgres's autovacuum would do, for PGlite, which has none: without it every
 * message's update of its conversation row leaves a dead tuple behind for good, and the planner
 * never gets statistics. PGlite runs one statement at a time, so each step holds every request
 * back for its duration: the hot tables are small and only vacuumed often (a few ms each), their
 * statistics refreshed every ten rounds, the big append-only `messages` table vacuumed rarely.
 *
 * @module
 */

import type { Queryable } from "./driver.ts";

/** What runs and how often. */
export interface UpkeepOptions {
  /** Vacuum and analyze the frequently updated tables this often (default 30 s). */
  hotMs?: number;
  /** Analyze the hot tables every this many rounds (default 10, i.e. 5 minutes). */
  analyzeEvery?: number;
  /** Vacuum `messages` every this many hot rounds (default 20, i.e. 10 minutes). */
  messagesEvery?: number;
}

const HOT = ["conversations", "visitors", "agent_reads", "agent_sessions"];

/** Starts the upkeep timer; returns a function that stops it. Failures are ignored. */
export function startUpkeep(db: Queryable, opts: UpkeepOptions = {}): () => void {
  let round = 0;
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      // The names are constants above; VACUUM takes no parameters.
      const analyze = round % (opts.analyzeEvery ?? 10) === 0;
      for (const table of HOT) await db.query(`VACUUM ${analyze ? "(ANALYZE) " : ""}${table}`);
      if (++round % (opts.messagesEvery ?? 20) === 0) await db.query("VACUUM messages");
    } catch {
      // A closed or busy database: try again next round.
    } finally {
      running = false;
    }
  }, opts.hotMs ?? 30_000);
  // Never keep a process (or a test) alive just for housekeeping.
  Deno.unrefTimer(timer as unknown as number);
  return () => clearInterval(timer);
}
