/**
 * Tells a start-up failure the operator must fix (wrong password, missing database, a data
 * directory that cannot be written...) from one that passes by itself (the database is still
 * starting, or not reachable yet), and words the first as one sentence naming the cause and the
 * variable to change. Retrying a wrong password for a minute only hides it behind a wall of
 * "retrying" lines; exiting at once with the reason lets the orchestrator show it.
 *
 * What each driver reports was read off real failures: postgres.js passes Postgres's SQLSTATE as
 * `code` (28P01 wrong password, 28000 missing role or no pg_hba.conf entry, 3D000 missing
 * database, 42501 missing privilege) and Node's network codes for sockets (ECONNREFUSED,
 * ENOTFOUND...); a TLS failure arrives as a socket error whose message names TLS or a
 * certificate. PGlite's own start-up wraps the file-system error (`PermissionDenied`, EACCES,
 * EROFS, EPERM, ENOTDIR...) as the `cause` of a `StoreUnavailableError`.
 *
 * @module
 */

/** Why start-up failed, as logged in the `cause` field. */
export type StartupCause =
  | "auth_failed"
  | "role_missing"
  | "database_missing"
  | "permission_denied"
  | "data_dir_not_writable"
  | "tls_failed"
  | "database_unreachable";

/** Exit codes of the server and the CLI (sysexits.h). */
export const ExitCode = {
  Ok: 0,
  /** Anything unexpected. */
  Unexpected: 1,
  /** EX_USAGE: a CLI usage error. */
  Usage: 64,
  /** EX_UNAVAILABLE: the database was still unreachable when the retry budget ran out. */
  Unavailable: 69,
  /** EX_CONFIG: configuration the operator must fix. */
  Config: 78,
} as const;

/** A start-up failure that retrying cannot fix. */
export class StartupFailure extends Error {
  /** What went wrong, for the log's `cause` field. */
  readonly code: StartupCause;
  /** The variable to fix (`DATABASE_URL`, `DATA_DIR`). */
  readonly variable: string;
  /** The process's exit code. */
  readonly exitCode: number;
  /** Creates the failure; `message` is the sentence the operator reads. */
  constructor(
    code: StartupCause,
    variable: string,
    message: string,
    exitCode: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "StartupFailure";
    this.code = code;
    this.variable = variable;
    this.exitCode = exitCode;
  }
}

/** Where the database is, as far as the messages need it (never the password). */
export interface DatabaseTarget {
  databaseUrl: string | null;
  dataDir: string;
}

