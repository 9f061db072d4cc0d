/**
 * The CLI's exit codes and its one error type. Expected failures (a usage mistake, an unknown
 * email, a database that refuses the password) are {@link CliError}s: the entry point prints
 * their message as one line on stderr and exits with their code, never with a stack trace.
 *
 * @module
 */

import { ExitCode as ServerExit } from "../server/startup_failure.ts";

/** Exit codes: the server's (`server/startup_failure.ts`), with the CLI's name for 1. */
export const ExitCode = {
  /** Done. */
  Ok: ServerExit.Ok,
  /** The command failed (an unknown agent, a refused value) or something unexpected happened. */
  Failure: ServerExit.Unexpected,
  /** EX_USAGE: the command line is wrong. */
  Usage: ServerExit.Usage,
  /** EX_UNAVAILABLE: the database cannot be reached, or another process holds the embedded one. */
  Unavailable: ServerExit.Unavailable,
  /** EX_CONFIG: configuration the operator must fix (environment, credentials, permissions). */
  Config: ServerExit.Config,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** An expected failure: its message is printed as is, and the process exits with `exitCode`. */
export class CliError extends Error {
  /** The process's exit code. */
  readonly exitCode: ExitCode;
  /** Creates the error. */
  constructor(exitCode: ExitCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** The command line is wrong: exit 64, with a pointer to the command's `--help`. */
export class UsageError extends CliError {
  /** Creates the error. */
  constructor(message: string) {
    super(ExitCode.Usage, message);
    this.name = "UsageError";
  }
}
