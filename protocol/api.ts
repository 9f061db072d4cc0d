/**
 * Records the HTTP API returns to the console, shared by the server (which builds them) and the
 * console (which reads them). Browser-safe; see `docs/http_api.md`.
 *
 * @module
 */

import type { ConversationStatus, Label, Message } from "./frames.ts";
import type { WidgetSettings } from "./site_settings.ts";

/** A canned response (`/shortcut` in the console). `agentId` null means shared by the team. */
export interface CannedResponse {
  id: string;
  agentId: string | null;
  shortcut: string;
  body: string;
  createdAt: string;
}

/**
 * A hit of `GET /api/search`: a message, with what the results list shows of its conversation.
 * A search by filters alone has one hit per conversation (its latest message) and `rank` 0.
 */
export interface SearchHit {
  message: Message;
  visitorName: string;
  rank: number;
  /** The conversation's labels, by name. */
  labels: Label[];
  /** The conversation's status, site and assignee now. */
  status: ConversationStatus;
  siteId: string;
  assigneeId: string | null;
}

/**
 * A site as admins see it in `/api/sites`: its settings flat, never its identity secret (shown
 * once, by `POST /api/sites` and `POST /api/sites/:id/identity-secret`).
 */
export interface SiteRecord extends WidgetSettings {
  /** The slug used in `data-site`: lowercase letters, digits and dashes. */
  id: string;
  name: string;
  /** Storefront origins allowed to embed the chat; empty means any origin. */
  allowedOrigins: string[];
  /** `identify` without a valid signature is refused instead of stored unverified. */
  requireVerified: boolean;
  /** New conversations go to the least-loaded online agent allowed on the site. */
  autoAssign: boolean;
  /**
   * Days a resolved conversation is kept after its last activity before retention deletes it;
   * null or absent: the server's `PARLEY_RETENTION_DAYS` (unset there too: kept for ever).
   */
  retentionDays?: number | null;
  /**
   * The display name of the site's emails' From ("Acme Support"; the address stays the
   * server's), at most 80 characters on one line; null or absent: `PARLEY_MAIL_FROM`'s.
   */
  senderName?: string | null;
  /** The Reply-To of the site's emails; null or absent: none. */
  replyTo?: string | null;
  /** Where new-conversation digests go instead of the site's agents; null or absent: agents. */
  notificationEmail?: string | null;
  createdAt: string;
  /** How many conversations the site holds (deleting it needs `?force=true` when not 0). */
  conversationCount: number;
}

/** Small JSON facts of an audit entry: never a secret. */
export type AuditDetails = Record<string, string | number | boolean | null | string[]>;

/**
 * One admin action in the audit log (`GET /api/audit`). `actorEmail` is the email at the time;
 * null actor fields mean the server itself or the command line. `action` is `<thing>.<verb>`
 * (`site.update`, `agent.role`, `visitor.erase`, …). An erased visitor's id never stays here: it
 * is replaced by `sha256:<hex of the id>`.
 */
export interface AuditEntry {
  id: number;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  targetId: string | null;
  details: AuditDetails;
  createdAt: string;
}
