/**
 * Configuration, read once from the environment at start-up and validated. Every bad variable is
 * reported together, so a misconfigured deploy fails with one clear message.
 *
 * @module
 */

import { HEARTBEAT_MS, HEARTBEAT_TIMEOUT_BEATS } from "../protocol/timing.ts";
import {
  DEFAULT_MAX_UPLOAD_BYTES,
  DEFAULT_UPLOAD_TYPES,
  parseUploadTypes,
} from "../core/attachments/policy.ts";
import type { S3Location } from "../db/s3_blob_store.ts";
import { parseS3Url } from "./s3_url.ts";

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
  /**
   * Trust `X-Forwarded-For` / `X-Forwarded-Proto` from a reverse proxy: true when
   * {@link trustedProxies} is set (`PARLEY_TRUSTED_PROXIES`, or `PARLEY_TRUST_PROXY=true`).
   */
  trustProxy: boolean;
  /**
   * Which proxies in front of Parley are trusted to add to `X-Forwarded-For`: a hop count (the
   * client is that many entries from the right; `PARLEY_TRUST_PROXY=true` means 1) or the
   * addresses and CIDR ranges of the proxies (the client is the right-most entry outside them,
   * and the headers count only when the direct peer is one of them). Null: trust none.
   */
  trustedProxies: TrustedProxies | null;
  /** Running on Deno Deploy (`DENO_DEPLOY`, set by the platform). */
  onDeploy: boolean;
  /**
   * How long start-up keeps retrying a database that is not reachable yet (refused connection,
   * timeout), with backoff; 0 tries once. Permanent failures exit at once.
   */
  dbConnectRetryMs: number;
  /** Bearer token `GET /metrics` requires (`PARLEY_METRICS_TOKEN`); null leaves it open. */
  metricsToken: string | null;
  /**
   * Seed the `demo` site used by the demo storefront at `/` (`PARLEY_DEMO`): by default only on
   * the embedded database, the zero-setup start; a Postgres deployment sets up its own sites.
   */
  demo: boolean;
  /**
   * When the demo site is created, also fill it with six weeks of made-up history for Reports
   * (`PARLEY_DEMO_HISTORY`, default: as `demo`).
   */
  demoHistory: boolean;
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
    /** Public API (`/api/v1`) requests per token per minute, also the burst. */
    apiRequestsPerMinute: number;
  };
  /**
   * Fallback team texts for sites that set none (`PARLEY_TEAM_NAME`, `PARLEY_REPLY_TIME`); ""
   * (the default) lets the widget show its own, translated, default.
   */
  team: { name: string; replyTime: string };
  /**
   * Whether agents' replies are also emailed to visitors who left an address: the widget
   * promises email only then. True exactly when SMTP is configured (`PARLEY_SMTP_URL`).
   */
  emailReplies: boolean;
  /**
   * The whole shutdown budget: from SIGTERM/SIGINT to exit, whatever is still pending
   * (`PARLEY_DRAIN_TIMEOUT_MS`, default 4000, under Deno Deploy's 5 s before SIGKILL).
   */
  drainTimeoutMs: number;
  /** Outbound webhooks (docs/webhooks.md). */
  webhooks: {
    /** Let endpoints be on loopback, private and link-local addresses (`PARLEY_WEBHOOK_ALLOW_PRIVATE`). */
    allowPrivate: boolean;
    /** Bound on one delivery attempt (`PARLEY_WEBHOOK_TIMEOUT_MS`). */
    timeoutMs: number;
    /** The first retry's delay, doubled per attempt up to an hour (`PARLEY_WEBHOOK_RETRY_BASE_MS`). */
    retryBaseMs: number;
  };
  /**
   * Outgoing email (docs/email.md): null when `PARLEY_SMTP_URL` is unset, and then Parley sends
   * nothing and offers nothing that needs email (password reset, invitations).
   */
  mail: MailConfig | null;
  /**
   * Inbound email (docs/email.md, "Replies by email"): null when `PARLEY_INBOUND_SECRET` is
   * unset, and then `POST /api/inbound/email` answers 404.
   */
  inbound: InboundConfig | null;
  /** Attachments (docs/attachments.md). */
  uploads: {
    /** Largest upload in bytes (`PARLEY_MAX_UPLOAD_BYTES`, default 10 MiB). */
    maxBytes: number;
    /** Accepted kinds and MIME types (`PARLEY_UPLOAD_TYPES`, default image, pdf, text, office). */
    types: string[];
    /**
     * The S3-compatible bucket new uploads go to (`PARLEY_S3_URL`, `server/s3_url.ts`); null
     * keeps them in the database. Files are read from where their row says they are.
     */
    s3: S3Location | null;
  };
  /** Automatic retention (`core/privacy/retention.ts`, docs/operations.md "Retention"). */
  retention: {
    /**
     * Days resolved conversations are kept after their last activity, for sites that set no
     * `retentionDays` (`PARLEY_RETENTION_DAYS`); null (unset): for ever.
     */
    days: number | null;
    /** Hours an anonymous visitor who never wrote is kept after their last visit; 0: for ever. */
    anonymousVisitorTtlHours: number;
    /** Minutes between two runs (`PARLEY_RETENTION_INTERVAL_MINUTES`, default 60). */
    everyMinutes: number;
  };
}

