/**
 * The store contract: everything Parley persists, independent of the backend. Both the Postgres
 * (`npm:postgres`) and the embedded PGlite backends implement it with the same SQL, and
 * `db/store_test.ts` runs one suite against both. The store knows nothing about sockets.
 *
 * @module
 */

import type {
  AgentInfo,
  ConversationStatus,
  ConversationSummary,
  Label,
  Message,
  PageInfo,
  Priority,
  VisitorInfo,
} from "../protocol/frames.ts";
import type { LabelAuthor, LabelChange, LabelsChanged } from "./sql_labels.ts";
import type { AuditEntry, CannedResponse, SearchHit } from "../protocol/api.ts";
import type { AuditInput } from "./sql_audit.ts";
import type { WidgetSettings } from "../protocol/site_settings.ts";

export type {
  AuditEntry,
  AuditInput,
  CannedResponse,
  Label,
  LabelAuthor,
  LabelChange,
  LabelsChanged,
  SearchHit,
  WidgetSettings,
};

/** A site (storefront) that embeds the widget. */
export interface Site {
  id: string;
  name: string;
  /** Secret used to verify `identify` hashes (HMAC-SHA256 of the user id, hex). */
  identitySecret: string;
  /** Storefront origins allowed to open visitor sockets; empty means any origin. */
  allowedOrigins: string[];
  /** When true, `identify` without a valid hash is rejected instead of stored unverified. */
  requireVerified: boolean;
  /** Assign new conversations automatically to the least-loaded online agent. */
  autoAssign: boolean;
  /** The widget's settings: the stored ones merged over `DEFAULT_WIDGET_SETTINGS`. */
  settings: WidgetSettings;
  createdAt: string;
  /**
   * Days a resolved conversation is kept after its last activity; null: the server's
   * `PARLEY_RETENTION_DAYS` (see `core/privacy/retention.ts`). The store always sets it; absent
   * (a site built in memory) reads as null.
   */
  retentionDays?: number | null;
  /**
   * Email sender of the site (docs/email.md, "Per-site sender"): the From's display name, the
   * Reply-To, and the address that gets new-conversation digests instead of the site's agents.
   * Null: the server's (`PARLEY_MAIL_FROM`), none, the agents. Never public (not settings).
   * The store always sets them; absent (a site built in memory) reads as null.
   */
  senderName?: string | null;
  /** See {@link Site.senderName}. */
  replyTo?: string | null;
  /** See {@link Site.senderName}. */
  notificationEmail?: string | null;
}

/**
 * A new site, as `Store.createSite` takes it. Omitted fields get their defaults (a random
 * identity secret, any origin, no verification, no auto-assignment, the default settings).
 */
export interface NewSite {
  id: string;
  name: string;
  identitySecret?: string;
  allowedOrigins?: string[];
  requireVerified?: boolean;
  autoAssign?: boolean;
  /** Settings that differ from the defaults. */
  settings?: Partial<WidgetSettings>;
  /** See {@link Site.retentionDays}; default null. */
  retentionDays?: number | null;
  /** See {@link Site.senderName}; default null. */
  senderName?: string | null;
  /** See {@link Site.senderName}; default null. */
  replyTo?: string | null;
  /** See {@link Site.senderName}; default null. */
  notificationEmail?: string | null;
}

/**
 * Fields of a site an admin may update; omitted ones keep their value. `settings` is merged
 * into the stored settings field by field (a field set to null stays null, its "unset" value).
 */
export interface SitePatch {
  name?: string;
  allowedOrigins?: string[];
  requireVerified?: boolean;
  autoAssign?: boolean;
  settings?: Partial<WidgetSettings>;
  /** See {@link Site.retentionDays}; null: the server's default. */
  retentionDays?: number | null;
  /** See {@link Site.senderName}; null: none. */
  senderName?: string | null;
  /** See {@link Site.senderName}; null: none. */
  replyTo?: string | null;
  /** See {@link Site.senderName}; null: none. */
  notificationEmail?: string | null;
}

