/**
 * Configuration, read once from the environment at start-up and validated. Every bad variable is
 * reported together, so a misconfigured deploy fails with one clear message.
 *
 * @module
 */

import { HEARTBEAT_MS, HEARTBEAT_TIMEOUT_BEATS } from "../protocol/timing.ts";

/** Parley's configuration, passed down as one typed object. */
export interface Config {
  port: number;
  hostname: string;
  /** Postgres URL; null means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | null;
  /**
   * Postgres only: every database call ends within this many ms, answered or failed with a
   * retryable error (`db/postgres_driver.ts`), so a partition cannot hold senders.
   */
  dbTimeoutMs: number;
  dataDir: string;
  /**
   * The admin from `PARLEY_ADMIN_EMAIL` / `PARLEY_ADMIN_PASSWORD`, created when missing. An
   * existing agent with that email is left as it is unless `reset` (`PARLEY_ADMIN_RESET`).
   */
  admin: { email: string; password: string; reset: boolean } | null;
  /** Signing secret from `PARLEY_SECRET`; null means generated once and kept in the database. */
  secret: string | null;
  /**
   * The origin agents use (e.g. https://chat.example.com); null trusts only a loopback `Host`
   * for the same-origin checks (`routes/origin.ts`).
   */
  publicUrl: string | null;
  /** Trust `X-Forwarded-For` / `X-Forwarded-Proto` from a reverse proxy. */
  trustProxy: boolean;
  /**
   * Seed the `demo` site used by the demo storefront at `/` (`PARLEY_DEMO`): by default only on
   * the embedded database, the zero-setup start; a Postgres deployment sets up its own sites.
   */
  demo: boolean;
  /** Where built assets live. */
  distDir: string;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  sessionTtlHours: number;
  /** How often open agent sockets re-check that their session is still valid. */
  sessionCheckMs: number;
  visitorTokenTtlDays: number;
  /** PBKDF2 iterations for new password hashes (OWASP: 600,000). */
  passwordIterations: number;
  limits: {
    messagesPerSecond: number;
    messageBurst: number;
    framesPerSecond: number;
    frameBurst: number;
    socketsPerIp: number;
    newConversationsPerHour: number;
    loginAttemptsPerAccount: number;
    loginAttemptsPerIp: number;
    /** Cap of the growing wait before a sign-in to an account with recent failures (0: none). */
    loginMaxDelayMs: number;
    maxBufferedBytes: number;
    /** Identity and attribute updates per visitor per minute (and the burst). */
    profileUpdatesPerMinute: number;
  };
  /**
   * Fallback team texts for sites that set none (`PARLEY_TEAM_NAME`, `PARLEY_REPLY_TIME`); ""
   * (the default) lets the widget show its own, translated, default.
   */
  team: { name: string; replyTime: string };
  drainTimeoutMs: number;
}

/** Raised when the environment is invalid; lists every problem. */
export class ConfigError extends Error {
  /** The individual problems. */
  readonly problems: string[];
  /** Creates the error. */
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Reads and validates configuration from `env` (defaults to `Deno.env`). */
export function loadConfig(env: Record<string, string | undefined> = Deno.env.toObject()): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.toLowerCase();
    if (raw === undefined || raw === "") return fallback;
    if (["1", "true", "yes", "on"].includes(raw)) return true;
    if (["0", "false", "no", "off"].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${env[name]}")`);
    return fallback;
  };

