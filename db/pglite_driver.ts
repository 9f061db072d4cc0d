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
import { DiskFullError, StoreUnavailableError } from "./store.ts";
import {
  checkChannel,
  type Db,
  InFlight,
  normalizeError,
  type PoolStats,
  type Queryable,
  type Row,
} from "./driver.ts";
import { startUpkeep } from "./pglite_upkeep.ts";
import { PgliteStatements } from "./pglite_prepared.ts";
import { durablePgliteOptions, type SyncObserver, syncTree } from "./pglite_durable_fs.ts";
import { type DiskState, DiskWatch, freeBytes, isDiskFull, MIN_FREE_BYTES } from "./disk_space.ts";
import { tryLockExclusive } from "./file_lock.ts";

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

/** Options of {@link createPgliteDb}. */
export interface PgliteDbOptions {
  /** Observes each fsync the database makes, with the real path synced (tests count them). */
  onSync?: SyncObserver;
  /** Hears when the disk under the data directory becomes full, and when space is back. */
  onDiskState?: (state: DiskState) => void;
}

/**
 * Opens (creating when needed) a PGlite database under `dataDir` (in `dataDir/pglite`). Throws
 * `StoreUnavailableError` when another process holds the directory.
 *
 * Commits are durable: Postgres runs with fsync on, through a filesystem that forwards it
 * (`pglite_durable_fs.ts`), so a transaction that resolved is on stable storage. Both directories
 * are private to the server's user (mode 0700): they hold every conversation.
 */
export async function createPgliteDb(dataDir: string, opts: PgliteDbOptions = {}): Promise<Db> {
  const pgdata = join(dataDir, "pglite");
  const starting = (err: unknown): Error => {
    // On a full disk Postgres's own start-up error says little; name the condition.
    const free = freeBytes(dataDir);
    if (isDiskFull(err) || (free !== null && free < MIN_FREE_BYTES)) {
      return new DiskFullError(dataDir, free, { cause: err });
    }
    return new StoreUnavailableError("PGlite failed to start", { cause: err });
  };
  let lock: Deno.FsFile;
  try {
    await makePrivateDir(dataDir);
    lock = await Deno.open(join(dataDir, "pglite.lock"), { read: true, write: true, create: true });
  } catch (err) {
    throw starting(err);
  }
  if (!(await tryLockExclusive(lock))) {
    lock.close();
    throw new StoreUnavailableError(`PGlite data directory is in use by another process`);
  }
  let pg: PGlite | undefined;
  try {
    await makePrivateDir(pgdata);
    pg = await PGlite.create({ dataDir: pgdata, ...durablePgliteOptions(pgdata, opts.onSync) });
    // What PGlite's initdb (or an earlier run, with fsync off) wrote without syncing is made
    // durable before anything new is acknowledged on top of it.
    await syncTree(pgdata);
    await pg.exec(SESSION_SETTINGS);
  } catch (err) {
    await pg?.close().catch(() => {});
    lock.close();
    throw starting(err);
  }

  const disk = new DiskWatch(dataDir, opts.onDiskState);
  const fail = (err: unknown): unknown =>
    pg.closed
      ? new StoreUnavailableError("Database unavailable (pglite): closed", { cause: err })
      : disk.noteError(normalizeError(err, "pglite"));

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
  // Calls in progress: PGlite is one connection, so one runs and the rest wait their turn.
  const inFlight = new InFlight();
  const counted = inFlight.wrap.bind(inFlight);
  return {
    backend: "pglite",
    query: counted(base.query),
    exec: counted(base.exec),
    poolStats(): PoolStats {
      const busy = Math.min(inFlight.active, 1);
      return {
        busy,
        idle: pg.closed ? 0 : 1 - busy,
        waiting: Math.max(0, inFlight.active - 1),
        max: 1,
      };
    },
    transaction: counted(async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
      try {
        return await turns.runExclusive(() => pg.transaction((tx) => fn(queryable(tx))));
      } catch (err) {
        throw fail(err);
      }
    }),
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
    checkStorage() {
      const full = disk.check();
      if (full) throw full;
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

/** Creates `dir` (and parents) when missing, and takes group and other access away from it. */
async function makePrivateDir(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const { mode } = await Deno.stat(dir);
  if (mode !== null && (mode & 0o077) !== 0) await Deno.chmod(dir, mode & 0o700);
}