/** An agent row, including the password hash (never sent to clients). */
export interface AgentRecord extends Omit<AgentInfo, "status"> {
  passwordHash: string;
  createdAt: string;
}

/** A visitor row. Presence fields (`online`) are filled in by the real-time core, not stored. */
export type VisitorRecord = Omit<VisitorInfo, "online">;

/** A conversation row. */
export interface Conversation {
  id: string;
  siteId: string;
  visitorId: string;
  status: ConversationStatus;
  assigneeId: string | null;
  lastSeq: number;
  visitorReadSeq: number;
  rating: number | null;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  /** Highest seq any agent has read (what the visitor sees as "Seen"). */
  agentReadSeq: number;
  /**
   * Seq of the latest resolution's notice, or null when never resolved. Kept when the
   * conversation reopens: a conversation once resolved may be rated.
   */
  resolvedSeq: number | null;
  /** Snoozed until then (ISO 8601); null when not snoozed. Cleared when the visitor writes. */
  snoozedUntil: string | null;
}

/** Input for {@link Store.appendVisitorMessage}. */
export interface VisitorMessageInput {
  visitorId: string;
  clientId: string;
  body: string;
  /**
   * Ids of the visitor's completed uploads to send with the message (see
   * `sql_attachments.ts`); each must be theirs, of their site, and not sent yet, or nothing is
   * stored and `StoreError("bad_attachment")` is thrown.
   */
  attachments?: readonly string[];
  /**
   * Whether this message may open a conversation (default true). When false and the visitor has
   * no current conversation, nothing is stored and `StoreError("no_conversation")` is thrown:
   * the caller charges its new-conversation limit and sends again with `mayOpen: true`.
   */
  mayOpen?: boolean;
}

/** Input for {@link Store.appendAgentMessage}. */
export interface AgentMessageInput {
  conversationId: string;
  agentId: string;
  clientId: string;
  body: string;
  note: boolean;
  /**
   * Ids of the agent's completed uploads to this conversation to send with the message; as
   * {@link VisitorMessageInput.attachments}.
   */
  attachments?: readonly string[];
}

/** Result of appending a message. */
export interface AppendResult {
  message: Message;
  conversation: Conversation;
  /** True when the client id was already stored: `message` is the original, nothing changed. */
  duplicate: boolean;
  /** True when this message created the conversation (visitor's first message). */
  created: boolean;
  /** True when this message moved a resolved conversation back to queued/open. */
  reopened: boolean;
  /** True when an agent's reply claimed a queued, unassigned conversation. */
  claimed: boolean;
}

/** A window of history: after `afterSeq`, or the page before `beforeSeq`, or the latest page. */
export interface HistoryQuery {
  afterSeq?: number;
  beforeSeq?: number;
  limit?: number;
  includeNotes: boolean;
}

/** What a search keeps of the conversations (`Store.searchMessages`); all must hold. */
export interface SearchFilters {
  /** Only conversations carrying this label. */
  labelId?: string;
  /** Only conversations assigned to this agent; null: unassigned ones. */
  assigneeId?: string | null;
  /** Only conversations in one of these states (an empty list matches nothing). */
  statuses?: readonly ConversationStatus[];
  /** Only conversations created at or after this ISO time. */
  createdFrom?: string;
  /** Only conversations created strictly before this ISO time. */
  createdBefore?: string;
}

/** Filter for inbox listings. */
export interface ConversationQuery {
  status?: ConversationStatus[];
  assigneeId?: string | null;
  visitorId?: string;
  /**
   * Only conversations of these sites (an agent limited to sites, or the inbox's site filter).
   * An empty list matches nothing; leave it out for every site.
   */
  siteIds?: readonly string[];
  /** Agent whose `readSeq` to include in summaries. */
  forAgentId?: string;
  limit?: number;
  /** Only conversations updated strictly before this ISO time (paging). */
  updatedBefore?: string;
  /** Only conversations updated at or after this ISO time. */
  updatedSince?: string;
  /**
   * Keyset paging: only conversations strictly after this one in the listing's order (updated
   * time descending, then id descending), so rows updated in the same millisecond are neither
   * skipped nor repeated.
   */
  after?: { updatedAt: string; id: string };
  /** Only conversations carrying this label. */
  labelId?: string;
  /**
   * `priority`: highest priority first, then as `updated` (most recently updated first, the
   * default). Keyset paging (`after`) follows the default order only.
   */
  order?: "updated" | "priority";
}

