/**
 * Structured JSON logs, one object per line on stdout/stderr. Error objects are reduced to
 * name, message and stack; field values are whatever the caller passed, so callers never pass
 * secrets, tokens or query strings.
 *
 * @module
 */

import type { LogFields, Logger } from "../core/log.ts";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;

/** Creates a JSON logger that drops lines below `level`. */
export function createLogger(
  level: keyof typeof LEVELS,
  base: LogFields = {},
  write: (line: string, isError: boolean) => void = (line, isError) =>
    isError ? console.error(line) : console.log(line),
): Logger {
  const min = LEVELS[level];
  const emit = (
    lvl: "debug" | "info" | "warn" | "error",
    msg: string,
    fields?: LogFields,
    err?: unknown,
  ) => {
    if (LEVELS[lvl] < min) return;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: lvl,
      msg,
      ...base,
      ...fields,
    };
    if (err !== undefined) {
      line.err = err instanceof Error
        ? { name: err.name, message: err.message, stack: err.stack }
        : String(err);
    }
    write(JSON.stringify(line), lvl === "error");
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields, err) => emit("error", msg, fields, err),
  };
}