/** See {@link Config.mail}. */
export interface MailConfig {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…` (`PARLEY_SMTP_URL`). */
  smtpUrl: string;
  /** The `From` of every email, e.g. `Parley <support@example.com>` (`PARLEY_MAIL_FROM`). */
  from: string;
  /** The first retry's delay, doubled per attempt up to an hour (`PARLEY_MAIL_RETRY_BASE_MS`). */
  retryBaseMs: number;
  /** How long a password-reset link works (`PARLEY_RESET_TTL_MINUTES`, default 30). */
  resetTtlMinutes: number;
  /**
   * How long an agent's reply waits unread in the widget before it is emailed to the visitor
   * (`PARLEY_EMAIL_DELAY_S`, default 120).
   */
  replyDelayS: number;
  /**
   * The address visitors' replies go to, tagged per conversation (`reply+<tag>@host`), when
   * inbound email is set up (`PARLEY_INBOUND_ADDRESS`); null: replies go to the site's reply-to
   * or the From, and are matched by their `In-Reply-To` only.
   */
  inboundAddress: string | null;
  /**
   * At most one new-conversation digest per site, and one "visitor wrote" email per
   * conversation, per this many seconds (`PARLEY_AGENT_EMAIL_WINDOW_S`, default 300).
   */
  agentWindowS: number;
}

/** See {@link Config.inbound}. */
export interface InboundConfig {
  /** The secret `POST /api/inbound/email` requires (`PARLEY_INBOUND_SECRET`, 24+ characters). */
  secret: string;
}

/** See {@link Config.trustedProxies}. */
export type TrustedProxies =
  | { kind: "hops"; hops: number }
  | { kind: "cidrs"; cidrs: string[] };

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
  const demo = bool("PARLEY_DEMO", databaseUrl === null);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push("DATABASE_URL must start with postgres:// or postgresql://");
  }
  // Deno Deploy sets DENO_DEPLOY=true in every context (builds, pre-deploy, runtime).
  const onDeploy = isTruthy(env.DENO_DEPLOY);
  const embeddedDb = bool("PARLEY_EMBEDDED_DB", false);
  if (onDeploy && databaseUrl === null && !embeddedDb) {
    // Each Deploy instance has its own disk: the embedded database would be a different,
    // throwaway database in every instance, and its generated admin password would go to logs.
    problems.push(
      "DATABASE_URL is not set, and on Deno Deploy the embedded database would be a separate, " +
        "throwaway database in each instance. Attach a Postgres database to the app (Deploy " +
        "dashboard: Databases; it sets DATABASE_URL) or set DATABASE_URL yourself; to run on " +
        "the embedded database anyway, set PARLEY_EMBEDDED_DB=true.",
    );
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
  const trustedProxies = parseTrustedProxies(env.PARLEY_TRUSTED_PROXIES, problems) ??
    (bool("PARLEY_TRUST_PROXY", false) ? { kind: "hops" as const, hops: 1 } : null);
  const metricsToken = env.PARLEY_METRICS_TOKEN || null;
  if (metricsToken !== null && metricsToken.length < 16) {
    problems.push("PARLEY_METRICS_TOKEN must have at least 16 characters");
  }

  const mail = parseMail(env, problems, int);
  const inboundSecret = env.PARLEY_INBOUND_SECRET || null;
  if (inboundSecret !== null && inboundSecret.length < 24) {
    problems.push("PARLEY_INBOUND_SECRET must have at least 24 characters");
  }

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
    trustProxy: trustedProxies !== null,
    trustedProxies,
    onDeploy,
    dbConnectRetryMs: int("PARLEY_DB_CONNECT_RETRY_MS", 60_000, 0, 3_600_000),
    metricsToken,
    demo,
    demoHistory: bool("PARLEY_DEMO_HISTORY", demo),
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
      apiRequestsPerMinute: int("PARLEY_API_RATE_PER_MINUTE", 600, 1, 1_000_000),
    },
    team: {
      name: (env.PARLEY_TEAM_NAME ?? "").trim(),
      replyTime: (env.PARLEY_REPLY_TIME ?? "").trim(),
    },
    // With SMTP, agents' replies a visitor missed are emailed (core/mail/missed_replies.ts):
    // the widget promises email exactly then.
    emailReplies: mail !== null,
    mail,
    inbound: inboundSecret ? { secret: inboundSecret } : null,
    drainTimeoutMs: int("PARLEY_DRAIN_TIMEOUT_MS", 4000, 0, 60_000),
    webhooks: {
      allowPrivate: bool("PARLEY_WEBHOOK_ALLOW_PRIVATE", false),
      timeoutMs: int("PARLEY_WEBHOOK_TIMEOUT_MS", 10_000, 100, 60_000),
      retryBaseMs: int("PARLEY_WEBHOOK_RETRY_BASE_MS", 10_000, 10, 3_600_000),
    },
    uploads: {
      // integer columns hold sizes: at most 1 GiB, far below their 2 GiB.
      maxBytes: int("PARLEY_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES, 1, 1024 * 1024 * 1024),
      types: uploadTypes(env.PARLEY_UPLOAD_TYPES, problems),
      s3: s3Location(env.PARLEY_S3_URL, problems),
    },
    retention: {
      days: env.PARLEY_RETENTION_DAYS ? int("PARLEY_RETENTION_DAYS", 0, 1, 36_500) : null,
      anonymousVisitorTtlHours: int("PARLEY_ANONYMOUS_VISITOR_TTL_HOURS", 24, 0, 87_600),
      everyMinutes: int("PARLEY_RETENTION_INTERVAL_MINUTES", 60, 1, 10_080),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** `PARLEY_UPLOAD_TYPES`, or its default when unset. */
function uploadTypes(raw: string | undefined, problems: string[]): string[] {
  if (raw === undefined || raw.trim() === "") return [...DEFAULT_UPLOAD_TYPES];
  const parsed = parseUploadTypes(raw);
  if (parsed.ok) return parsed.list;
  problems.push(`PARLEY_UPLOAD_TYPES ${parsed.error}`);
  return [];
}

/** `PARLEY_S3_URL`, or null when unset. */
function s3Location(raw: string | undefined, problems: string[]): S3Location | null {
  if (raw === undefined || raw.trim() === "") return null;
  const parsed = parseS3Url(raw.trim());
  if (parsed.ok) return parsed.value;
  problems.push(`PARLEY_S3_URL ${parsed.error}`);
  return null;
}

/** `PARLEY_SMTP_URL` and `PARLEY_MAIL_FROM`, set together; null when both are unset. */
function parseMail(
  env: Record<string, string | undefined>,
  problems: string[],
  int: (name: string, fallback: number, min: number, max: number) => number,
): MailConfig | null {
  const smtpUrl = env.PARLEY_SMTP_URL?.trim() || null;
  const from = env.PARLEY_MAIL_FROM?.trim() || null;
  const retryBaseMs = int("PARLEY_MAIL_RETRY_BASE_MS", 30_000, 10, 3_600_000);
  const resetTtlMinutes = int("PARLEY_RESET_TTL_MINUTES", 30, 1, 1440);
  const replyDelayS = int("PARLEY_EMAIL_DELAY_S", 120, 0, 86_400);
  const agentWindowS = int("PARLEY_AGENT_EMAIL_WINDOW_S", 300, 1, 86_400);
  const inboundAddress = env.PARLEY_INBOUND_ADDRESS?.trim() || null;
  if (inboundAddress !== null && !/^[^\s@<>+]+@[^\s@<>]+$/.test(inboundAddress)) {
    problems.push(
      `PARLEY_INBOUND_ADDRESS must be a plain address without a + tag (got "${inboundAddress}")`,
    );
  }
  if (inboundAddress !== null && smtpUrl === null) {
    problems.push("PARLEY_INBOUND_ADDRESS needs PARLEY_SMTP_URL and PARLEY_MAIL_FROM");
  }
  if (smtpUrl === null && from === null) return null;
  if (smtpUrl === null) {
    problems.push("PARLEY_MAIL_FROM is set but PARLEY_SMTP_URL is not: set both, or neither");
    return null;
  }
  let ok = true;
  try {
    const url = new URL(smtpUrl);
    if (url.protocol !== "smtp:" && url.protocol !== "smtps:") throw new TypeError(url.protocol);
    if (url.hostname === "") throw new TypeError("no host");
  } catch {
    problems.push(
      "PARLEY_SMTP_URL must be smtp://user:pass@host:587 or smtps://user:pass@host:465",
    );
    ok = false;
  }
  if (from === null) {
    problems.push(
      "PARLEY_SMTP_URL is set but PARLEY_MAIL_FROM is not (e.g. Parley <support@example.com>)",
    );
    return null;
  }
  if (!/^([^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/.test(from)) {
    problems.push(`PARLEY_MAIL_FROM must be an address or Name <address> (got "${from}")`);
    ok = false;
  }
  return ok
    ? { smtpUrl, from, retryBaseMs, resetTtlMinutes, replyDelayS, inboundAddress, agentWindowS }
    : null;
}

function isTruthy(raw: string | undefined): boolean {
  return raw !== undefined && ["1", "true", "yes", "on"].includes(raw.toLowerCase());
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 =
  /^[0-9a-f:]+(:(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})?$/i;

/**
 * `PARLEY_TRUSTED_PROXIES`: a hop count from 1 to 10, or a comma-separated list of addresses
 * and CIDR ranges (`10.0.0.0/8, 192.168.1.7, fd00::/8`). Undefined when unset.
 */
function parseTrustedProxies(
  raw: string | undefined,
  problems: string[],
): TrustedProxies | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops >= 1 && hops <= 10) return { kind: "hops", hops };
    problems.push(`PARLEY_TRUSTED_PROXIES as a hop count must be from 1 to 10 (got "${value}")`);
    return undefined;
  }
  const cidrs = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const bad = cidrs.filter((c) => {
    const [addr, bits, extra] = c.split("/");
    if (extra !== undefined) return true;
    const v4 = IPV4.test(addr);
    if (!v4 && !(addr.includes(":") && IPV6.test(addr))) return true;
    if (bits === undefined) return false;
    const n = Number(bits);
    return !/^\d+$/.test(bits) || n > (v4 ? 32 : 128);
  });
  if (bad.length > 0 || cidrs.length === 0) {
    problems.push(
      "PARLEY_TRUSTED_PROXIES must be a hop count (1-10) or a comma-separated list of " +
        `addresses and CIDR ranges (bad: "${bad.join(", ") || value}")`,
    );
    return undefined;
  }
  return { kind: "cidrs", cidrs };
}

/** One environment variable Parley reads: the reference `.env.example` and the docs come from. */
export interface ConfigVariable {
  name: string;
  /** The default as an operator would write it; "" when unset by default. */
  default: string;
  /** What it does, one or two sentences. */
  description: string;
  /** The `.env.example` section it belongs to. */
  group:
    | "Server"
    | "Database"
    | "Accounts"
    | "Security"
    | "Limits"
    | "Email"
    | "Real time"
    | "Operations";
  /** Set by the platform (Deno Deploy), not by the operator: documented, not in `.env.example`. */
  platform?: boolean;
}

/**
 * Every variable {@link loadConfig} reads, in the order `.env.example` lists them
 * (`tools/env_example.ts` writes it; `server/config_reference_test.ts` keeps the three equal).
 */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { group: "Server", name: "PORT", default: "8000", description: "HTTP port." },
  {
    group: "Server",
    name: "HOST",
    default: "0.0.0.0",
    description:
      "Address to listen on; 127.0.0.1 keeps Parley reachable only through a local proxy.",
  },
  {
    group: "Server",
    name: "PARLEY_PUBLIC_URL",
    default: "",
    description:
      "The origin agents use, e.g. https://chat.example.com. Required off localhost: unset, the console's same-origin checks trust only a loopback Host.",
  },
  {
    group: "Server",
    name: "PARLEY_DEMO",
    default: "true on the embedded database, false with DATABASE_URL",
    description: "Create the demo site the demo storefront at / uses (it accepts any origin).",
  },
  {
    group: "Server",
    name: "PARLEY_DEMO_HISTORY",
    default: "as PARLEY_DEMO",
    description:
      "When the demo site is first created, fill it with six weeks of made-up resolved conversations (three demo agents, labels, ratings) so Reports has something to show.",
  },
  {
    group: "Server",
    name: "PARLEY_DIST_DIR",
    default: "./dist",
    description: "Where the built widget and console are (deno task build writes them).",
  },
  {
    group: "Server",
    name: "PARLEY_TEAM_NAME",
    default: "",
    description:
      "Team name shown by sites that set none; unset, the widget shows its own, translated.",
  },
  {
    group: "Server",
    name: "PARLEY_REPLY_TIME",
    default: "",
    description:
      "Reply-time line of sites that set none; unset, the widget shows its own, translated.",
  },
  {
    group: "Database",
    name: "DATABASE_URL",
    default: "",
    description:
      "Postgres URL (postgres://user:password@host:5432/db). Unset: the embedded database in DATA_DIR. Deno Deploy sets it for an attached database.",
  },
  {
    group: "Database",
    name: "DATA_DIR",
    default: "./.parley",
    description: "Where the embedded database keeps its data (only without DATABASE_URL).",
  },
  {
    group: "Database",
    name: "PARLEY_EMBEDDED_DB",
    default: "false",
    description:
      "true: run on the embedded database even on Deno Deploy, where each instance has its own throwaway disk.",
  },
  {
    group: "Database",
    name: "PARLEY_DB_TIMEOUT_MS",
    default: "5000",
    description:
      "Postgres: bound on each database call; past it the caller gets unavailable (retry).",
  },
  {
    group: "Database",
    name: "PARLEY_DB_CONNECT_RETRY_MS",
    default: "60000",
    description:
      "How long start-up retries a database that refuses connections or times out (0: once). Bad credentials, a missing database or role, and permission errors exit at once.",
  },
  {
    group: "Database",
    name: "PARLEY_S3_URL",
    default: "",
    description:
      "Store new attachments in an S3-compatible bucket instead of the database: https://ACCESS_KEY_ID:SECRET@endpoint/bucket?region=us-east-1 (key and secret percent-encoded; path_style=true for MinIO and IP endpoints; http:// for no TLS). Files stored before stay where they are (docs/attachments.md).",
  },
  {
    group: "Accounts",
    name: "PARLEY_ADMIN_EMAIL",
    default: "",
    description:
      "With PARLEY_ADMIN_PASSWORD: create this admin at start when no agent has the email (an existing one is kept as it is).",
  },
  {
    group: "Accounts",
    name: "PARLEY_ADMIN_PASSWORD",
    default: "",
    description: "Password of that admin when it is created (8+ characters).",
  },
  {
    group: "Accounts",
    name: "PARLEY_ADMIN_RESET",
    default: "false",
    description:
      "true: overwrite that admin's password, re-enable it and end its sessions; unset it after one start (deno task admin agent reset-password does the same without a restart).",
  },
  {
    group: "Accounts",
    name: "PARLEY_SESSION_TTL_HOURS",
    default: "336",
    description: "Agent session lifetime.",
  },
  {
    group: "Accounts",
    name: "PARLEY_SESSION_CHECK_MS",
    default: "60000",
    description:
      "How often open console sockets re-check their session (closed with 4001 once gone).",
  },
  {
    group: "Accounts",
    name: "PARLEY_VISITOR_TOKEN_TTL_DAYS",
    default: "180",
    description: "Visitor token lifetime.",
  },
  {
    group: "Accounts",
    name: "PARLEY_PBKDF2_ITERATIONS",
    default: "600000",
    description: "PBKDF2-SHA-256 iterations for new password hashes.",
  },
  {
    group: "Security",
    name: "PARLEY_SECRET",
    default: "",
    description:
      "Token-signing secret (32+ characters). Unset: generated once and kept in the database.",
  },
  {
    group: "Security",
    name: "PARLEY_TRUST_PROXY",
    default: "false",
    description:
      "true: one reverse proxy in front (same as PARLEY_TRUSTED_PROXIES=1); X-Forwarded-For and X-Forwarded-Proto are trusted from it.",
  },
  {
    group: "Security",
    name: "PARLEY_TRUSTED_PROXIES",
    default: "",
    description:
      "The proxies in front of Parley: a hop count (1-10) or a comma-separated list of addresses and CIDR ranges. The client address is the right-most X-Forwarded-For entry not added by one of them.",
  },
  {
    group: "Security",
    name: "PARLEY_METRICS_TOKEN",
    default: "",
    description:
      "Bearer token GET /metrics requires (16+ characters). Unset: /metrics is open; set it on any public deployment.",
  },
  {
    group: "Security",
    name: "PARLEY_WEBHOOK_ALLOW_PRIVATE",
    default: "false",
    description:
      "true: webhooks may reach loopback, private and link-local addresses (and http://localhost); leave false in production, where it would let admins reach the server's own network.",
  },
  {
    group: "Limits",
    name: "PARLEY_MESSAGES_PER_SECOND",
    default: "5",
    description: "Messages per second per socket.",
  },
  {
    group: "Limits",
    name: "PARLEY_MESSAGE_BURST",
    default: "20",
    description: "Messages a socket may send at once before the per-second rate applies.",
  },
  {
    group: "Limits",
    name: "PARLEY_FRAMES_PER_SECOND",
    default: "30",
    description: "Frames of any kind per second per socket; a flood is closed with 4029.",
  },
  {
    group: "Limits",
    name: "PARLEY_FRAME_BURST",
    default: "60",
    description: "Frames a socket may send at once before the per-second rate applies.",
  },
  {
    group: "Limits",
    name: "PARLEY_SOCKETS_PER_IP",
    default: "50",
    description: "Concurrent sockets per client address.",
  },
  {
    group: "Limits",
    name: "PARLEY_NEW_CONVERSATIONS_PER_HOUR",
    default: "30",
    description: "New conversations per client address per hour.",
  },
  {
    group: "Limits",
    name: "PARLEY_LOGIN_ATTEMPTS_PER_ACCOUNT",
    default: "5",
    description: "Sign-in attempts per account and address in 15 minutes.",
  },
  {
    group: "Limits",
    name: "PARLEY_LOGIN_ATTEMPTS_PER_IP",
    default: "30",
    description: "Sign-in attempts per address in 15 minutes.",
  },
  {
    group: "Limits",
    name: "PARLEY_LOGIN_MAX_DELAY_MS",
    default: "4000",
    description: "Cap of the growing wait before a sign-in to an account with recent failures.",
  },
  {
    group: "Limits",
    name: "PARLEY_MAX_BUFFERED_BYTES",
    default: "1048576",
    description: "Unsent bytes per socket before it is closed as a slow consumer.",
  },
  {
    group: "Limits",
    name: "PARLEY_PROFILE_UPDATES_PER_MINUTE",
    default: "30",
    description: "Identity and attribute updates per visitor per minute (and the burst).",
  },
  {
    group: "Limits",
    name: "PARLEY_WEBHOOK_TIMEOUT_MS",
    default: "10000",
    description: "Bound on one webhook delivery attempt: connection, TLS and the answer's headers.",
  },
  {
    group: "Limits",
    name: "PARLEY_WEBHOOK_RETRY_BASE_MS",
    default: "10000",
    description:
      "First webhook retry delay; each next one doubles (with jitter) up to an hour, for a day.",
  },
  {
    group: "Limits",
    name: "PARLEY_API_RATE_PER_MINUTE",
    default: "600",
    description:
      "Public API (/api/v1) requests per token per minute (and the burst); past it, 429.",
  },
  {
    group: "Limits",
    name: "PARLEY_MAX_UPLOAD_BYTES",
    default: "10485760",
    description:
      "Largest attachment, in bytes (up to 1 GiB); a larger upload is refused with 413 as soon as it passes the limit.",
  },
  {
    group: "Limits",
    name: "PARLEY_UPLOAD_TYPES",
    default: "image,pdf,text,office",
    description:
      "Accepted attachment types, comma-separated: kinds (image, pdf, text, office, html, svg, xml, zip, other) or MIME types. The type is sniffed from the file's bytes; HTML, SVG and XML are always served as downloads.",
  },
  {
    group: "Email",
    name: "PARLEY_SMTP_URL",
    default: "",
    description:
      "SMTP server for outgoing email: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465. Unset: no email, no password reset or invitations by email (docs/email.md).",
  },
  {
    group: "Email",
    name: "PARLEY_MAIL_FROM",
    default: "",
    description:
      "The From of every email, e.g. Parley <support@example.com>; set with PARLEY_SMTP_URL.",
  },
  {
    group: "Email",
    name: "PARLEY_MAIL_RETRY_BASE_MS",
    default: "30000",
    description:
      "First retry delay of an email the SMTP server did not accept; each next one doubles (with jitter) up to an hour, for a day.",
  },
  {
    group: "Email",
    name: "PARLEY_RESET_TTL_MINUTES",
    default: "30",
    description: "How long a password-reset link works.",
  },
  {
    group: "Email",
    name: "PARLEY_EMAIL_DELAY_S",
    default: "120",
    description:
      "An agent's reply the visitor has not read in the widget this many seconds later is emailed to them (with any later unread replies), when they left an email.",
  },
  {
    group: "Email",
    name: "PARLEY_AGENT_EMAIL_WINDOW_S",
    default: "300",
    description:
      "At most one new-conversation digest per site (to its agents or notification address), and one 'visitor wrote' email per conversation to its offline assignee, per this many seconds; later ones wait and are batched.",
  },
  {
    group: "Email",
    name: "PARLEY_INBOUND_ADDRESS",
    default: "",
    description:
      "Address that receives visitors' email replies (e.g. reply@in.example.com); emails name reply+<signed tag>@ that host as their Reply-To. Its mail must reach POST /api/inbound/email.",
  },
  {
    group: "Email",
    name: "PARLEY_INBOUND_SECRET",
    default: "",
    description:
      "Secret (24+ characters) that POST /api/inbound/email requires (Bearer, or the password of Basic auth). Unset: the endpoint answers 404.",
  },
  {
    group: "Real time",
    name: "PARLEY_HEARTBEAT_MS",
    default: "15000",
    description: "Ping idle sockets this often.",
  },
  {
    group: "Real time",
    name: "PARLEY_HEARTBEAT_TIMEOUT_MS",
    default: "45000",
    description: "Close sockets silent this long. Keep proxy read timeouts above it.",
  },
  {
    group: "Operations",
    name: "LOG_LEVEL",
    default: "info",
    description: "debug, info, warn, error or silent (JSON lines on stdout and stderr).",
  },
  {
    group: "Operations",
    name: "PARLEY_DRAIN_TIMEOUT_MS",
    default: "4000",
    description:
      "Shutdown budget: SIGTERM or SIGINT to exit, always (Deno Deploy kills 5 s after SIGINT).",
  },
  {
    group: "Operations",
    name: "PARLEY_RETENTION_DAYS",
    default: "",
    description:
      "Delete resolved conversations (with their messages) this many days after their last activity, unless their site sets its own retention. Unset: kept for ever.",
  },
  {
    group: "Operations",
    name: "PARLEY_ANONYMOUS_VISITOR_TTL_HOURS",
    default: "24",
    description:
      "Delete anonymous visitors (no email, no external id) who never started a conversation this many hours after their last visit. 0: kept for ever.",
  },
  {
    group: "Operations",
    name: "PARLEY_RETENTION_INTERVAL_MINUTES",
    default: "60",
    description:
      "Minutes between retention runs (the first a minute after start; one instance at a time).",
  },
  {
    group: "Operations",
    name: "DENO_DEPLOY",
    default: "",
    description:
      "Set to true by Deno Deploy: Parley then refuses to start without DATABASE_URL (see PARLEY_EMBEDDED_DB).",
    platform: true,
  },
];