/** Fields of a visitor that the real-time core may update. */
export interface VisitorPatch {
  name?: string;
  email?: string | null;
  verified?: boolean;
  /** The email was covered by the site's identity signature. */
  emailVerified?: boolean;
  /** The name was covered by the site's identity signature. */
  nameVerified?: boolean;
  externalId?: string | null;
  page?: PageInfo;
  referrer?: string | null;
  userAgent?: string | null;
  timezone?: string | null;
  locale?: string | null;
  attributes?: Record<string, string | number | boolean | null>;
}

/** A new visitor, as `Store.createVisitor` takes it. */
export interface NewVisitor {
  siteId: string;
  name: string;
  page?: PageInfo;
  referrer?: string | null;
  userAgent?: string | null;
  timezone?: string | null;
  locale?: string | null;
}

/** A new agent, as `Store.createAgent` takes it. `capacity` defaults to 5. */
export interface NewAgent {
  email: string;
  name: string;
  passwordHash: string;
  role: "admin" | "agent";
  capacity?: number;
  /** Site ids the agent may see; empty or omitted means every site. */
  sites?: readonly string[];
}

/** Fields of an agent an admin (or the agent) may update. */
export interface AgentPatch {
  name?: string;
  avatar?: string | null;
  role?: "admin" | "agent";
  disabled?: boolean;
  capacity?: number;
  /** Site ids the agent may see; empty means every site. */
  sites?: readonly string[];
  passwordHash?: string;
}

/** An API token as listed (never its secret, nor the secret's hash). */
export interface ApiTokenRecord {
  id: string;
  name: string;
  /** `write` implies `read`. */
  scope: "read" | "write";
  /** Site ids the token may see and act on; empty means every site. */
  sites: string[];
  /** The admin who created it (null once that agent is deleted). */
  createdBy: string | null;
  createdAt: string;
  /** When it was last used, to the minute (see `Store.touchApiToken`); null: never. */
  lastUsedAt: string | null;
}

/** A new API token, as `Store.createApiToken` takes it. */
export interface NewApiToken {
  id: string;
  name: string;
  scope: "read" | "write";
  sites: readonly string[];
  /** SHA-256 hex of the secret. */
  secretHash: string;
  createdBy: string | null;
}

/** Input for {@link Store.appendBotMessage}: a message by a named bot through the API. */
export interface BotMessageInput {
  conversationId: string;
  /** Scopes the idempotency key (the API token's id): stored as the message's `authorId`. */
  botId: string;
  /** The bot's display name, stored as `authorName`. */
  name: string;
  clientId: string;
  body: string;
  note: boolean;
}

/** Everything stored about one visitor, as `Store.exportVisitor` returns it. */
export interface VisitorExport {
  visitor: VisitorRecord;
  /** The visitor's conversations, oldest first. */
  conversations: Conversation[];
  /** Every message of those conversations (internal notes included), by conversation and seq. */
  messages: Message[];
}

/** How much a deletion or purge removed (or, on a dry run, would remove). */
export interface RemovedCounts {
  conversations: number;
  messages: number;
}

/** What an erasure removed, and the site the visitor was on (for the live effects). */
export interface ErasedVisitor extends RemovedCounts {
  siteId: string;
}

/** Locks {@link Store.runExclusive} takes: one job of the kind runs at a time across instances. */
export type ExclusiveJob = "retention";

/**
 * Everything Parley persists. Every method is safe to call concurrently. Methods throw
 * {@link StoreError} for domain conditions and {@link StoreUnavailableError} when the database
 * cannot be reached (nothing was written).
 */
