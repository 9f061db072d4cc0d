/**
 * An in-process Parley server whose collaborators a test chooses: a logger that captures lines,
 * or a wrapped database driver that records statements. Same configuration as the standard test
 * server (fast hashing, a known admin), Postgres or PGlite as `defaultBackend()` says.
 *
 * @module
 */

import type { Logger } from "../../core/log.ts";
import { silentLogger } from "../../core/log.ts";
import { type Db, openDatabase, SqlStore } from "../../db/mod.ts";
import { type RunningServer, startServer } from "../../server/app.ts";
import { loadConfig } from "../../server/config.ts";
import { freshDatabase } from "./database.ts";
import { defaultBackend, testServerEnv } from "./server.ts";

/** A running custom server. */
export interface CustomServer {
  url: string;
  wsUrl: string;
  store: SqlStore;
  server: RunningServer;
  /** Stops the server and removes its data. */
  close(): Promise<void>;
}

/** Starts a server with `log` and the driver passed through `wrapDb`. */
export async function startCustomServer(opts: {
  env?: Record<string, string>;
  log?: Logger;
  wrapDb?: (db: Db) => Db;
} = {}): Promise<CustomServer> {
  const pg = defaultBackend() === "postgres" ? await freshDatabase() : null;
  const dataDir = await Deno.makeTempDir({ prefix: "parley_custom_" });
  const raw = await openDatabase({ databaseUrl: pg?.url, dataDir });
  const store = new SqlStore(opts.wrapDb ? opts.wrapDb(raw) : raw);
  const config = loadConfig({ ...testServerEnv(dataDir), ...opts.env });
  const server = await startServer(config, { store, log: opts.log ?? silentLogger });
  return {
    url: server.url,
    wsUrl: server.url.replace(/^http/, "ws"),
    store,
    server,
    async close() {
      await server.shutdown();
      await store.close();
      await pg?.drop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}
