/**
 * Joins this process to the instances sharing one Postgres: a {@link PgBus} for events and a
 * {@link SharedPresence} for who is online where. Used when `DATABASE_URL` is set; the embedded
 * PGlite database belongs to one process, which keeps the in-process bus and presence.
 *
 * @module
 */

import type { Db } from "../../db/driver.ts";
import { ClusterStore } from "../../db/sql_cluster.ts";
import type { Logger } from "../log.ts";
import { PgBus } from "./pg_bus.ts";
import type { Presence } from "../chat/presence.ts";
import type { Registry } from "../sockets/registry.ts";
import { SharedPresence } from "./shared_presence.ts";

/** Timings of the cluster; the defaults are documented in `docs/scaling.md`. */
export interface ClusterTimings {
  /** Bus idle batches and instance heartbeats (default 2000 ms). */
  heartbeatMs?: number;
  /** An instance not heard from for this long is removed (default 6000 ms). */
  instanceTtlMs?: number;
}

/** A running cluster membership. */
export interface Cluster {
  /** This process's id, unique per start. */
  readonly instanceId: string;
  readonly bus: PgBus;
  /** Builds the presence for the core's registry (pass to `createCore`). */
  presence(registry: Registry): Presence;
  /** Registers the instance and loads everyone's presence; call once the core exists. */
  join(): Promise<void>;
  /** Leaves the cluster (others see this instance's people go offline) and stops the bus. */
  close(): Promise<void>;
}

/** Starts listening for other instances. Resolves once the LISTEN is established. */
export async function startCluster(
  opts: { db: Db; log: Logger; instanceId?: string } & ClusterTimings,
): Promise<Cluster> {
  const instanceId = opts.instanceId ?? crypto.randomUUID();
  const store = new ClusterStore(opts.db);
  const bus = new PgBus({
    db: opts.db,
    reader: store,
    instanceId,
    log: opts.log,
    heartbeatMs: opts.heartbeatMs,
  });
  await bus.start();
  let shared: SharedPresence | null = null;
  return {
    instanceId,
    bus,
    presence(registry) {
      shared = new SharedPresence({
        registry,
        bus,
        cluster: store,
        instanceId,
        log: opts.log,
        heartbeatMs: opts.heartbeatMs,
        ttlMs: opts.instanceTtlMs,
      });
      return shared;
    },
    async join() {
      if (!shared) throw new Error("Cluster presence was never created");
      await shared.join();
    },
    async close() {
      await shared?.leave();
      await bus.close();
    },
  };
}
