/**
 * Assembles Parley from a {@link Config}: store, secrets, admin and demo site, the real-time
 * core and the HTTP handler; starts `Deno.serve` and drains gracefully on shutdown.
 *
 * @module
 */

import { ApiRateLimiter, ApiTokens } from "../core/api/mod.ts";
import { AccountDelay } from "../core/accounts/account_delay.ts";
import { AgentService } from "../core/accounts/agents.ts";
import { createKnownBrowsers } from "../core/accounts/known_browser.ts";
import { type Bus, createLocalBus } from "../core/cluster/bus.ts";
import type { Cluster } from "../core/cluster/start.ts";
import type { Logger } from "../core/log.ts";
import { type Core, createCore } from "../core/mod.ts";
import { SiteService } from "../core/sites/mod.ts";
import { WebhookDeliverer, WebhookService } from "../core/webhooks/mod.ts";
import {
  PrivacyService,
  recordAdminAction,
  Retention,
  RETENTION_DEFAULTS,
} from "../core/privacy/mod.ts";
import { ReportService } from "../core/reports/mod.ts";
import { ReportStore } from "../db/sql_reports.ts";
import { seedDemoHistory } from "../db/demo_history.ts";
import { KeyedCounter, KeyedLimiter } from "../core/rate_limit.ts";
import { createVisitorTokenSigner, randomToken } from "../core/accounts/tokens.ts";
import type { Store } from "../db/store.ts";
import { SqlStore } from "../db/mod.ts";
import { WebhookStore } from "../db/sql_webhooks.ts";
import { EmailStore } from "../db/sql_email.ts";
import {
  AgentAlerts,
  AgentLinks,
  createReplyAddresses,
  createSiteSender,
  createSmtpSender,
  createUnsubscriber,
  createUnsubscribeTokens,
  InboundMail,
  MailSender,
  MissedReplyRunner,
  Transcripts,
} from "../core/mail/mod.ts";
import { AgentMailStore } from "../db/sql_agent_mail.ts";
import { InboundEmailStore } from "../db/sql_inbound.ts";
import { MissedReplyStore } from "../db/sql_missed_replies.ts";
import { createResumeTokens } from "../core/accounts/resume_tokens.ts";
import { MetricsRegistry } from "../core/metrics.ts";
import { createAssets } from "../routes/assets.ts";
import { createRoutesMetrics } from "../routes/metrics.ts";
import type { App } from "../routes/context.ts";
import { createHandler } from "../routes/mod.ts";
import { isLoopbackHost } from "../routes/origin.ts";
import type { Config } from "./config.ts";
import { listen } from "./listener.ts";
import { SHUTDOWN_SHARES, ShutdownBudget } from "./shutdown.ts";
import { readBuildInfo } from "./build_info.ts";
import { SnoozeWakeRunner } from "../core/chat/snooze_wake.ts";
import { AttachmentService } from "../core/attachments/mod.ts";
import { AttachmentStore } from "../db/sql_attachments.ts";
import { S3BlobStore } from "../db/s3_blob_store.ts";
import { S3DeletionQueue } from "../db/sql_s3_deletions.ts";
import { S3DeletionRunner } from "../core/attachments/s3_deletions.ts";
import { SnoozeStore } from "../db/sql_snooze.ts";
import { registerServerMetrics } from "./metrics.ts";
import { SERVER_TYPING_TIMEOUT_MS } from "../protocol/timing.ts";
import { FallbackStreams } from "../core/fallback/streams.ts";
import { FallbackRelayStore } from "../db/sql_fallback_relay.ts";