export interface Store {
  /** Which backend this is, for logs and benchmarks. */
  readonly backend: "postgres" | "pglite";
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /** Closes connections. */
  close(): Promise<void>;

  /** Reads a setting. */
  getSetting(key: string): Promise<string | null>;
  /** Stores `value` unless the key exists; returns the stored value (first writer wins). */
  setSettingIfAbsent(key: string, value: string): Promise<string>;

  /** Creates or updates a site by id. Omitted fields keep their value (or a default). */
  upsertSite(
    site: Pick<Site, "id" | "name"> & Partial<Omit<Site, "id" | "name" | "createdAt">>,
  ): Promise<Site>;
  /** Lists every site, ordered by name. */
  listSites(): Promise<Site[]>;
  /**
   * Reads a site. Reads are cached briefly per instance: a change made through this store is
   * seen at once, one made through another instance within `SITE_TTL_MS` (10 s). `fresh`
   * reads the database whatever the cache holds (admin views, which must show every change).
   */
  getSite(id: string, opts?: { fresh?: boolean }): Promise<Site | null>;
  /** Creates a site. Throws `StoreError("conflict")` when the id is taken. */
  createSite(site: NewSite): Promise<Site>;
  /** Updates a site. Throws `StoreError("not_found")`. */
  updateSite(id: string, patch: SitePatch): Promise<Site>;
  /**
   * Deletes a site. While it has conversations this throws `StoreError("conflict")` whose
   * message says how many, unless `force`, which deletes its visitors and conversations (and
   * their messages) with it. Throws `StoreError("not_found")`.
   */
  deleteSite(id: string, opts: { force: boolean }): Promise<void>;
  /** Replaces the site's identity secret with a new random one and returns it. `not_found`. */
  rotateIdentitySecret(id: string): Promise<string>;
  /** How many conversations the site holds (0 for an unknown site). */
  countSiteConversations(id: string): Promise<number>;
  /** Conversations per site, for every site that has any. */
  siteConversationCounts(): Promise<Map<string, number>>;

  /** Creates an agent. Throws `StoreError("conflict")` when the email exists (case-insensitive). */
  createAgent(agent: NewAgent): Promise<AgentRecord>;
  /** Updates an agent. Throws `StoreError("not_found")`. */
  updateAgent(id: string, patch: AgentPatch): Promise<AgentRecord>;
  /** Reads an agent by id. */
  getAgent(id: string): Promise<AgentRecord | null>;
  /** Reads an agent by email, case-insensitive. */
  getAgentByEmail(email: string): Promise<AgentRecord | null>;
  /** Lists all agents, ordered by name. */
  listAgents(): Promise<AgentRecord[]>;
  /** Counts agents. */
  countAgents(): Promise<number>;

  /** Stores a session by the SHA-256 hex of its token. */
  createSession(s: { tokenHash: string; agentId: string; expiresAt: Date }): Promise<void>;
  /** Returns the enabled agent owning an unexpired session, or null. */
  getSessionAgent(tokenHash: string): Promise<AgentRecord | null>;
  /** Deletes one session. */
  deleteSession(tokenHash: string): Promise<void>;
  /**
   * Deletes every session of an agent (sign out everywhere), except the one stored under
   * `exceptHash` when given (a password change keeps the session that made it); returns how many.
   */
  deleteAgentSessions(agentId: string, exceptHash?: string): Promise<number>;

  /**
   * Creates a visitor of a site with a display name and, optionally, what its first `hello`
   * told (the page, which also starts `pagesVisited`, referrer, user agent, locale, time zone),
   * in the one insert.
   */
  createVisitor(v: NewVisitor): Promise<VisitorRecord>;
  /** Reads a visitor. */
  getVisitor(id: string): Promise<VisitorRecord | null>;
  /**
   * Updates a visitor. A `page` is also appended to `pagesVisited` (last 20 kept) and bumps
   * `lastSeenAt`. `attributes` are merged into the stored ones atomically; a merge that would
   * take the visitor past `MAX_VISITOR_ATTRIBUTES` keys or `MAX_VISITOR_ATTRIBUTE_BYTES` bytes
   * (`protocol/limits.ts`) is refused whole with `StoreError("too_large")` and the patch's other
   * fields are not written either. Throws `StoreError("not_found")`.
   */
  updateVisitor(id: string, patch: VisitorPatch): Promise<VisitorRecord>;

