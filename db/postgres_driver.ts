/**
 * The Postgres driver: a pooled `npm:postgres` (postgres.js) client behind the {@link Db}
 * interface. Statements run as named prepared statements, cached per connection.
 *
 * With `timeoutMs`, every call is bounded, so a network partition that drops packets without a
 * reset cannot hold a caller for the operating system's TCP timeout:
 *
 * - a call not answered within `timeoutMs` fails with `StoreUnavailableError` (a query not yet
 *   sent is taken off the queue; a transaction still to run rolls back instead);
 * - Postgres cancels a statement running longer (`statement_timeout`), so a slow but reachable
 *   server answers with a retryable error before the caller's deadline, and ends a session left
 *   idle inside a transaction (its client cut off) after twice that, releasing its row locks;
 * - opening a connection is bounded by the same time;
 * - a connection that stops answering is ended ({@link SocketWatch}) and the next query opens a
 *   fresh one, so the pool works again as soon as the network does.
 *
 * LISTEN runs on a connection of its own, which {@link Db.resetListener} replaces.
 *
 * @module
 */

import postgres from "postgres";
import { StoreUnavailableError } from "./store.ts";
import {
  checkChannel,
  type Db,
  InFlight,
  normalizeError,
  type PoolStats,
  type Queryable,
  type Row,
} from "./driver.ts";
import { type SocketTarget, SocketWatch } from "./pg_socket_watch.ts";

/** Options for {@link createPostgresDb}. */
export interface PostgresDbOptions {
  /** Connections in the pool (default 10). LISTEN uses one more, dedicated connection. */
  max?: number;
  /** Seconds an idle connection is kept before it is closed (default 30). */
  idleTimeout?: number;
  /** Seconds to wait for a connection to open (default 10, or `timeoutMs` when set). */
  connectTimeout?: number;
  /**
   * Bound on every call, in ms (see the module doc). 0 or absent: unbounded, for migrations,
   * which may wait for another instance's lock and rewrite large tables.
   */
  timeoutMs?: number;
  /** Reported to Postgres as `application_name` (default `parley`). */
  applicationName?: string;
  /**
   * How long `close()` lets queries still running finish before it ends their connections, in
   * ms (default 5000). The server's shutdown passes its share of the shutdown budget.
   */
  closeTimeoutMs?: number;
}

/** postgres.js takes its own parameter union; our callers pass plain JS values. */
type Params = postgres.ParameterOrJSON<never>[];

function toParams(params: readonly unknown[]): Params {
  // undefined is not a SQL value; both drivers treat it as NULL so behaviour matches.
  // The cast is sound: postgres.js serializes each value by the type the server inferred for it.
  return params.map((p) => p === undefined ? null : p) as Params;
}

/** Races a call against the deadline; `onExpire` runs when the deadline wins. */
type Bound = <T>(work: Promise<T>, onExpire?: () => void) => Promise<T>;

