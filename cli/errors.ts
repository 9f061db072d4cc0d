/**
 * The CLI's exit codes and its one error type. Expected failures (a usage mistake, an unknown
 * email, a database that refuses the password) are {@link CliError}s: the entry point prints
 * their message as one line on stderr and exits with their code, never with a stack trace.
 *
 * @module
 */

/** Exit codes, from BSD's sysexits where one fits (the server uses the same, see SPEC-12). */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** The command failed (an unknown agent, a refused value) or something unexpected happened. */
  Failure: 1,
  /** EX_USAGE: the command line is wrong. */
  Usage: 64,
  /** EX_UNAVAILABLE: the database cannot be reached, or another process holds the embedded one. */
  Unavailable: 69,
  /** EX_CONFIG: configuration the operator must fix (environment, credentials, permissions). */
  Config: 78,
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