  const databaseUrl = env.DATABASE_URL || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push("DATABASE_URL must start with postgres:// or postgresql://");
  }
  const adminEmail = env.PARLEY_ADMIN_EMAIL || null;
  const adminPassword = env.PARLEY_ADMIN_PASSWORD || null;
  if ((adminEmail === null) !== (adminPassword === null)) {
    problems.push("PARLEY_ADMIN_EMAIL and PARLEY_ADMIN_PASSWORD must be set together");
  }
  if (adminEmail && !/^[^\s@]+@[^\s@]+$/.test(adminEmail)) {
    problems.push("PARLEY_ADMIN_EMAIL is not an email address");
  }
  if (adminPassword && adminPassword.length < 8) {
    problems.push("PARLEY_ADMIN_PASSWORD must have at least 8 characters");
  }
  const adminReset = bool("PARLEY_ADMIN_RESET", false);
  if (adminReset && adminEmail === null) {
    problems.push("PARLEY_ADMIN_RESET needs PARLEY_ADMIN_EMAIL and PARLEY_ADMIN_PASSWORD");
  }
  const secret = env.PARLEY_SECRET || null;
  if (secret && secret.length < 32) problems.push("PARLEY_SECRET must have at least 32 characters");
  const publicUrl = env.PARLEY_PUBLIC_URL || null;
  if (publicUrl) {
    try {
      new URL(publicUrl);
    } catch {
      problems.push("PARLEY_PUBLIC_URL must be an absolute URL");
    }
  }
  const logLevel = env.LOG_LEVEL || "info";
  if (!["debug", "info", "warn", "error", "silent"].includes(logLevel)) {
    problems.push("LOG_LEVEL must be one of debug, info, warn, error, silent");
  }
  const heartbeatMs = int("PARLEY_HEARTBEAT_MS", HEARTBEAT_MS, 100, 300_000);

  const config: Config = {
    port: int("PORT", 8000, 0, 65535),
    hostname: env.HOST || "0.0.0.0",
    databaseUrl,
    dbTimeoutMs: int("PARLEY_DB_TIMEOUT_MS", 5000, 100, 600_000),
    dataDir: env.DATA_DIR || "./.parley",
    admin: adminEmail && adminPassword
      ? { email: adminEmail, password: adminPassword, reset: adminReset }
      : null,
    secret,
    publicUrl: publicUrl ? publicUrl.replace(/\/$/, "") : null,
    trustProxy: bool("PARLEY_TRUST_PROXY", false),
    demo: bool("PARLEY_DEMO", databaseUrl === null),
    distDir: env.PARLEY_DIST_DIR || new URL("../dist", import.meta.url).pathname,
    logLevel: logLevel as Config["logLevel"],
    heartbeatMs,
    heartbeatTimeoutMs: int(
      "PARLEY_HEARTBEAT_TIMEOUT_MS",
      heartbeatMs * HEARTBEAT_TIMEOUT_BEATS,
      200,
      900_000,
    ),
    sessionTtlHours: int("PARLEY_SESSION_TTL_HOURS", 24 * 14, 1, 24 * 365),
    sessionCheckMs: int("PARLEY_SESSION_CHECK_MS", 60_000, 200, 3_600_000),
    visitorTokenTtlDays: int("PARLEY_VISITOR_TOKEN_TTL_DAYS", 180, 1, 3650),
    passwordIterations: int("PARLEY_PBKDF2_ITERATIONS", 600_000, 1000, 10_000_000),
    limits: {
      messagesPerSecond: int("PARLEY_MESSAGES_PER_SECOND", 5, 1, 10_000),
      messageBurst: int("PARLEY_MESSAGE_BURST", 20, 1, 100_000),
      framesPerSecond: int("PARLEY_FRAMES_PER_SECOND", 30, 1, 100_000),
      frameBurst: int("PARLEY_FRAME_BURST", 60, 1, 100_000),
      socketsPerIp: int("PARLEY_SOCKETS_PER_IP", 50, 1, 1_000_000),
      newConversationsPerHour: int("PARLEY_NEW_CONVERSATIONS_PER_HOUR", 30, 1, 1_000_000),
      loginAttemptsPerAccount: int("PARLEY_LOGIN_ATTEMPTS_PER_ACCOUNT", 5, 1, 10_000),
      loginAttemptsPerIp: int("PARLEY_LOGIN_ATTEMPTS_PER_IP", 30, 1, 100_000),
      loginMaxDelayMs: int("PARLEY_LOGIN_MAX_DELAY_MS", 4000, 0, 60_000),
      maxBufferedBytes: int("PARLEY_MAX_BUFFERED_BYTES", 1_048_576, 1024, 1 << 30),
      profileUpdatesPerMinute: int("PARLEY_PROFILE_UPDATES_PER_MINUTE", 30, 1, 100_000),
    },
    team: {
      name: (env.PARLEY_TEAM_NAME ?? "").trim(),
      replyTime: (env.PARLEY_REPLY_TIME ?? "").trim(),
    },
    drainTimeoutMs: int("PARLEY_DRAIN_TIMEOUT_MS", 4000, 0, 60_000),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
