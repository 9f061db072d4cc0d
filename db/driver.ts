/**
 * The tiny driver abstraction the SQL store runs on. Two implementations share it:
 * `postgres_driver.ts` (a pooled `npm:postgres` client) and `pglite_driver.ts` (embedded PGlite).
 *
 * Drivers return rows as plain objects whose values are already JS values: `timestamptz` as
 * `Date`, `jsonb` as parsed JSON, `integer`/`smallint`/`real` as numbers, `text[]` as arrays.
 * They throw {@link DbError} for errors Postgres reports (keeping its SQLSTATE) and
 * `StoreUnavailableError` when the database cannot be reached.
 *
 * @module
 */

import { StoreUnavailableError } from "./store.ts";

/** One result row, keyed by column name. Values are checked by the row mappers in `rows.ts`. */
export type Row = Record<string, unknown>;

/** Something that runs parameterized SQL: the database itself or an open transaction. */
export interface Queryable {
  /**
   * Runs one statement with `$1`, `$2`… placeholders bound to `params` (as a prepared statement
   * where the driver supports it). Never interpolate user data into `text`.
   */
  query(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations only). */
  exec(script: string): Promise<void>;
}

/**
 * How the connections of a driver are used right now (the pool metrics). Counted in the driver's
 * own calls: a call holds a connection from when it is made until it settles.
 */
export interface PoolStats {
  /** Connections running a call. */
  busy: number;
  /** Connections open and waiting for work. */
  idle: number;
  /** Calls waiting for a connection (all are busy). */
  waiting: number;
  /** The most connections the pool opens. */
  max: number;
}

/** Called with the payload of each notification on a channel. */
export type NotifyHandler = (payload: string) => void;

/** A database connection (pool) with transactions and LISTEN/NOTIFY. */
export interface Db extends Queryable {
  /** Which backend this is. */
  readonly backend: "postgres" | "pglite";
  /**
   * Runs `fn` in a transaction on one connection: committed when `fn` resolves, rolled back when
   * it throws (the error is rethrown). Transactions do not nest.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Subscribes to a notification channel (a lower-case SQL identifier). `onListen` runs each
   * time the subscription is (re-)established, so callers can resynchronise after a reconnect.
   * Resolves to a function that unsubscribes.
   */
  listen(
    channel: string,
    onNotify: NotifyHandler,
    onListen?: () => void,
  ): Promise<() => Promise<void>>;
  /**
   * Drops the connection that carries the subscriptions and opens a new one: for a listener
   * found silent (its connection may be cut off without a reset, so listening again on it would
   * wait as long). Every subscription's `onListen` runs again once it is back. Absent where
   * notifications do not cross a network (PGlite).
   */
  resetListener?(): void;
  /** Sends a notification to every listener of `channel`, in every instance. */
  notify(channel: string, payload: string): Promise<void>;
  /** Closes every connection; later calls fail with `StoreUnavailableError`. */
  close(): Promise<void>;
  /**
   * Checks the storage the database writes to, where the driver owns it (PGlite): throws
   * `DiskFullError` while that disk is full. Absent for Postgres, which watches its own disk.
   */
  checkStorage?(): void;
  /**
   * Runs `fn` while this process holds the session advisory lock `key` on a connection kept for
   * it; resolves false at once, without running `fn`, when another session holds it. Absent
   * where one process owns the database (PGlite).
   */
  withAdvisoryLock?(key: number, fn: () => Promise<void>): Promise<boolean>;
  /** How the connections are used now; absent for a driver that does not count them. */
  poolStats?(): PoolStats;
}

/** An error reported by Postgres, with its SQLSTATE `code` and, when known, the constraint. */
export class DbError extends Error {
  /** The SQLSTATE, e.g. `23505` for a unique violation. */
  readonly code: string;
  /** The violated constraint or index name, when Postgres reported one. */
  readonly constraint: string | undefined;
  /** Wraps the driver's error, kept as `cause`. */
  constructor(message: string, code: string, constraint: string | undefined, cause: unknown) {
    super(message, { cause });
    this.name = "DbError";
    this.code = code;
    this.constraint = constraint;
  }
}

/** SQLSTATE of a unique violation. */
export const UNIQUE_VIOLATION = "23505";
/** SQLSTATE of a foreign key violation. */
export const FOREIGN_KEY_VIOLATION = "23503";
/** SQLSTATE of a check constraint violation. */
export const CHECK_VIOLATION = "23514";

/**
 * Network-level error codes (Node and postgres.js) meaning "no usable connection". Running out
 * of file descriptors (EMFILE, ENFILE) belongs here too: the connection could not be opened
 * now, nothing was written, and it passes once descriptors are free.
 */
const CONNECTION_CODES = new Set([
  "EMFILE",
  "ENFILE",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

/**
 * SQLSTATEs that mean "transient, nothing was written, retry later": connection exceptions
 * (class 08), server shutting down or starting (57P01-57P03), statement cancelled or timed out
 * (57014), too many connections and other resource exhaustion (class 53), and serialization
 * failures or deadlocks (class 40).
 */
function isTransientSqlState(code: string): boolean {
  return code.startsWith("08") || code.startsWith("53") || code.startsWith("40") ||
    code === "57P01" || code === "57P02" || code === "57P03" || code === "57014";
}

/** Reads a string property of an unknown error object. */
function prop(err: unknown, key: string): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const v = (err as Record<string, unknown>)[key];
  return typeof v === "string" ? v : undefined;
}

/**
 * Normalizes a driver error: connection trouble becomes `StoreUnavailableError`, an error
 * Postgres reported becomes {@link DbError}, anything else is returned unchanged.
 */
export function normalizeError(err: unknown, backend: Db["backend"]): unknown {
  if (err instanceof DbError || err instanceof StoreUnavailableError) return err;
  const code = prop(err, "code");
  const message = err instanceof Error ? err.message : String(err);
  if (code !== undefined && (CONNECTION_CODES.has(code) || isTransientSqlState(code))) {
    return new StoreUnavailableError(`Database unavailable (${backend}): ${message}`, {
      cause: err,
    });
  }
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
    // postgres.js names it `constraint_name`, PGlite `constraint`.
    const constraint = prop(err, "constraint_name") ?? prop(err, "constraint");
    return new DbError(message, code, constraint, err);
  }
  return err;
}

/** True when `err` is a {@link DbError} with SQLSTATE `code` (and `constraint`, when given). */
export function isDbError(err: unknown, code: string, constraint?: string): err is DbError {
  return err instanceof DbError && err.code === code &&
    (constraint === undefined || err.constraint === constraint);
}

/** Channel names are plain lower-case identifiers so both drivers address the same channel. */
export function checkChannel(channel: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) {
    throw new TypeError(`Invalid notification channel: ${channel.slice(0, 64)}`);
  }
}

/**
 * Counts the calls in progress through the functions it wraps, for a driver's pool statistics
 * (`Db.poolStats`): a transaction wrapped once counts once, as it holds one connection.
 */
export class InFlight {
  #active = 0;

  /** Calls in progress now. */
  get active(): number {
    return this.#active;
  }

  /** `fn`, counted while each call is in progress. */
  wrap<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A): Promise<R> => {
      this.#active++;
      try {
        return await fn(...args);
      } finally {
        this.#active--;
      }
    };
  }
}
