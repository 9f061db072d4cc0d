/**
 * Opens the database the way the server does (same `DATABASE_URL` / `DATA_DIR`), and turns the
 * ways that fails into {@link CliError}s an operator can act on: the variable to fix, the exit
 * code of SPEC-12. The embedded database belongs to one process (an OS lock on its directory),
 * so the CLI fails at once, saying why, when a server holds it, instead of waiting.
 *
 * @module
 */

import { type LogFields, type Logger, silentLogger } from "../core/log.ts";
import { createStore, type Db, type DbStore, StoreUnavailableError } from "../db/mod.ts";
import type { Config } from "../server/config.ts";
import { connectWithRetry } from "../server/retry.ts";
import { permanentFailure, unreachableFailure } from "../server/startup_failure.ts";
import { CliError, ExitCode } from "./errors.ts";

/** How the CLI opens the database. */
export interface OpenOptions {
  /**
   * Keep trying an unreachable Postgres this long (ms) before giving up with exit 69: for
   * `migrate`, which runs unattended before a deploy while the database may still be starting.
   * Interactive commands try once.
   */
  retryMs?: number;
  /** Called once when the first attempt failed and retries begin. */
  onRetry?: (reason: string) => void;
}

/** Opens the store, applying pending migrations first, as the server does at start. */
export async function openStore(config: Config, opts: OpenOptions = {}): Promise<DbStore> {
  await requireDataDir(config);
  return await withRetry(config, opts, () =>
    createStore({
      databaseUrl: config.databaseUrl ?? undefined,
      dataDir: config.dataDir,
      poolSize: 2,
    }));
}

/** Opens the database without applying migrations (for `migrate` and `migrate --status`). */
export async function openDriver(config: Config, opts: OpenOptions = {}): Promise<Db> {
  return await withRetry(config, opts, async () => {
    if (config.databaseUrl === null) {
      const { createPgliteDb } = await import("../db/pglite_driver.ts");
      return await createPgliteDb(config.dataDir);
    }
    const { createPostgresDb } = await import("../db/postgres_driver.ts");
    const db = createPostgresDb(config.databaseUrl, { max: 2, applicationName: "parley-admin" });
    try {
      // postgres.js connects lazily: a first query surfaces a bad URL or password here.
      await db.query("SELECT 1");
      return db;
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
  });
}

/**
 * A command other than `migrate` on the embedded database needs an existing one: in the wrong
 * working directory it would otherwise create an empty database and report it empty.
 */
async function requireDataDir(config: Config): Promise<void> {
  if (config.databaseUrl !== null) return;
  try {
    await Deno.stat(config.dataDir);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    throw new CliError(
      ExitCode.Config,
      `No embedded database at ${config.dataDir}: set DATA_DIR to the server's data directory, ` +
        "or DATABASE_URL to its Postgres database",
    );
  }
}

async function withRetry<T>(
  config: Config,
  opts: OpenOptions,
  open: () => Promise<T>,
): Promise<T> {
  const retryMs = opts.retryMs ?? 0;
  let retrying = false;
  // connectWithRetry reports each wait as a warning; the CLI says once that it is waiting.
  const note = (_msg: string, fields?: LogFields) => {
    if (retrying) return;
    retrying = true;
    opts.onRetry?.(String(fields?.reason ?? "database unavailable"));
  };
  const log: Logger = { ...silentLogger, warn: note };
  try {
    return await connectWithRetry(open, log, {
      budgetMs: retryMs,
      capMs: 5000,
      // Only Postgres may still be coming up; the embedded database is busy or broken.
      isTransient: (err) =>
        config.databaseUrl !== null && err instanceof StoreUnavailableError &&
        permanentFailure(err, config) === null,
    });
  } catch (err) {
    throw describeOpenError(err, config, retryMs);
  }
}

/**
 * Names what went wrong opening the database and what to fix, with the server's own start-up
 * classification (`server/startup_failure.ts`): 78 for what the operator must change, 69 for a
 * database that is not there or, for the embedded one, held by a running server.
 */
export function describeOpenError(err: unknown, config: Config, retryMs = 0): CliError {
  if (err instanceof CliError) return err;
  const why = err instanceof Error ? err.message : String(err);
  if (
    config.databaseUrl === null && err instanceof StoreUnavailableError &&
    /in use by another process/.test(why)
  ) {
    return new CliError(
      ExitCode.Unavailable,
      `The embedded database in ${config.dataDir} (DATA_DIR) is in use by another process, ` +
        "most likely the running Parley server: the embedded database allows one process at " +
        "a time. Stop the server, run the command, start it again (or use Postgres with " +
        "DATABASE_URL, where the CLI runs beside the server)",
      { cause: err },
    );
  }
  const failure = permanentFailure(err, config) ??
    (err instanceof StoreUnavailableError ? unreachableFailure(err, config, retryMs) : null);
  if (failure) return new CliError(failure.exitCode as ExitCode, failure.message, { cause: err });
  return new CliError(ExitCode.Failure, `Could not open the database: ${why}`, { cause: err });
}
