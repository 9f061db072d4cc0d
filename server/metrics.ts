/**
 * The metrics only the assembled server can read, registered as scrape-time collectors: build
 * info, process memory and uptime, database pool use and the queue of conversations waiting for
 * an agent. The core's metrics (`core/metrics_chat.ts`) and the HTTP counter
 * (`routes/metrics.ts`) live beside what they count.
 *
 * @module
 */

import type { PoolStats, Store } from "../db/mod.ts";
import type { MetricsRegistry } from "../core/metrics.ts";
import type { BuildInfo } from "../routes/context.ts";
import { withTimeout } from "../core/with_timeout.ts";

/**
 * At most this many waiting conversations are counted: the queue length is read from the inbox
 * listing, and a backlog beyond it is already an alert whatever its exact size.
 */
export const QUEUE_COUNT_LIMIT = 500;
/** A queue reading is reused for this long, so frequent or parallel scrapes cost one query. */
const QUEUE_MAX_AGE_MS = 5_000;
/** A queue reading slower than this is abandoned; the scrape reports the previous value. */
const QUEUE_TIMEOUT_MS = 1_000;

/** What the server's collectors read. */
export interface ServerMetricsSources {
  build: BuildInfo;
  store: Store;
  /** The database pool's use now; absent when the driver does not count it. */
  pool?: () => PoolStats;
}

/** Registers the build, process, pool and queue metrics on `registry`. */
export function registerServerMetrics(registry: MetricsRegistry, src: ServerMetricsSources): void {
  registry.gauge("parley_build_info", "The running build: always 1, with version and commit", [
    "version",
    "commit",
  ]).set(1, { version: src.build.version, commit: src.build.commit ?? "unknown" });

  const rss = registry.gauge("parley_process_resident_memory_bytes", "Resident set size in bytes");
  const heapUsed = registry.gauge("parley_process_heap_used_bytes", "V8 heap in use, in bytes");
  const heapTotal = registry.gauge("parley_process_heap_total_bytes", "V8 heap size, in bytes");
  const external = registry.gauge(
    "parley_process_external_memory_bytes",
    "Memory outside the V8 heap held by JS objects (ArrayBuffers, native buffers), in bytes",
  );
  const uptime = registry.gauge("parley_process_uptime_seconds", "Seconds since the process began");
  registry.collect(() => {
    // Deno.memoryUsage needs no permission (unlike Deno.systemMemoryInfo, which needs --allow-sys).
    const mem = Deno.memoryUsage();
    rss.set(mem.rss);
    heapUsed.set(mem.heapUsed);
    heapTotal.set(mem.heapTotal);
    external.set(mem.external);
    // performance.now() counts from the process's time origin.
    uptime.set(Math.round(performance.now()) / 1000);
  });

  if (src.pool) {
    const pool = src.pool;
    const connections = registry.gauge(
      "parley_db_pool_connections",
      "Database connections of this instance's pool, by state (busy or idle)",
      ["state"],
    );
    const max = registry.gauge("parley_db_pool_max", "The most connections the pool opens");
    const waiting = registry.gauge(
      "parley_db_pool_waiting",
      "Database calls waiting for a free connection",
    );
    registry.collect(() => {
      const s = pool();
      connections.set(s.busy, { state: "busy" });
      connections.set(s.idle, { state: "idle" });
      max.set(s.max);
      waiting.set(s.waiting);
    });
  }

  const queue = registry.gauge(
    "parley_queue_length",
    `Conversations waiting for an agent (queued, unassigned), counted up to ${QUEUE_COUNT_LIMIT}`,
  );
  let readAt = -Infinity;
  let reading: Promise<void> | null = null;
  registry.collect(() => {
    if (performance.now() - readAt < QUEUE_MAX_AGE_MS) return;
    reading ??= (async () => {
      try {
        const waiting = await withTimeout(
          src.store.listConversations({ status: ["queued"], limit: QUEUE_COUNT_LIMIT }),
          QUEUE_TIMEOUT_MS,
        );
        queue.set(waiting.length);
        readAt = performance.now();
      } finally {
        reading = null;
      }
    })();
    return reading;
  });
}
