/**
 * The embedded driver: PGlite (Postgres compiled to WASM) persisted in a local directory, behind
 * the {@link Db} interface. One process owns the directory (guarded by an OS file lock); PGlite
 * runs one statement at a time, so concurrent callers are serialized. Statements outside
 * transactions run as named prepared statements (`pglite_prepared.ts`).
 *
 * @module
 */

import { Mutex, PGlite } from "@electric-sql/pglite";
import { join } from "node:path";
import { StoreUnavailableError } from "./store.ts";
import { checkChannel, type Db, normalizeError, type Queryable, type Row } from "./driver.ts";
import { startUpkeep } from "./pglite_upkeep.ts";
import { PgliteStatements } from "./pglite_prepared.ts";

/** The subset of PGlite's query API shared by the database and its transactions. */
interface PgliteQueryable {
  // PGlite declares params as `any[]`; we pass plain JS values and it serializes them by the
  // type the server inferred for each placeholder.
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(script: string): Promise<unknown>;
}

/**
 * Settings for a database running on the server's own thread, where one slow statement holds
 * back every socket. Postgres merges the full-text index's pending list into the index inline,
 * inside the insert that fills it: with the default 4 MB list that insert took ~170 ms every
 * ~40,000 messages, so the list is kept small (merged in steps of a few ms; the same work in
 * total). New WAL segments are not zero-filled first: 16 MB of writes, ~35 ms every few seconds
 * at 1,000 msg/s (Postgres detects the end of the log by its checksums either way).
 *
 * Prepared statements always use their generic plan. By default Postgres plans each execution
 * again until a generic plan looks no costlier, which for the `= ANY($1)` and `unnest($1)` batch
 * reads never happens (a generic array is estimated at 10 elements): about a millisecond of
 * planning per statement. The queries are written as index probes whose plan does not depend on
 * the values (see `sql_append_batch.ts`), which is what makes a generic plan safe.
 */
const SESSION_SETTINGS = "SET gin_pending_list_limit = 128; SET wal_init_zero = off; " +
  "SET plan_cache_mode = force_generic_plan";

/**
 * Opens (creating when needed) a PGlite database under `dataDir` (in `dataDir/pglite`). Throws
 * `StoreUnavailableError` when another process holds the directory.
 */
export async function createPgliteDb(dataDir: string): Promise<Db> {
  await Deno.mkdir(dataDir, { recursive: true });
  const lock = await Deno.open(join(dataDir, "pglite.lock"), {
    read: true,
    write: true,
    create: true,
  });
  if (!(await lock.tryLock(true))) {
    lock.close();
    throw new StoreUnavailableError(`PGlite data directory is in use by another process`);
  }
  let pg: PGlite;
  try {
    pg = await PGlite.create(join(dataDir, "pglite"));
    await pg.exec(SESSION_SETTINGS);
  } catch (err) {
    lock.close();
    throw new StoreUnavailableError("PGlite failed to start", { cause: err });
  }

  const fail = (err: unknown): unknown =>
    pg.closed
      ? new StoreUnavailableError("Database unavailable (pglite): closed", { cause: err })
      : normalizeError(err, "pglite");

  const queryable = (q: PgliteQueryable): Queryable => ({
    async query(text: string, params: readonly unknown[] = []): Promise<Row[]> {
      try {
        const res = await q.query<Row>(text, params.map((p) => p === undefined ? null : p));
        return res.rows;
      } catch (err) {
        throw fail(err);
      }
    },
    async exec(script: string): Promise<void> {
      try {
        await q.exec(script);
      } catch (err) {
        throw fail(err);
      }
    },
  });

  // A transaction's statements go through `pg.transaction`; prepared statements must never run
  // between them (they would join the transaction), so the two take turns.
  const turns = new Mutex();
  const statements = new PgliteStatements(pg);
  const base: Queryable = {
    async query(text: string, params: readonly unknown[] = []): Promise<Row[]> {
      try {
        return await turns.runExclusive(() => statements.query(text, params));
      } catch (err) {
        throw fail(err);
      }
    },
    exec: queryable(pg).exec,
  };
  const stopUpkeep = startUpkeep(base);
  let closing: Promise<void> | null = null;
  return {
    backend: "pglite",
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      try {
        return await turns.runExclusive(() => pg.transaction((tx) => fn(queryable(tx))));
      } catch (err) {
        throw fail(err);
      }
    },
    async listen(channel, onNotify, onListen) {
      checkChannel(channel);
      try {
        const unlisten = await pg.listen(channel, onNotify);
        onListen?.();
        return () => unlisten();
      } catch (err) {
        throw fail(err);
      }
    },
    async notify(channel, payload) {
      checkChannel(channel);
      await base.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    close() {
      closing ??= (async () => {
        stopUpkeep();
        try {
          if (!pg.closed) await pg.close();
        } finally {
          lock.close();
        }
      })();
      return closing;
    },
  };
}
