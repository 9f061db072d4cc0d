/**
 * What every handler receives: the application's services and the request's own context.
 *
 * @module
 */

import type { AgentService } from "../core/accounts/agents.ts";
import type { AttachmentService } from "../core/attachments/mod.ts";
import type { ApiRateLimiter, ApiTokens } from "../core/api/mod.ts";
import type { Logger } from "../core/log.ts";
import type { Core } from "../core/mod.ts";
import type { FallbackStreams } from "../core/fallback/streams.ts";
import type { SiteService } from "../core/sites/mod.ts";
import type { WebhookService } from "../core/webhooks/mod.ts";
import type { PrivacyService } from "../core/privacy/mod.ts";
import type { ReportService } from "../core/reports/mod.ts";
import type { KeyedCounter } from "../core/rate_limit.ts";
import type { Store } from "../db/store.ts";
import type { AgentLinks, InboundMail, SiteSender, Transcripts } from "../core/mail/mod.ts";
import type { Unsubscriber } from "../core/mail/unsubscribe.ts";
import type { AgentMailStore } from "../db/sql_agent_mail.ts";
import type { Assets } from "./assets.ts";
import type { TrustedProxies } from "./client_address.ts";
import type { RoutesMetrics } from "./metrics.ts";

/**
 * The part of the server's configuration the handlers read. Declared here, not imported from
 * `server/config.ts`, so that `server/` depends on `routes/` and never the reverse; the server's
 * `Config` satisfies it.
 */
export interface RoutesConfig {
  /** The origin agents use; null trusts only a loopback `Host` (see `origin.ts`). */
  publicUrl: string | null;
  /** The reverse proxies whose `X-Forwarded-*` headers count (`client_address.ts`); null: none. */
  trustedProxies: TrustedProxies | null;
  /** The bearer token `/metrics` requires; null leaves it open. */
  metricsToken: string | null;
  limits: {
    /** A socket whose unsent bytes exceed this is closed as too slow. */
    maxBufferedBytes: number;
  };
}

/** Mutable lifecycle state owned by the app. */
export interface Lifecycle {
  /** True once shutdown began: readiness fails and new sockets are refused. */
  draining: boolean;
}

/** What this build is, for `/healthz` and the `parley_build_info` metric. */
export interface BuildInfo {
  /** The release, from `deno.json`'s `version`. */
  version: string;
  /** The git commit the build was made from, when known. */
  commit: string | null;
}

/** Application services shared by all handlers. */
export interface App {
  config: RoutesConfig;
  store: Store;
  core: Core;
  agents: AgentService;
  /** Site management and the widget's public settings. */
  sites: SiteService;
  /** Webhook endpoints and their deliveries (docs/webhooks.md). */
  webhooks: WebhookService;
  /** The public API's tokens and per-token request limit (`/api/v1`, docs/api.md). */
  api: { tokens: ApiTokens; rate: ApiRateLimiter };
  /** A visitor's export and erasure, and the audit log. */
  privacy: PrivacyService;
  /** Reports (docs/http_api.md "Reports"). */
  reports: ReportService;
  /** Uploads and downloads of attachments (docs/attachments.md). */
  attachments: AttachmentService;
  /** Email (docs/email.md); null when SMTP is not configured. */
  mail: {
    from: string;
    links: AgentLinks;
    /** Agents' email preferences (the assignment opt-in). */
    agentMail: AgentMailStore;
    transcripts: Transcripts;
    /** A site's sender name and Reply-To (`core/mail/site_sender.ts`). */
    siteSender: SiteSender;
  } | null;
  /**
   * Replies by email (`POST /api/inbound/email`, docs/email.md); null when
   * `PARLEY_INBOUND_SECRET` is unset.
   */
  inbound: { secret: string; mail: InboundMail } | null;
  /** Visitors' unsubscribe links (`/api/email/unsubscribe`), kept working with email off. */
  emailOptOut: Unsubscriber;
  log: Logger;
  assets: Assets;
  /** Open sockets per client address (WebSockets and fallback streams). */
  sockets: KeyedCounter;
  /** The HTTP fallback's streams on this instance (`core/fallback/`, `routes/fallback.ts`). */
  fallback: FallbackStreams;
  lifecycle: Lifecycle;
  /** The metrics registry and the counters the request entry point keeps. */
  metrics: RoutesMetrics;
  build: BuildInfo;
}

/** One request's context. */
export interface RequestContext {
  app: App;
  /** Named groups from the route pattern. */
  params: Record<string, string | undefined>;
  /** The client's address (behind trusted proxies, the one they forwarded). */
  ip: string;
  /** The direct peer is a trusted proxy: its `X-Forwarded-Proto` counts. */
  viaTrustedProxy: boolean;
  requestId: string;
  url: URL;
}

/** A route handler. */
export type Handler = (req: Request, ctx: RequestContext) => Response | Promise<Response>;
