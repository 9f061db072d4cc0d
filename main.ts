/**
 * Parley's entry point: read the configuration, open the database (retrying with backoff while
 * it is unreachable), start the server, and drain on SIGTERM/SIGINT.
 *
 * @module
 */

import { startCluster } from "./core/cluster/start.ts";
import { createStore } from "./db/mod.ts";
import { ConfigError, loadConfig } from "./server/config.ts";
import { createLogger } from "./server/logger.ts";
import { startServer } from "./server/app.ts";
import { guardProcess } from "./server/process_guard.ts";
import { connectWithRetry } from "./server/retry.ts";

let config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  Deno.exit(78); // EX_CONFIG
}

const log = createLogger(config.logLevel, { pid: Deno.pid });
guardProcess(log);
const store = await connectWithRetry(
  () =>
    createStore({
      databaseUrl: config.databaseUrl ?? undefined,
      dataDir: config.dataDir,
      onDiskState: ({ full, path, freeBytes }) =>
        full
          ? log.error("disk full: writes fail until space is freed", { path, freeBytes })
          : log.info("disk space available again", { path, freeBytes }),
      timeoutMs: config.dbTimeoutMs,
    }),
  log,
);
// With Postgres, instances share events and presence through it (LISTEN/NOTIFY); the embedded
// PGlite database belongs to this one process, so the in-process bus is enough there.
const cluster = store.backend === "postgres"
  ? await connectWithRetry(() => startCluster({ db: store.db, log }), log)
  : undefined;
const server = await startServer(config, { store, log, cluster });

let exiting = false;
const stop = async (signal: string) => {
  if (exiting) return;
  exiting = true;
  log.info("draining", { signal });
  await server.shutdown();
  await store.close();
  Deno.exit(0);
};
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  try {
    Deno.addSignalListener(signal, () => stop(signal));
  } catch {
    // Platforms without signals (Deno Deploy) stop instances themselves.
  }
}