  /** Reads a conversation. */
  getConversation(id: string): Promise<Conversation | null>;
  /** The visitor's current conversation (null after `startOver` or before the first message). */
  getCurrentConversation(visitorId: string): Promise<Conversation | null>;
  /** Forgets the visitor's current conversation so the next message opens a new one. */
  startOver(visitorId: string): Promise<void>;
  /** Inbox listing, most recently updated first, with visitor name and last message. */
  listConversations(q: ConversationQuery): Promise<ConversationSummary[]>;
  /** One summary (for live inbox updates). */
  getConversationSummary(id: string, forAgentId?: string): Promise<ConversationSummary | null>;
  /** Counts conversations of a visitor (for the side panel). */
  countVisitorConversations(visitorId: string): Promise<number>;

  /**
   * Appends a visitor message to the visitor's current conversation, creating a queued one when
   * there is none and reopening a resolved one (back to `open` when it has an assignee, else
   * `queued`). Idempotent by (visitor, clientId): a resend with the same body returns the stored
   * message (`duplicate`); the same clientId with another body throws `StoreError("conflict")`.
   * Committed before it returns.
   */
  appendVisitorMessage(input: VisitorMessageInput): Promise<AppendResult>;
  /**
   * Appends an agent message or note. A non-note reply to a queued, unassigned conversation
   * assigns it to the agent and opens it (`claimed`). A non-note reply to a resolved conversation
   * throws `StoreError("conflict")`. Idempotent by (agent, clientId): a resend to the same
   * conversation with the same body and note flag returns the stored message (`duplicate`); any
   * other reuse of the clientId throws `StoreError("conflict")`. Throws `not_found`.
   */
  appendAgentMessage(input: AgentMessageInput): Promise<AppendResult>;
  /** Appends a system message (e.g. "Conversation resolved by Ann"). */
  appendSystemMessage(conversationId: string, body: string): Promise<AppendResult>;
  /** Reads history in ascending seq order. `hasMore` says whether older messages exist. */
  listMessages(
    conversationId: string,
    q: HistoryQuery,
  ): Promise<{ messages: Message[]; hasMore: boolean }>;
  /** Reads one message by conversation and seq. */
  getMessage(conversationId: string, seq: number): Promise<Message | null>;

  /**
   * Atomically assigns a conversation. With `expectUnassigned`, succeeds only when nobody holds
   * it (compare-and-set: of two concurrent accepts exactly one wins). Sets status `open`.
   * Returns the updated conversation, or null when the condition failed. Throws `not_found`.
   */
  assign(
    conversationId: string,
    agentId: string,
    opts: { expectUnassigned: boolean },
  ): Promise<Conversation | null>;
  /**
   * Puts an assigned, unresolved conversation back in the queue: no assignee, status `queued`.
   * Returns null when it is unassigned already or resolved. Throws `not_found`.
   */
  unassign(conversationId: string): Promise<Conversation | null>;
  /** Marks resolved (keeps the assignee). Returns null when already resolved. */
  resolve(conversationId: string): Promise<Conversation | null>;
  /** Reopens a resolved conversation (`open` with assignee, else `queued`). Null when not resolved. */
  reopen(conversationId: string): Promise<Conversation | null>;
  /**
   * Snoozes an unresolved conversation until `until` (ISO 8601), or clears its snooze (`null`).
   * Returns null when the condition fails (resolved; or, clearing, not snoozed). Throws
   * `not_found`.
   */
  snooze(conversationId: string, until: string | null): Promise<Conversation | null>;
  /** Records the visitor's CSAT rating (1-5). */
  rate(conversationId: string, rating: number): Promise<Conversation>;
  /**
   * Records the highest seq read by an agent (never decreases), and raises the conversation's
   * `agentReadSeq` with it. Null when the conversation does not exist; else whether
   * `agentReadSeq` advanced (the visitor is then told).
   */
  markAgentRead(
    agentId: string,
    conversationId: string,
    seq: number,
  ): Promise<{ advanced: boolean } | null>;
  /** Records the highest seq read by the visitor (never decreases). */
  markVisitorRead(conversationId: string, seq: number): Promise<void>;
  /** Open conversations per agent, for least-loaded auto-assignment. */
  openCounts(): Promise<Map<string, number>>;

