/**
 * The Postgres driver: a pooled `npm:postgres` (postgres.js) client behind the {@link Db}
 * interface. Statements run as named prepared statements, cached per connection.
 *
 * @module
 */

import postgres from "postgres";
import { checkChannel, type Db, normalizeError, type Queryable, type Row } from "./driver.ts";

/** Options for {@link createPostgresDb}. */
export interface PostgresDbOptions {
  /** Connections in the pool (default 10). LISTEN uses one more, dedicated connection. */
  max?: number;
  /** Seconds an idle connection is kept before it is closed (default 30). */
  idleTimeout?: number;
  /** Seconds to wait for a connection to open (default 10). */
  connectTimeout?: number;
  /** Reported to Postgres as `application_name` (default `parley`). */
  applicationName?: string;
}

/** postgres.js takes its own parameter union; our callers pass plain JS values. */
type Params = postgres.ParameterOrJSON<never>[];

function toParams(params: readonly unknown[]): Params {
  // undefined is not a SQL value; both drivers treat it as NULL so behaviour matches.
  // The cast is sound: postgres.js serializes each value by the type the server inferred for it.
  return params.map((p) => p === undefined ? null : p) as Params;
}

function queryable(sql: postgres.Sql | postgres.TransactionSql): Queryable {
  return {
    async query(text: string, params: readonly unknown[] = []): Promise<Row[]> {
      try {
        return await sql.unsafe<Row[]>(text, toParams(params), { prepare: true });
      } catch (err) {
        throw normalizeError(err, "postgres");
      }
    },
    async exec(script: string): Promise<void> {
      try {
        // Without parameters postgres.js uses the simple protocol, which allows many statements.
        await sql.unsafe(script);
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
  const sql = postgres(url, {
    max: opts.max ?? 10,
    idle_timeout: opts.idleTimeout ?? 30,
    connect_timeout: opts.connectTimeout ?? 10,
    // postgres.js counts failed attempts across the whole pool and waits up to 20 s by default,
    // so a 2 s database restart held acks for 20 s; cap the wait at 2 s with jitter instead.
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(0.1 * 2 ** retries, 2),
    onnotice: () => {},
    connection: { application_name: opts.applicationName ?? "parley" },
  });
  const base = queryable(sql);
  return {
    backend: "postgres",
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      try {
        // postgres.js types the result as UnwrapPromiseArray<T>, which is T for non-array T and
        // an array of awaited elements otherwise; fn already returns awaited values.
        return await sql.begin((tx) => fn(queryable(tx))) as T;
      } catch (err) {
        throw normalizeError(err, "postgres");
      }
    },
    async listen(channel, onNotify, onListen) {
      checkChannel(channel);
      try {
        const meta = await sql.listen(channel, onNotify, onListen);
        return () => meta.unlisten();
      } catch (err) {
        throw normalizeError(err, "postgres");
      }
    },
    async notify(channel, payload) {
      checkChannel(channel);
      try {
        await sql.notify(channel, payload);
      } catch (err) {
        throw normalizeError(err, "postgres");
      }
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
