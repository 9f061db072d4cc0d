/**
 * Opens the database the way the server does (same `DATABASE_URL` / `DATA_DIR`), and turns the
 * ways that fails into {@link CliError}s an operator can act on: the variable to fix, the exit
 * code of SPEC-12. The embedded database belongs to one process (an OS lock on its directory),
 * so the CLI fails at once, saying why, when a server holds it, instead of waiting.
 *
 * @module
 */

import { createStore, type Db, DbError, type DbStore, StoreUnavailableError } from "../db/mod.ts";
import type { Config } from "../server/config.ts";
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
  const deadline = Date.now() + (opts.retryMs ?? 0);
  for (let attempt = 1;; attempt++) {
    try {
      return await open();
    } catch (err) {
      const failure = describeOpenError(err, config);
      const retryable = config.databaseUrl !== null && err instanceof StoreUnavailableError;
      if (!retryable || Date.now() >= deadline) throw failure;
      if (attempt === 1) opts.onRetry?.(failure.message);
      const wait = Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
      await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, deadline - Date.now()))));
    }
  }
}

/** The Postgres user and host of a URL, for messages (never its password). */
function target(url: string): { user: string; host: string; database: string } {
  try {
    const u = new URL(url);
    return {
      user: decodeURIComponent(u.username) || "(default user)",
      host: u.host || "localhost",
      database: decodeURIComponent(u.pathname.slice(1)) || "(default database)",
    };
  } catch {
    return { user: "?", host: "?", database: "?" };
  }
}

/**
 * Names what went wrong opening the database and what to fix; the codes follow SPEC-12 (78 for
 * what the operator must change, 69 for a database that is not there or is busy).
 */
export function describeOpenError(err: unknown, config: Config): CliError {
  if (err instanceof CliError) return err;
  const why = err instanceof Error ? err.message : String(err);
  if (config.databaseUrl === null) {
    if (err instanceof StoreUnavailableError && /in use by another process/.test(why)) {
      return new CliError(
        ExitCode.Unavailable,
        `The embedded database in ${config.dataDir} (DATA_DIR) is in use by another process, ` +
          "most likely the running Parley server: the embedded database allows one process at " +
          "a time. Stop the server, run the command, start it again (or use Postgres with " +
          "DATABASE_URL, where the CLI runs beside the server)",
        { cause: err },
      );
    }
    const cause = err instanceof Error && err.cause instanceof Error
      ? `: ${err.cause.message}`
      : "";
    return new CliError(
      ExitCode.Failure,
      `Could not open the embedded database in ${config.dataDir} (DATA_DIR): ${why}${cause}`,
      { cause: err },
    );
  }
  const { user, host, database } = target(config.databaseUrl);
  if (err instanceof DbError) {
    const fix = (sentence: string) => new CliError(ExitCode.Config, sentence, { cause: err });
    switch (err.code) {
      case "28P01":
        return fix(
          `Postgres rejected the password for user "${user}": fix the password in DATABASE_URL`,
        );
      case "28000":
        return fix(`Postgres refused user "${user}" (${why}): fix the user in DATABASE_URL`);
      case "3D000":
        return fix(
          `Postgres database "${database}" does not exist on ${host}: create it, or fix the ` +
            "database name in DATABASE_URL",
        );
      case "42501":
        return fix(
          `Postgres user "${user}" lacks a privilege Parley needs (${why}): grant it, or use ` +
            "another user in DATABASE_URL",
        );
    }
  }
  if (err instanceof StoreUnavailableError) {
    return new CliError(
      ExitCode.Unavailable,
      `Cannot reach Postgres at ${host} (DATABASE_URL): ${why}`,
      { cause: err },
    );
  }
  return new CliError(ExitCode.Failure, `Could not open the database: ${why}`, { cause: err });
}
