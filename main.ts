/**
 * Parley's entry point: read the configuration, open the database (retrying with backoff while
 * it is not reachable yet, exiting at once on what the operator must fix), start the server,
 * and drain within the shutdown budget on SIGTERM/SIGINT. docs/lifecycle.md describes each
 * step, exit code and message.
 *
 * @module
 */

import { startCluster } from "./core/cluster/start.ts";
import { createStore, StoreUnavailableError } from "./db/mod.ts";
import { type Config, ConfigError, loadConfig } from "./server/config.ts";
import { createLogger } from "./server/logger.ts";
import { startServer } from "./server/app.ts";
import { guardProcess } from "./server/process_guard.ts";
import { connectWithRetry } from "./server/retry.ts";
import { SHUTDOWN_SHARES, ShutdownBudget } from "./server/shutdown.ts";
import {
  ExitCode,
  permanentFailure,
  StartupFailure,
  unreachableFailure,
} from "./server/startup_failure.ts";

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // Nothing is opened or written before this point (on Deno Deploy without DATABASE_URL, not
  // even the data directory): the one line says what to set.
  const variables = err.problems.flatMap((p) => /^[A-Z][A-Z0-9_]+/.exec(p) ?? []);
  createLogger("info").error(err.problems.join("; "), {
    cause: "invalid_config",
    variable: variables[0] ?? null,
    variables: [...new Set(variables)].join(",") || null,
  });
  Deno.exit(ExitCode.Config);
}

const log = createLogger(config.logLevel, { pid: Deno.pid });
guardProcess(log);

/**
 * The running server, once `startServer` has returned. The signal listeners are installed before
 * anything starts: "listening" is logged inside `startServer`, and a supervisor (or a test) that
 * signals as soon as it reads that line must find them there, not Deno's default (killed, 143).
 * A signal is handled as a task, after the microtasks that set this, so a signal that follows
 * "listening" always drains.
 */
let server: Awaited<ReturnType<typeof startServer>> | null = null;
let exiting = false;
const stop = async (signal: string) => {
  if (exiting) return;
  exiting = true;
  if (server === null) {
    // Still starting (the database may be retrying): nothing is served yet, so nothing drains.
    log.info("stopped before start-up finished", { signal });
    Deno.exit(0);
  }
  const budget = new ShutdownBudget(config.drainTimeoutMs, log);
  // Exits when the budget is spent, whatever is still pending (a platform would kill us soon
  // after, without the 1012s).
  budget.watchdog((code) => Deno.exit(code));
  log.info("draining", { signal, budgetMs: config.drainTimeoutMs });
  await server.shutdown(budget);
  await budget.step("store close", SHUTDOWN_SHARES.store, () => store.close());
  Deno.exit(budget.exitCode());
};
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  try {
    Deno.addSignalListener(signal, () => stop(signal));
  } catch {
    // Windows has no SIGTERM; there the process is stopped with SIGINT (Ctrl+C) or killed.
  }
}
if (config.onDeploy && config.databaseUrl === null) {
  // Reached only with PARLEY_EMBEDDED_DB=true (loadConfig refuses it otherwise).
  log.warn(
    "PARLEY_EMBEDDED_DB=true on Deno Deploy: every instance has its own database on its own " +
      "disk, lost when the instance is replaced; set DATABASE_URL to keep data",
  );
}

/** Where the database is, for the failure messages. */
const target = { databaseUrl: config.databaseUrl, dataDir: config.dataDir };

/** Retried: the database is not reachable yet (or still starting), and nothing says it won't be. */
function isTransient(err: unknown): boolean {
  return permanentFailure(err, target) === null && err instanceof StoreUnavailableError;
}

/** Logs the one line that explains a failed start, and exits with its code. */
function failStart(err: unknown): never {
  const failure = err instanceof StartupFailure ? err : permanentFailure(err, target) ??
    (err instanceof StoreUnavailableError
      ? unreachableFailure(err, target, config.dbConnectRetryMs)
      : null);
  if (failure) {
    log.error(failure.message, { cause: failure.code, variable: failure.variable });
    Deno.exit(failure.exitCode);
  }
  log.error("start-up failed", {}, err);
  Deno.exit(ExitCode.Unexpected);
}

const retry = { budgetMs: config.dbConnectRetryMs, isTransient };
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
      // The pool's close is one step of the shutdown budget (server/shutdown.ts).
      closeTimeoutMs: Math.floor(
        config.drainTimeoutMs * (SHUTDOWN_SHARES.store - SHUTDOWN_SHARES.cluster),
      ),
    }),
  log,
  retry,
).catch(failStart);
// With Postgres, instances share events and presence through it (LISTEN/NOTIFY); the embedded
// PGlite database belongs to this one process, so the in-process bus is enough there.
const cluster = store.backend === "postgres"
  ? await connectWithRetry(() => startCluster({ db: store.db, log }), log, retry).catch(failStart)
  : undefined;
server = await startServer(config, { store, log, cluster });
