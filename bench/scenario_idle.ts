/**
 * `idle`: the memory an idle widget socket costs, measured the way issue 13 reports it. On a fresh
 * server, 5,000 visitor sockets say `hello` in batches of 200 (each batch fully welcomed before the
 * next starts); the server's RSS (from `/proc`) is read before the first and 3 s after the last,
 * without forcing a garbage collection, and the difference is divided by the number of sockets.
 * Unlike `connections` there is no warm-up half: start-up garbage and first-use compilation count,
 * as they do for a server that has just been deployed.
 *
 * @module
 */

import { type BenchContext, sleep } from "./context.ts";
import { idleResult, type ScenarioResult } from "./result.ts";

/** Options of {@link runIdle}. */
export interface IdleOptions {
  sockets: number;
  /** Handshakes per batch; a batch is fully welcomed before the next starts. */
  batch: number;
  /** Wait after the last socket's `welcome` before RSS is read again. */
  settleMs: number;
}

/** The measurement: 5,000 sockets, batches of 200, RSS 3 s after the last. */
export const IDLE_DEFAULTS: IdleOptions = { sockets: 5000, batch: 200, settleMs: 3000 };

/** Runs `idle` on a fresh server. */
export async function runIdle(
  ctx: BenchContext,
  o: IdleOptions = IDLE_DEFAULTS,
): Promise<ScenarioResult> {
  const deployment = await ctx.deploy(1);
  const server = deployment.servers[0];
  try {
    const [worker] = ctx.workers(1);
    const rssBefore = await server.rss();
    const started = performance.now();
    let connected = 0;
    let failed = 0;
    for (let offset = 0; offset < o.sockets; offset += o.batch) {
      const count = Math.min(o.batch, o.sockets - offset);
      const r = await worker.send({
        cmd: "connect",
        urls: [server.wsUrl],
        count,
        offset,
        concurrency: count,
        track: false,
      });
      connected += r.connected ?? 0;
      failed += r.failed ?? 0;
    }
    const connectMs = performance.now() - started;
    console.error(`  idle: ${connected} sockets in ${Math.round(connectMs)} ms`);
    // The measurement's own wait (the issue reads RSS 3 s after the last socket), not a poll.
    await sleep(o.settleMs);
    const rssAfter = await server.rss();
    const report = await worker.send({ cmd: "report", reset: true });
    return idleResult({
      scenario: "idle",
      backend: ctx.backend,
      connections: connected,
      rssBytes: rssAfter,
      rssBeforeBytes: rssBefore,
      measured: connected,
      errors: failed + (report.errors ?? 0),
      cpuPercent: {},
      details: {
        rssBeforeBytes: rssBefore,
        rssAfterBytes: rssAfter,
        batch: o.batch,
        settleMs: o.settleMs,
        connectMs: Math.round(connectMs),
        closedByServer: report.closeCodes ?? {},
      },
    });
  } finally {
    await ctx.cleanup();
  }
}
