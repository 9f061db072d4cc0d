/**
 * Parley's persistence layer. {@link createStore} opens Postgres when a URL is configured and an
 * embedded PGlite database otherwise, applies the schema migrations and returns the
 * {@link Store}. Importing this module opens nothing; each driver is loaded on first use.
 *
 * @example
 * ```ts
 * const store = await createStore({ databaseUrl: config.databaseUrl, dataDir: ".parley" });
 * const unlisten = await store.db.listen("parley_events", (payload) => fanOut(payload));
 * ```
 *
 * @module
 */

import type { Db } from "./driver.ts";
import type { DiskState } from "./disk_space.ts";
import type { Store } from "./store.ts";
import { migrate } from "./migrate.ts";
import { SqlStore } from "./sql_store.ts";

export type * from "./store.ts";
export { DiskFullError, StoreError, StoreUnavailableError } from "./store.ts";
export type { Db, NotifyHandler, PoolStats, Queryable, Row } from "./driver.ts";
export type { DiskState } from "./disk_space.ts";
export { DbError } from "./driver.ts";
export { loadMigrations, migrate, type Migration } from "./migrate.ts";
export { SqlStore } from "./sql_store.ts";

/** Where and how to open the database. */
export interface DatabaseOptions {
  /** A `postgres://` URL. When absent or empty, PGlite is used. */
  databaseUrl?: string;
  /** Directory for the embedded PGlite database (created when missing; unused with a URL). */
  dataDir: string;
  /** Postgres pool size (default 10). */
  poolSize?: number;
  /** Hears when the embedded database's disk becomes full and when space is back (PGlite). */
  onDiskState?: (state: DiskState) => void;
  /**
   * Postgres only: the bound on every call after the migrations, in ms (see
   * `postgres_driver.ts`); absent: unbounded.
   */
  timeoutMs?: number;
  /** Postgres only: how long `close()` lets running queries finish, in ms (default 5000). */
  closeTimeoutMs?: number;
}

/** A {@link Store} that also exposes its driver, for LISTEN/NOTIFY fan-out. */
export type DbStore = Store & { readonly db: Db };

/**
 * Opens the database and applies pending migrations. Throws `StoreUnavailableError` when the
 * database cannot be reached (the driver is closed again before it throws).
 */
export async function openDatabase(opts: DatabaseOptions): Promise<Db> {
  let db: Db;
  let migrated = false;
  if (opts.databaseUrl) {
    const { createPostgresDb } = await import("./postgres_driver.ts");
    if (opts.timeoutMs) {
      // Migrations may wait for another instance's lock and rewrite large tables: they run
      // unbounded on a connection of their own, and only what follows gets the bound.
      const setup = createPostgresDb(opts.databaseUrl, { max: 1 });
      try {
        await migrate(setup);
      } finally {
        await setup.close();
      }
      migrated = true;
    }
    db = createPostgresDb(opts.databaseUrl, {
      max: opts.poolSize,
      timeoutMs: opts.timeoutMs,
      closeTimeoutMs: opts.closeTimeoutMs,
    });
  } else {
    const { createPgliteDb } = await import("./pglite_driver.ts");
    db = await createPgliteDb(opts.dataDir, { onDiskState: opts.onDiskState });
  }
  try {
    if (!migrated) await migrate(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return db;
}

/**
 * Creates the store: Postgres when `databaseUrl` is set, else PGlite persisted in `dataDir`.
 * Migrations run before it resolves. Throws `StoreUnavailableError` when the database cannot be
 * reached.
 */
export async function createStore(opts: DatabaseOptions): Promise<DbStore> {
  return new SqlStore(await openDatabase(opts));
}