  /**
   * Full-text search over non-empty message bodies (notes included: agents only); with
   * `siteIds`, only in conversations of those sites (an empty list finds nothing); with
   * `filters`, only in conversations that match them. A blank query with `filters` (even `{}`)
   * lists the matching conversations instead, one hit each (its latest message), most recently
   * active first; a blank query without `filters` finds nothing.
   */
  searchMessages(
    query: string,
    limit: number,
    siteIds?: readonly string[],
    filters?: SearchFilters,
  ): Promise<SearchHit[]>;

  /**
   * Reads a visitor with all their conversations and messages (notes included) from one
   * snapshot, for a data-subject export. Null for an unknown visitor.
   */
  exportVisitor(visitorId: string): Promise<VisitorExport | null>;
  /**
   * Deletes a visitor with their conversations, messages and read markers; returns what it
   * removed. Throws `StoreError("not_found")` for an unknown visitor.
   */
  deleteVisitor(visitorId: string): Promise<RemovedCounts>;
  /**
   * Deletes the resolved conversations last active (`updatedAt`) strictly before `before`, with
   * their messages; visitors stay. A conversation reopened meanwhile is kept. In batches, each
   * its own transaction, so a large purge never holds locks long. With `dryRun`, only counts.
   */
  purgeResolvedConversations(before: Date, opts: { dryRun: boolean }): Promise<RemovedCounts>;
  /**
   * Erases a visitor for good, in one transaction: the visitor with their conversations,
   * messages, read markers and presence rows; their id in the audit log replaced by its SHA-256;
   * and `audit` recorded (its target the hash, the counts and site added to its details).
   * Throws `StoreError("not_found")` for an unknown visitor.
   */
  eraseVisitor(
    visitorId: string,
    audit: AuditInput,
  ): Promise<{ erased: ErasedVisitor; entry: AuditEntry }>;
  /**
   * One retention batch: deletes at most `limit` resolved conversations whose last activity is
   * older than their site's `retentionDays`, or `defaultDays` for a site without one (null:
   * such sites keep theirs), as of `now`; with their messages. Its own short transaction.
   */
  purgeExpiredConversations(
    now: Date,
    defaultDays: number | null,
    limit: number,
  ): Promise<RemovedCounts>;
  /**
   * One retention batch: deletes at most `limit` anonymous visitors (no external id, no email)
   * who have no conversation and were last seen before `before`, except those in `keep` and
   * those connected to any instance of a cluster. Returns how many.
   */
  purgeAnonymousVisitors(before: Date, keep: readonly string[], limit: number): Promise<number>;
  /**
   * Runs `fn` unless another instance runs the same job: on Postgres under a session advisory
   * lock (`pg_try_advisory_lock`) held on a connection of its own; on the embedded database,
   * which one process opens, at once. Resolves false without running `fn` when the lock is taken.
   */
  runExclusive(job: ExclusiveJob, fn: () => Promise<void>): Promise<boolean>;

  /** Records an admin action in the audit log. */
  recordAudit(entry: AuditInput): Promise<AuditEntry>;
  /** Audit entries newest first: `limit` of them with an id below `before` (when given). */
  listAudit(q: { before?: number; limit: number }): Promise<AuditEntry[]>;

  /**
   * Appends a bot's message or note, shown like an agent's under `name`. It never claims the
   * conversation; a non-note message to a resolved conversation throws `StoreError("conflict")`.
   * Idempotent by (botId, clientId) like an agent's. Throws `not_found`.
   */
  appendBotMessage(input: BotMessageInput): Promise<AppendResult>;
  /**
   * Opens a new, empty, queued conversation for a visitor and makes it their current one. Throws
   * `StoreError("conflict")` when their current conversation is not resolved, `not_found` for an
   * unknown visitor.
   */
  openConversation(visitorId: string): Promise<Conversation>;

