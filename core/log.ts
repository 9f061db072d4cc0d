/**
 * The logging interface the core writes to. `server/logger.ts` implements it as structured JSON;
 * tests pass a silent one.
 *
 * @module
 */

/** Structured fields attached to a log line. Never put secrets here. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** A structured logger. */
export interface Logger {
  /**
   * Detail for tracing one problem (`LOG_LEVEL=debug`): each request, socket and frame type.
   * Dropped at every other level, so a caller builds no costly fields for it.
   */
  debug(msg: string, fields?: LogFields): void;
  /** Routine events (start, stop). */
  info(msg: string, fields?: LogFields): void;
  /** Recoverable problems (database unavailable, client misbehaving). */
  warn(msg: string, fields?: LogFields): void;
  /** Unexpected failures; `err`'s message and stack are logged, never its data. */
  error(msg: string, fields?: LogFields, err?: unknown): void;
}

/** A logger that discards everything. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