/** A running Parley server. */
export interface RunningServer {
  /** The port actually bound (useful with `PORT=0`). */
  port: number;
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  app: App;
  /**
   * Drains and stops: new sockets refused, open ones closed with 1012, writes finished, each step
   * within its share of `budget` (default: `drainTimeoutMs` from now, see `shutdown.ts`).
   */
  shutdown(budget?: ShutdownBudget): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/** Optional collaborators, for tests and multi-instance deployments. */
export interface ServerDeps {
  store: Store;
  log: Logger;
  /** Defaults to the in-process bus. */
  bus?: Bus;
  /**
   * Membership of the instances sharing one Postgres (`core/cluster.ts`): its bus and presence
   * replace the in-process ones, and shutdown leaves the cluster.
   */
  cluster?: Cluster;
  /** Called once listening. */
  onListen?: (addr: { hostname: string; port: number }) => void;
}

/** Makes sure the admin and the demo site exist. */
async function bootstrap(config: Config, store: Store, agents: AgentService, log: Logger) {
  const admin = await agents.ensureAdmin(config.admin);
  if (admin.action === "generated" && config.onDeploy) {
    // Deploy keeps logs where everyone with access to the project reads them, and with the
    // embedded database each instance would print a different admin: the password stays out.
    log.warn(
      "created the first admin with a random password that is not printed on Deno Deploy: set " +
        "PARLEY_ADMIN_EMAIL and PARLEY_ADMIN_PASSWORD (with PARLEY_ADMIN_RESET=true for one " +
        "start) or run deno task admin agent reset-password",
      { email: admin.email },
    );
  } else if (admin.action === "generated") {
    // Printed once, on the very first start, so the owner can sign in.
    log.info("created the first admin; change this password after signing in", {
      email: admin.email,
      password: admin.password,
    });
  } else if (admin.action === "reset") {
    // Left set, every restart would overwrite a password changed since in the console.
    log.warn(
      "PARLEY_ADMIN_RESET: the admin's password was reset from PARLEY_ADMIN_PASSWORD and their " +
        "sessions ended; unset PARLEY_ADMIN_RESET now",
      { email: admin.email },
    );
  }
  if (config.demo && !await store.getSite("demo")) {
    await store.upsertSite({
      id: "demo",
      name: "Demo Storefront",
      identitySecret: randomToken(24),
      allowedOrigins: [],
      requireVerified: false,
      autoAssign: false,
    });
    if (config.demoHistory && store instanceof SqlStore) {
      // One transaction, so a failure leaves no half history; a failure only costs the demo its
      // Reports figures, never the start.
      try {
        const seeded = await store.db.transaction((tx) => seedDemoHistory(tx, { siteId: "demo" }));
        log.info("filled the demo site with made-up history for Reports (PARLEY_DEMO_HISTORY)", {
          ...seeded,
        });
      } catch (err) {
        log.warn("could not fill the demo site with history", { error: String(err) });
      }
    }
  }
}

/** Failures on one account (from anywhere, within 15 minutes) before sign-ins start waiting. */
const LOGIN_FREE_FAILURES = 3;
/** The first wait; it doubles with each further failure up to `PARLEY_LOGIN_MAX_DELAY_MS`. */
const LOGIN_DELAY_BASE_MS = 250;
/** How long a browser stays "known" after a sign-in (the known-browser cookie's lifetime). */
const KNOWN_BROWSER_TTL_SECONDS = 180 * 86_400;
/** How long the resume link of a missed-reply email works (docs/email.md). */
const RESUME_LINK_TTL_SECONDS = 7 * 86_400;

/** Builds the app and starts serving on `config.port`. */
export async function startServer(config: Config, deps: ServerDeps): Promise<RunningServer> {
  const { store, log } = deps;
  const { cluster } = deps;
  const bus = cluster?.bus ?? deps.bus ?? createLocalBus();
  const secret = config.secret ?? await store.setSettingIfAbsent("secret", randomToken(32));
  const agents = new AgentService({
    store,
    bus,
    sessionTtlMs: config.sessionTtlHours * 3_600_000,
    passwordIterations: config.passwordIterations,
    loginPerAccount: new KeyedLimiter(config.limits.loginAttemptsPerAccount, 15 * 60_000),
    loginPerIp: new KeyedLimiter(config.limits.loginAttemptsPerIp, 15 * 60_000),
    loginDelay: new AccountDelay({
      freeFailures: LOGIN_FREE_FAILURES,
      baseMs: LOGIN_DELAY_BASE_MS,
      maxMs: config.limits.loginMaxDelayMs,
      windowMs: 15 * 60_000,
    }),
    knownBrowsers: createKnownBrowsers(secret, KNOWN_BROWSER_TTL_SECONDS),
    passwordChecks: new KeyedLimiter(config.limits.loginAttemptsPerAccount, 15 * 60_000),
  });
  await bootstrap(config, store, agents, log);
  const resume = createResumeTokens(secret, RESUME_LINK_TTL_SECONDS);
  // One registry per server: the core, the routes and the collectors below register on it.
  const metrics = new MetricsRegistry();
  const build = await readBuildInfo(config.distDir);
  // A site's own sender name and Reply-To, for every email about its conversations.
  const siteSender = createSiteSender(store);
  // Agents' emails and transcripts (docs/email.md): only with SMTP, over the SQL store.
  const agentMail = config.mail && store instanceof SqlStore ? new AgentMailStore(store.db) : null;
  // The console's origin for links in agents' emails: PARLEY_PUBLIC_URL, else the bound address.
  let ownUrl = "";
  const alerts = config.mail && agentMail
    ? new AgentAlerts({
      mail: agentMail,
      store,
      log,
      from: config.mail.from,
      windowMs: config.mail.agentWindowS * 1000,
      origin: () => config.publicUrl ?? ownUrl,
      agentOffline: (agentId) => core.presence.agentStatus(agentId) === "offline",
    })
    : null;
  const transcripts = config.mail && agentMail
    ? new Transcripts({
      store,
      mail: agentMail,
      from: config.mail.from,
      perVisitor: new KeyedLimiter(3, 3_600_000),
    })
    : null;
  // Snooze wake-ups (core/chat/snooze_wake.ts): made once the SQL store is known, below; a
  // snooze set before then has no local runner to poke and waits for the first look.
  let snoozeWake: SnoozeWakeRunner | null = null;
  const signer = createVisitorTokenSigner(secret, config.visitorTokenTtlDays * 86_400);
  const core: Core = createCore({
    store,
    bus,
    log,
    onSnoozed: (at) => snoozeWake?.snoozed(at),
    signer,
    resume,
    newConversationsPerHour: config.limits.newConversationsPerHour,
    ...(cluster ? { presence: (registry) => cluster.presence(registry) } : {}),
    options: {
      heartbeatMs: config.heartbeatMs,
      heartbeatTimeoutMs: config.heartbeatTimeoutMs,
      typingTimeoutMs: SERVER_TYPING_TIMEOUT_MS,
      team: config.team,
      emailReplies: config.emailReplies,
      messagesPerSecond: config.limits.messagesPerSecond,
      messageBurst: config.limits.messageBurst,
      framesPerSecond: config.limits.framesPerSecond,
      frameBurst: config.limits.frameBurst,
      sessionCheckMs: config.sessionCheckMs,
      profileUpdatesPerMinute: config.limits.profileUpdatesPerMinute,
    },
    sessionValid: async (hash) => (await agents.agentOfSession(hash)) !== null,
    metrics,
    ...(alerts ? { alerts } : {}),
    ...(transcripts ? { transcripts } : {}),
  });
  // Pool use is the driver's; a store that is not SQL-backed (none today) reports none.
  const pool = store instanceof SqlStore ? store.db.poolStats?.bind(store.db) : undefined;
  registerServerMetrics(metrics, { build, store, pool });
  await cluster?.join();
  // Webhooks live in the SQL outbox (db/sql_webhooks.ts); every store is SQL-backed today.
  if (!(store instanceof SqlStore)) throw new TypeError("Webhooks need the SQL store");
  const webhookStore = new WebhookStore(store.db);
  snoozeWake = new SnoozeWakeRunner({ store: new SnoozeStore(store.db), bus, log });
  snoozeWake.start();
  // Attachments (docs/attachments.md): new files in the database, or in S3 when configured
  // (each file is read from where its row says); uploads left pending are swept. With S3, this
  // instance also works the queue of objects whose rows were deleted.
  const s3 = config.uploads.s3 ? new S3BlobStore(config.uploads.s3) : null;
  const s3Deletions = s3
    ? new S3DeletionRunner({ queue: new S3DeletionQueue(store.db), objects: s3, log })
    : null;
  if (s3) log.info("attachments: new files go to S3", { bucket: s3.describe });
  await s3Deletions?.start();
  const attachments = new AttachmentService({
    attachments: new AttachmentStore(store.db, s3 ?? undefined),
    store,
    signer,
    policy: { maxBytes: config.uploads.maxBytes, allowed: config.uploads.types },
    log,
  });
  attachments.start();
  const deliverer = new WebhookDeliverer({
    store: webhookStore,
    log,
    allowPrivate: config.webhooks.allowPrivate,
    timeoutMs: config.webhooks.timeoutMs,
    retryBaseMs: config.webhooks.retryBaseMs,
  });
  // Email (docs/email.md): an outbox in the same database, sent by every instance's MailSender.
  const emailStore = new EmailStore(store.db);
  const smtp = config.mail ? createSmtpSender(config.mail) : null;
  const mailSender = config.mail && smtp
    ? new MailSender({
      store: emailStore,
      log,
      send: smtp.send,
      retryBaseMs: config.mail.retryBaseMs,
    })
    : null;
  // Missed replies (core/mail/missed_replies.ts): started once listening, as the links in the
  // emails need the server's origin when PARLEY_PUBLIC_URL is unset.
  const missedReplyStore = new MissedReplyStore(store.db);
  const unsubscribeTokens = createUnsubscribeTokens(secret);
  let missedReplies: MissedReplyRunner | null = null;
  const mail = config.mail && agentMail && transcripts
    ? {
      from: config.mail.from,
      agentMail,
      transcripts,
      siteSender,
      links: new AgentLinks({
        store,
        emails: emailStore,
        log,
        from: config.mail.from,
        resetTtlMs: config.mail.resetTtlMinutes * 60_000,
        passwordIterations: config.passwordIterations,
        perAddress: new KeyedLimiter(3, 15 * 60_000),
        perIp: new KeyedLimiter(config.limits.loginAttemptsPerIp, 15 * 60_000),
        endSessions: (agentId) => agents.logoutEverywhere(agentId),
        agentChanged: (agentId) => bus.publish({ kind: "agent", agentId }),
        inviteTtlMs: 7 * 86_400_000,
      }),
    }
    : null;
  // Replies by email: the signed reply addresses use the server's secret, like visitor tokens.
  const inboundAddress = config.mail?.inboundAddress ?? null;
  const inbound = config.inbound
    ? {
      secret: config.inbound.secret,
      mail: new InboundMail({
        store: new InboundEmailStore(store.db),
        publish: (result) => core.commands.visitorMessageStored(result),
        replyAddresses: inboundAddress ? createReplyAddresses(inboundAddress, secret) : null,
        log,
      }),
    }
    : null;
  // The HTTP fallback's streams (docs/protocol.md, "HTTP fallback"); relayed through the
  // database only between the instances of a cluster.
  const fallback = new FallbackStreams({
    instanceId: cluster?.instanceId ?? crypto.randomUUID(),
    openVisitor: (peer, ctx) => core.openVisitor(peer, ctx),
    bus,
    relay: cluster ? new FallbackRelayStore(store.db) : null,
    log,
    metrics,
    session: { maxBufferedBytes: config.limits.maxBufferedBytes },
  });
  fallback.start();
  const app: App = {
    config,
    store,
    core,
    agents,
    sites: new SiteService({ store }),
    webhooks: new WebhookService({
      store,
      webhooks: webhookStore,
      allowPrivate: config.webhooks.allowPrivate,
    }),
    api: {
      tokens: new ApiTokens(store),
      rate: new ApiRateLimiter(config.limits.apiRequestsPerMinute),
    },
    privacy: new PrivacyService({ store, bus }),
    attachments,
    reports: new ReportService({
      reports: new ReportStore(store.db),
      audit: (actor, details) => recordAdminAction(store, actor, "reports.settings", null, details),
    }),
    mail,
    inbound,
    emailOptOut: createUnsubscriber(unsubscribeTokens, missedReplyStore),
    log,
    assets: createAssets(config.distDir),
    sockets: new KeyedCounter(config.limits.socketsPerIp),
    fallback,
    lifecycle: { draining: false },
    metrics: createRoutesMetrics(metrics),
    build,
  };

  // One run at a time across instances (an advisory lock), in short batches: see retention.ts.
  const retention = new Retention({
    store,
    log,
    metrics,
    options: {
      ...RETENTION_DEFAULTS,
      defaultDays: config.retention.days,
      anonymousVisitorTtlHours: config.retention.anonymousVisitorTtlHours,
      everyMs: config.retention.everyMinutes * 60_000,
    },
    connectedVisitors: () => core.registry.visitors.keys(),
  });
  retention.start();

  const server = await listen(
    { port: config.port, hostname: config.hostname },
    createHandler(app),
    log,
  );
  const { addr } = server;
  await deliverer.start();
  await mailSender?.start();
  ownUrl = `http://${
    addr.hostname === "0.0.0.0" || addr.hostname === "::" ? "127.0.0.1" : addr.hostname
  }:${addr.port}`;
  alerts?.start();
  if (config.mail) {
    if (!config.publicUrl) {
      log.warn(
        "PARLEY_PUBLIC_URL is not set: the unsubscribe links of emails to visitors name this " +
          "server as it listens; set PARLEY_PUBLIC_URL to the origin visitors can reach",
        { origin: ownUrl },
      );
    }
    missedReplies = new MissedReplyRunner({
      store: missedReplyStore,
      log,
      delayS: config.mail.replyDelayS,
      from: config.mail.from,
      baseUrl: config.publicUrl ?? ownUrl,
      resume,
      unsubscribe: unsubscribeTokens,
      replyAddresses: config.mail.inboundAddress
        ? createReplyAddresses(config.mail.inboundAddress, secret)
        : null,
      siteSender,
    });
    missedReplies.start();
  }
  deps.onListen?.({ hostname: addr.hostname, port: addr.port });
  log.info("listening", {
    port: addr.port,
    version: build.version,
    commit: build.commit,
    backend: store.backend,
    instance: cluster?.instanceId ?? null,
  });
  if (!config.publicUrl && !isLoopbackHost(config.hostname)) {
    // Reachable from elsewhere, but the origin agents use is unknown: only loopback `Host`s are
    // trusted for the same-origin checks (routes/origin.ts), so say what to set before an agent
    // signing in from another machine meets a 403.
    log.warn(
      "PARLEY_PUBLIC_URL is not set: the console works only at localhost, 127.0.0.1 or [::1]; " +
        "set PARLEY_PUBLIC_URL to the origin agents use, e.g. https://chat.example.com",
      { hostname: config.hostname },
    );
  }

  let stopping: Promise<void> | null = null;
  const shutdown = (budget = new ShutdownBudget(config.drainTimeoutMs, log)) =>
    stopping ??= (async () => {
      // Draining: new sockets are refused and frames arriving from now on are left unhandled
      // (clients resend them after reconnecting). Frames already being handled finish and are
      // acknowledged before the sockets close with 1012. Each step has its share of the budget
      // (server/shutdown.ts), so the whole stop fits in PARLEY_DRAIN_TIMEOUT_MS.
      app.lifecycle.draining = true;
      // Retention starts no new batch; one in progress (a short statement) ends with the writes.
      const retentionStopped = retention.stop();
      const drained = await core.idle(budget.left(SHUTDOWN_SHARES.writes));
      if (!drained) log.warn("drain timed out with writes in flight");
      await budget.step("retention", SHUTDOWN_SHARES.writes, () => retentionStopped);
      core.closeAll("Server restarting");
      budget.closesSent = true;
      // Let close handshakes finish so clients see 1012, not an aborted connection.
      await budget.step("close handshakes", SHUTDOWN_SHARES.closes, async () => {
        while (core.registry.all.size > 0) await new Promise((r) => setTimeout(r, 10));
      });
      // Webhook requests in flight are abandoned and their deliveries given back to the outbox.
      await budget.step(
        "listener",
        SHUTDOWN_SHARES.listener,
        () =>
          Promise.all([
            server.shutdown(),
            deliverer.stop(),
            missedReplies?.stop(),
            snoozeWake?.stop(),
            attachments.stop(),
            s3Deletions?.stop(),
            mailSender?.stop().then(() => smtp?.close()),
            alerts?.stop(),
            fallback.stop(),
          ]),
      );
      core.stop();
      await budget.step(
        cluster ? "cluster leave" : "bus close",
        SHUTDOWN_SHARES.cluster,
        () => cluster ? cluster.close() : bus.close(),
      );
      log.info("stopped");
    })();
  const host = addr.hostname === "0.0.0.0" || addr.hostname === "::" ? "127.0.0.1" : addr.hostname;
  return {
    port: addr.port,
    url: `http://${host}:${addr.port}`,
    app,
    shutdown,
    finished: server.finished,
  };
}
