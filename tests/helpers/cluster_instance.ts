/**
 * An in-process Parley instance joined to the cluster of instances sharing one Postgres
 * database: for tests of what crosses instances (the bus, presence, live changes).
 *
 * @module
 */

import { startCluster } from "../../core/cluster/start.ts";
import { silentLogger } from "../../core/log.ts";
import { createStore, type DbStore } from "../../db/mod.ts";
import { type RunningServer, startServer } from "../../server/app.ts";
import { loadConfig } from "../../server/config.ts";
import { testServerEnv } from "./server.ts";

/** One running instance; `close` stops it and removes its data directory. */
export interface ClusterInstance {
  server: RunningServer;
  store: DbStore;
  close(): Promise<void>;
}

/**
 * Starts an instance on `databaseUrl` with the test server's configuration plus `env`, and a bus
 * heartbeat of `heartbeatMs` when given.
 */
export async function startClusterInstance(
  databaseUrl: string,
  opts: { env?: Record<string, string>; heartbeatMs?: number } = {},
): Promise<ClusterInstance> {
  const dataDir = await Deno.makeTempDir({ prefix: "parley_instance_" });
  const config = loadConfig({ ...testServerEnv(dataDir), DATABASE_URL: databaseUrl, ...opts.env });
  const store = await createStore({ databaseUrl, dataDir, timeoutMs: config.dbTimeoutMs });
  const cluster = await startCluster({
    db: store.db,
    log: silentLogger,
    ...(opts.heartbeatMs === undefined ? {} : { heartbeatMs: opts.heartbeatMs }),
  });
  const server = await startServer(config, { store, log: silentLogger, cluster });
  return {
    server,
    store,
    async close() {
      await server.shutdown();
      await store.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}