/** Node's codes for a certificate Node's TLS refused. */
const TLS_CODES = new Set([
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** File-system codes and Deno error names meaning "this directory cannot be created or written". */
const FS_CODES = new Set(["EACCES", "EROFS", "EPERM", "ENOTDIR", "ENOENT", "EISDIR"]);
const FS_NAMES = new Set(["PermissionDenied", "NotCapable", "NotADirectory", "NotFound"]);

/** One error of a `cause` chain, reduced to what the classification reads. */
interface Link {
  name: string;
  code: string | undefined;
  message: string;
}

/** The error and its causes, outermost first (at most 8, in case of a cycle). */
function chain(err: unknown): Link[] {
  const links: Link[] = [];
  let cur: unknown = err;
  while (cur !== undefined && cur !== null && links.length < 8) {
    if (typeof cur !== "object") {
      links.push({ name: typeof cur, code: undefined, message: String(cur) });
      break;
    }
    const obj = cur as Record<string, unknown>;
    links.push({
      name: typeof obj.name === "string" ? obj.name : "",
      code: typeof obj.code === "string" ? obj.code : undefined,
      message: typeof obj.message === "string" ? obj.message : String(cur),
    });
    cur = obj.cause;
  }
  return links;
}

/** User, database and `host:port` of a Postgres URL, for the messages (the password stays out). */
function describeUrl(url: string): { user: string; database: string; host: string } {
  try {
    const u = new URL(url);
    return {
      user: decodeURIComponent(u.username) || "postgres",
      database: decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username) ||
        "postgres",
      host: `${u.hostname}:${u.port || "5432"}`,
    };
  } catch {
    return { user: "?", database: "?", host: "?" };
  }
}

/**
 * The permanent failure `err` stands for, or null when it may pass by itself (the caller retries
 * those) or is not one start-up knows.
 */
export function permanentFailure(err: unknown, target: DatabaseTarget): StartupFailure | null {
  if (err instanceof StartupFailure) return err;
  const links = chain(err);
  const config = (code: StartupCause, variable: string, message: string) =>
    new StartupFailure(code, variable, message, ExitCode.Config, { cause: err });
  if (target.databaseUrl) {
    const { user, database } = describeUrl(target.databaseUrl);
    // Innermost first: the driver's own error, not a wrapper's restatement of it.
    for (const { code, message } of links.toReversed()) {
      if (code === "28P01") {
        return config(
          "auth_failed",
          "DATABASE_URL",
          `Postgres rejected the password for user "${user}": fix the password in DATABASE_URL`,
        );
      }
      if (code === "28000" && /role .* does not exist/.test(message)) {
        return config(
          "role_missing",
          "DATABASE_URL",
          `Postgres has no role "${user}": create it (CREATE ROLE ... LOGIN) or fix the user ` +
            "in DATABASE_URL",
        );
      }
      if (code !== undefined && code.startsWith("28")) {
        return config(
          "auth_failed",
          "DATABASE_URL",
          `Postgres refused user "${user}" (${message}): allow it in pg_hba.conf or fix ` +
            "DATABASE_URL",
        );
      }
      if (code === "3D000") {
        return config(
          "database_missing",
          "DATABASE_URL",
          `Postgres has no database "${database}" (${message}): create it (createdb ` +
            `${database}) or fix the database name in DATABASE_URL`,
        );
      }
      if (code === "42501") {
        return config(
          "permission_denied",
          "DATABASE_URL",
          `Postgres user "${user}" lacks a privilege the migrations need (${message}): grant ` +
            `it (e.g. GRANT CREATE ON SCHEMA public TO "${user}") or use the owner of the ` +
            "database in DATABASE_URL",
        );
      }
      if (
        (code !== undefined && (TLS_CODES.has(code) || code.startsWith("ERR_SSL_"))) ||
        /\bTLS\b|\bSSL\b|certificate/i.test(message)
      ) {
        return config(
          "tls_failed",
          "DATABASE_URL",
          `The TLS connection to Postgres failed (${message}): check sslmode in DATABASE_URL ` +
            "and the server's certificate",
        );
      }
    }
    return null;
  }
  for (const { name, code, message } of links) {
    if (name === "NotCapable") {
      return config(
        "data_dir_not_writable",
        "DATA_DIR",
        `Deno's permissions do not allow writing the data directory "${target.dataDir}": run ` +
          "with --allow-write, or set DATABASE_URL to use Postgres",
      );
    }
    if ((code !== undefined && FS_CODES.has(code)) || FS_NAMES.has(name)) {
      return config(
        "data_dir_not_writable",
        "DATA_DIR",
        `The data directory "${target.dataDir}" cannot be created or written (${message}): ` +
          "make it writable by this user or set DATA_DIR to a directory that is",
      );
    }
  }
  return null;
}

/** The failure to exit with once the database stayed unreachable for `retryMs`. */
export function unreachableFailure(
  err: unknown,
  target: DatabaseTarget,
  retryMs: number,
): StartupFailure {
  const last = chain(err).at(-1)?.message ?? String(err);
  const waited = retryMs > 0 ? ` after ${Math.round(retryMs / 1000)} s of retries` : "";
  if (target.databaseUrl) {
    const { host } = describeUrl(target.databaseUrl);
    return new StartupFailure(
      "database_unreachable",
      "DATABASE_URL",
      `Postgres at ${host} is still unreachable${waited} (${last}): check that it is ` +
        "running and that DATABASE_URL names the right host and port, or raise " +
        "PARLEY_DB_CONNECT_RETRY_MS",
      ExitCode.Unavailable,
      { cause: err },
    );
  }
  return new StartupFailure(
    "database_unreachable",
    "DATA_DIR",
    `The embedded database in "${target.dataDir}" could not be opened${waited} (${last}): ` +
      "check that no other process uses DATA_DIR",
    ExitCode.Unavailable,
    { cause: err },
  );
}