/** A {@link Bound} that fails with `StoreUnavailableError` after `ms` (0: no bound). */
function deadline(ms: number): Bound {
  if (ms <= 0) return (work) => work;
  return async (work, onExpire) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onExpire?.();
        reject(
          new StoreUnavailableError(`Database unavailable (postgres): no answer within ${ms} ms`),
        );
      }, ms);
    });
    try {
      // The race handles a late rejection of `work`, so an abandoned call never surfaces as an
      // unhandled rejection.
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Runs a postgres.js query under `bound`; a query still queued when it expires is dropped. */
function bounded(bound: Bound, q: postgres.PendingQuery<Row[]>): Promise<Row[]> {
  return bound<Row[]>(q, () => {
    // cancel() takes a query that was never sent off the pool's queue; for one already sent it
    // asks the server to cancel it (over a new connection, which may fail in a partition:
    // Postgres's own statement_timeout cancels it anyway). Typed void, it returns a promise.
    Promise.resolve<unknown>(q.cancel()).catch(() => {});
  });
}

function queryable(
  sql: postgres.Sql | postgres.TransactionSql,
  bound: Bound,
  /** Throws once the enclosing transaction's deadline has passed (so it rolls back). */
  guard: () => void = () => {},
): Queryable {
  return {
    async query(text: string, params: readonly unknown[] = []): Promise<Row[]> {
      try {
        guard();
        return await bounded(bound, sql.unsafe<Row[]>(text, toParams(params), { prepare: true }));
      } catch (err) {
        throw normalizeError(err, "postgres");
      }
    },
    async exec(script: string): Promise<void> {
      try {
        guard();
        // Without parameters postgres.js uses the simple protocol, which allows many statements.
        await bounded(bound, sql.unsafe<Row[]>(script));
      } catch (err) {
        throw normalizeError(err, "postgres");
      }
    },
  };
}

/**
 * Creates a pooled Postgres {@link Db}. No connection is opened until the first query, so this
 * never fails for an unreachable server; the first query does, with `StoreUnavailableError`.
 * The URL (which may hold a password) is never logged.
 */
export function createPostgresDb(url: string, opts: PostgresDbOptions = {}): Db {
  const timeoutMs = opts.timeoutMs ?? 0;
  const bound = deadline(timeoutMs);
  // A socket silent this long after a request is dead: Postgres answers every statement within
  // statement_timeout (= timeoutMs), and the margin covers the round trip on a loaded machine.
  const stallMs = timeoutMs > 0 ? timeoutMs + 1000 : Infinity;
  const poolSockets = new SocketWatch({ stallMs });
  const listenSockets = new SocketWatch({ stallMs });
  const options = {
    max: opts.max ?? 10,
    idle_timeout: opts.idleTimeout ?? 30,
    connect_timeout: opts.connectTimeout ?? (timeoutMs > 0 ? timeoutMs / 1000 : 10),
    // postgres.js counts failed attempts across the whole pool and waits up to 20 s by default,
    // so a 2 s database restart held acks for 20 s; cap the wait at 2 s with jitter instead.
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(0.1 * 2 ** retries, 2),
    onnotice: () => {},
    connection: {
      application_name: opts.applicationName ?? "parley",
      ...(timeoutMs > 0
        ? {
          statement_timeout: timeoutMs,
          idle_in_transaction_session_timeout: 2 * timeoutMs,
        }
        : {}),
    },
  };
  // postgres.js opens its sockets through `socket` (an option its types leave out).
  const sql = postgres(
    url,
    {
      ...options,
      socket: (o: SocketTarget) => poolSockets.open(o),
    } as typeof options,
  );
  // LISTEN gets a client of its own (postgres.js keeps one connection for it), so its sockets
  // are known and resetListener() can end exactly that connection.
  const listener = postgres(
    url,
    {
      ...options,
      max: 1,
      socket: (o: SocketTarget) => listenSockets.open(o),
    } as typeof options,
  );
  const base = queryable(sql, bound);
  const max = options.max;
  // Calls on the pool in progress (a transaction counts once: it holds one connection). More
  // than `max` means the rest wait in postgres.js's queue.
  const inFlight = new InFlight();
  const counted = inFlight.wrap.bind(inFlight);
  return {
    backend: "postgres",
    query: counted(base.query),
    exec: counted(base.exec),
    poolStats(): PoolStats {
      const busy = Math.min(inFlight.active, max);
      return {
        busy,
        idle: Math.max(0, Math.min(poolSockets.size, max) - busy),
        waiting: Math.max(0, inFlight.active - max),
        max,
      };
    },
    transaction: counted(async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
      let expired = false;
      const guard = () => {
        if (expired) throw new StoreUnavailableError("Database unavailable (postgres): timed out");
      };
      try {
        // postgres.js types the result as UnwrapPromiseArray<T>, which is T for non-array T and
        // an array of awaited elements otherwise; fn already returns awaited values. A
        // transaction that gets its connection after the deadline rolls back without running:
        // its caller has already been told to retry.
        return await bound(
          sql.begin((tx) => fn(queryable(tx, (work) => work, guard))) as Promise<T>,
          () => expired = true,
        );
      } catch (err) {
        throw normalizeError(err, "postgres");
      }
    }),
    async withAdvisoryLock(key, fn) {
      // A session lock lives on one connection: reserve one for the whole job, so the job's
      // own statements (on the pool, each its own short transaction) never hold it open.
      let reserved: postgres.ReservedSql;
      try {
        reserved = await bound(sql.reserve());
      } catch (err) {
        throw normalizeError(err, "postgres");
      }
      const own = queryable(reserved, bound);
      try {
        const [row] = await own.query("SELECT pg_try_advisory_lock($1::bigint) AS locked", [key]);
        if (row.locked !== true) return false;
        try {
          await fn();
        } finally {
          // Ended with the session too, should this fail.
          await own.query("SELECT pg_advisory_unlock($1::bigint)", [key]).catch(() => {});
        }
        return true;
      } finally {
        reserved.release();
      }
    },
    async listen(channel, onNotify, onListen) {
      checkChannel(channel);
      let expired = false;
      const subscribing = listener.listen(channel, onNotify, onListen);
      try {
        const meta = await bound(subscribing, () => expired = true);
        return () => meta.unlisten();
      } catch (err) {
        // A subscription that completes after its caller gave up is dropped again.
        if (expired) subscribing.then((meta) => meta.unlisten()).catch(() => {});
        throw normalizeError(err, "postgres");
      }
    },
    resetListener() {
      // postgres.js sees the connection close, opens a new one and listens again on every
      // channel; each subscription's onListen runs once it is back.
      listenSockets.destroyAll();
    },
    async notify(channel, payload) {
      checkChannel(channel);
      try {
        await bound(sql.notify(channel, payload));
      } catch (err) {
        throw normalizeError(err, "postgres");
      }
    },
    async close() {
      try {
        // postgres.js takes seconds; past them it destroys the connections still busy.
        const timeout = (opts.closeTimeoutMs ?? 5000) / 1000;
        await Promise.all([sql.end({ timeout }), listener.end({ timeout })]);
      } finally {
        poolSockets.close();
        listenSockets.close();
      }
    },
  };
}