  /** Stores a new API token. */
  createApiToken(token: NewApiToken): Promise<ApiTokenRecord>;
  /** Lists the tokens not revoked, newest first. */
  listApiTokens(): Promise<ApiTokenRecord[]>;
  /** A token not revoked, with its secret's hash (to verify a presented secret), or null. */
  getApiTokenSecret(id: string): Promise<{ token: ApiTokenRecord; secretHash: string } | null>;
  /**
   * Records that a token was used now, unless it was within the last minute (one write per
   * token per minute at most, whatever the request rate).
   */
  touchApiToken(id: string): Promise<void>;
  /** Revokes a token at once; false when there is no such token (or it was revoked). */
  revokeApiToken(id: string): Promise<boolean>;

  /** Canned responses visible to an agent: their own plus shared ones. */
  listCanned(agentId: string): Promise<CannedResponse[]>;
  /** Creates a canned response; `shared` makes it team-wide. Throws `conflict` on a duplicate. */
  createCanned(
    c: { agentId: string; shared: boolean; shortcut: string; body: string },
  ): Promise<CannedResponse>;
  /** Deletes a canned response the agent owns (admins may delete shared ones). */
  deleteCanned(id: string, agentId: string, isAdmin: boolean): Promise<boolean>;

  /** Every label, by name (case-insensitive). */
  listLabels(): Promise<Label[]>;
  /** Creates a label. Throws `conflict` when the name exists whatever its case. */
  createLabel(label: { name: string; color: string }): Promise<Label>;
  /** Renames or recolours a label. Throws `not_found`, `conflict` (name taken). */
  updateLabel(id: string, patch: { name?: string; color?: string }): Promise<Label>;
  /** Deletes a label, and with it every use of it on conversations. False when unknown. */
  deleteLabel(id: string): Promise<boolean>;
  /**
   * Changes a conversation's labels in one transaction that also queues the
   * `conversation.labeled` webhook when anything changed. Throws `not_found` for an unknown
   * conversation or label.
   */
  changeConversationLabels(
    conversationId: string,
    change: LabelChange,
    by: LabelAuthor | null,
  ): Promise<LabelsChanged>;
  /** Sets a conversation's priority. Throws `not_found`. */
  setPriority(
    conversationId: string,
    priority: Priority,
  ): Promise<{ siteId: string; visitorId: string }>;
}

/** Stable codes for {@link StoreError}. */
export type StoreErrorCode =
  | "not_found"
  | "conflict"
  | "invalid"
  | "no_conversation"
  | "too_large"
  | "bad_attachment";

/** A domain condition reported by the store (not found, conflict). */
export class StoreError extends Error {
  /** The condition. */
  readonly code: StoreErrorCode;
  /** Creates a store error. */
  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.name = "StoreError";
    this.code = code;
  }
}

/** The database cannot be reached or failed transiently; nothing was written. Retry later. */
export class StoreUnavailableError extends Error {
  /** Creates the error, keeping the driver's error as `cause`. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

/**
 * The disk holding the embedded database is full: writes fail (retryable, nothing half-written)
 * until space is freed.
 */
export class DiskFullError extends StoreUnavailableError {
  /** The data directory whose filesystem is full. */
  readonly path: string;
  /** Bytes free on it when last measured, or null when unknown. */
  readonly freeBytes: number | null;
  /** Creates the error; the message names the condition ("disk full") and the directory. */
  constructor(path: string, freeBytes: number | null, options?: ErrorOptions) {
    const free = freeBytes === null ? "" : ` (${freeBytes} bytes free)`;
    super(`Disk full: the filesystem holding ${path} is full${free}`, options);
    this.name = "DiskFullError";
    this.path = path;
    this.freeBytes = freeBytes;
  }
}
