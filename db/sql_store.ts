/**
 * The one {@link Store} implementation, over any {@link Db} driver: both backends run the same
 * SQL. Each method delegates to the query module of its area.
 *
 * @module
 */

import type { ConversationSummary, Label, Message, Priority } from "../protocol/frames.ts";
import type {
  AgentMessageInput,
  AgentPatch,
  AgentRecord,
  ApiTokenRecord,
  AppendResult,
  AuditEntry,
  AuditInput,
  BotMessageInput,
  CannedResponse,
  Conversation,
  ConversationQuery,
  ErasedVisitor,
  ExclusiveJob,
  HistoryQuery,
  NewAgent,
  NewApiToken,
  NewSite,
  NewVisitor,
  RemovedCounts,
  SearchFilters,
  SearchHit,
  Site,
  SitePatch,
  Store,
  VisitorExport,
  VisitorMessageInput,
  VisitorPatch,
  VisitorRecord,
} from "./store.ts";
import { type Db, DbError, type Queryable } from "./driver.ts";
import { StoreError } from "./store.ts";
import * as agents from "./sql_agents.ts";
import * as sites from "./sql_sites.ts";
import * as visitors from "./sql_visitors.ts";
import * as conversations from "./sql_conversations.ts";
import * as history from "./sql_history.ts";
import * as search from "./sql_search.ts";
import * as retention from "./sql_retention.ts";
import * as apiChanges from "./sql_api.ts";
import * as tokens from "./sql_tokens.ts";
import * as audit from "./sql_audit.ts";
import * as labels from "./sql_labels.ts";
import * as attachments from "./sql_attachments.ts";
import { type GroupedReads, groupedReads, type GroupedWrites, groupedWrites } from "./grouped.ts";

/**
 * Reports Postgres data exceptions (SQLSTATE class 22: a NUL byte in text, a malformed
 * timestamp, a number out of range) as `StoreError("invalid")`: they always come from the
 * caller's input, never from the database being unwell. Postgres's message is kept as the cause
 * only, since it may quote the value.
 */
function inputErrors(db: Db): Queryable {
  return {
    async query(text, params) {
      try {
        return await db.query(text, params);
      } catch (err) {
        if (err instanceof DbError && err.code.startsWith("22")) {
          const invalid = new StoreError("invalid", "Invalid value");
          invalid.cause = err;
          throw invalid;
        }
        throw err;
      }
    },
    exec: (script) => db.exec(script),
  };
}

/**
 * How long a site read is reused. Every widget `hello` reads its site; a change made on this
 * instance is seen at once, one made on another instance within this time.
 */
export const SITE_TTL_MS = 10_000;

/** Advisory lock keys of the exclusive jobs (arbitrary constants: "retn" in ASCII). */
const EXCLUSIVE_KEYS: Record<ExclusiveJob, number> = { retention: 0x7265746e };

/**
 * A {@link Store} over a {@link Db}; `db` stays reachable for LISTEN/NOTIFY.
 *
 * Messages and visitor updates are group-committed and the hot point reads grouped (see
 * `grouped.ts`): calls arriving while the database is busy share one statement. PGlite runs one
 * statement at a time, so it gets one batch in flight; a Postgres pool gets a few.
 */
export class SqlStore implements Store {
  /** The driver, for LISTEN/NOTIFY and ad-hoc queries. */
  readonly db: Db;
  /** The driver as the query modules use it. */
  readonly #q: Queryable;
  /** Group-committed writes and grouped point reads (see `grouped.ts`). */
  readonly #w: GroupedWrites;
  readonly #r: GroupedReads;
  /** Sites change rarely and are read by every hello: kept {@link SITE_TTL_MS}. */
  readonly #sites = new Map<string, { site: Site | null; at: number }>();
  /** Bumped when a site write starts and ends, so a read overlapping one is not cached. */
  #siteWrites = 0;

  /** Wraps an open, migrated database. */
  constructor(db: Db) {
    this.db = db;
    this.#q = inputErrors(db);
    // PGlite runs one statement at a time. On Postgres two batches of a kind run side by side:
    // every statement costs the database about a millisecond whatever its size, so under load
    // fewer, larger batches store more per second than more, smaller ones (issue 13: 3,000 msg/s
    // sustained with two against 2,000 with four, same tail at 1,000 msg/s).
    const maxInFlight = db.backend === "pglite" ? 1 : 2;
    this.#w = groupedWrites(this.#q, maxInFlight);
    this.#r = groupedReads(this.#q, maxInFlight);
  }

  /** Which backend this is. */
  get backend(): "postgres" | "pglite" {
    return this.db.backend;
  }

  /**
   * Resolves when the database answers `SELECT 1` and its storage can take writes; throws
   * `DiskFullError` while the embedded database's disk is full.
   */
  async ping(): Promise<void> {
    await this.db.query("SELECT 1");
    this.db.checkStorage?.();
  }

  /** Closes the driver. */
  close(): Promise<void> {
    return this.db.close();
  }

  /** Reads a setting. */
  getSetting(key: string): Promise<string | null> {
    return agents.getSetting(this.#q, key);
  }

  /** Stores a setting unless present; returns the stored value. */
  setSettingIfAbsent(key: string, value: string): Promise<string> {
    return agents.setSettingIfAbsent(this.#q, key, value);
  }

  /** Creates or updates a site. */
  upsertSite(
    site: Pick<Site, "id" | "name"> & Partial<Omit<Site, "id" | "name" | "createdAt">>,
  ): Promise<Site> {
    return this.#siteChange(site.id, () => sites.upsertSite(this.#q, site));
  }

  /** Lists every site, by name. */
  listSites(): Promise<Site[]> {
    return sites.listSites(this.#q);
  }

  /** Reads a site, from the cache unless `fresh`. */
  async getSite(id: string, opts: { fresh?: boolean } = {}): Promise<Site | null> {
    const cached = this.#sites.get(id);
    if (!opts.fresh && cached && Date.now() - cached.at < SITE_TTL_MS) return cached.site;
    const writes = this.#siteWrites;
    const site = await sites.getSite(this.#q, id);
    // A site write that began meanwhile may have made this row stale: do not keep it.
    if (writes !== this.#siteWrites) return site;
    if (this.#sites.size >= 1000) this.#sites.clear();
    this.#sites.set(id, { site, at: Date.now() });
    return site;
  }

  /** Creates a site. */
  createSite(site: NewSite): Promise<Site> {
    return this.#siteChange(site.id, () => sites.createSite(this.#q, site));
  }

  /** Updates a site. */
  updateSite(id: string, patch: SitePatch): Promise<Site> {
    return this.#siteChange(id, () => sites.updateSite(this.#q, id, patch));
  }

  /** Deletes a site (with its conversations only when forced). */
  deleteSite(id: string, opts: { force: boolean }): Promise<void> {
    return this.#siteChange(id, () => sites.deleteSite(this.#q, id, opts));
  }

  /** Replaces a site's identity secret. */
  rotateIdentitySecret(id: string): Promise<string> {
    return this.#siteChange(id, () => sites.rotateIdentitySecret(this.#q, id));
  }

  /** Counts a site's conversations. */
  countSiteConversations(id: string): Promise<number> {
    return sites.countSiteConversations(this.#q, id);
  }

  /** Conversations per site. */
  siteConversationCounts(): Promise<Map<string, number>> {
    return sites.siteConversationCounts(this.#q);
  }

  /**
   * Runs a write to site `id` and forgets its cached read before and after. A `getSite` that
   * read the row before the write lands keeps nothing: it sees `#siteWrites` moved.
   */
  #siteChange<T>(id: string, write: () => Promise<T>): Promise<T> {
    this.#siteWrites++;
    this.#sites.delete(id);
    return write().finally(() => {
      this.#siteWrites++;
      this.#sites.delete(id);
    });
  }

  /** Creates an agent. */
  createAgent(agent: NewAgent): Promise<AgentRecord> {
    return agents.createAgent(this.#q, agent);
  }

  /** Updates an agent. */
  updateAgent(id: string, patch: AgentPatch): Promise<AgentRecord> {
    return agents.updateAgent(this.#q, id, patch);
  }

  /** Reads an agent (grouped with concurrent reads). */
  getAgent(id: string): Promise<AgentRecord | null> {
    return this.#r.agent(id);
  }

  /** Reads an agent by email, case-insensitive. */
  getAgentByEmail(email: string): Promise<AgentRecord | null> {
    return agents.getAgentByEmail(this.#q, email);
  }

  /** Lists agents by name. */
  listAgents(): Promise<AgentRecord[]> {
    return agents.listAgents(this.#q);
  }

  /** Counts agents. */
  countAgents(): Promise<number> {
    return agents.countAgents(this.#q);
  }

  /** Stores a session. */
  createSession(s: { tokenHash: string; agentId: string; expiresAt: Date }): Promise<void> {
    return agents.createSession(this.#q, s);
  }

  /** The enabled agent owning an unexpired session. */
  getSessionAgent(tokenHash: string): Promise<AgentRecord | null> {
    return agents.getSessionAgent(this.#q, tokenHash);
  }

  /** Deletes a session. */
  deleteSession(tokenHash: string): Promise<void> {
    return agents.deleteSession(this.#q, tokenHash);
  }

  /** Deletes every session of an agent, but `exceptHash`. */
  deleteAgentSessions(agentId: string, exceptHash?: string): Promise<number> {
    return agents.deleteAgentSessions(this.#q, agentId, exceptHash);
  }

  /** Creates a visitor. */
  createVisitor(v: NewVisitor): Promise<VisitorRecord> {
    return visitors.createVisitor(this.#q, v);
  }

  /** Reads a visitor (grouped with concurrent reads). */
  getVisitor(id: string): Promise<VisitorRecord | null> {
    return this.#r.visitor(id);
  }

  /** Updates a visitor. */
  updateVisitor(id: string, patch: VisitorPatch): Promise<VisitorRecord> {
    return this.#w.updateVisitor({ id, patch });
  }

  /** Reads a conversation (grouped with concurrent reads). */
  getConversation(id: string): Promise<Conversation | null> {
    return this.#r.conversation(id);
  }

  /** The visitor's current conversation. */
  getCurrentConversation(visitorId: string): Promise<Conversation | null> {
    return this.#r.currentConversation(visitorId);
  }

  /** Forgets the visitor's current conversation. */
  startOver(visitorId: string): Promise<void> {
    return conversations.startOver(this.#q, visitorId);
  }

  /** Inbox listing. */
  listConversations(q: ConversationQuery): Promise<ConversationSummary[]> {
    return conversations.listConversations(this.#q, q);
  }

  /** One inbox summary (grouped with concurrent reads when no agent is named). */
  getConversationSummary(id: string, forAgentId?: string): Promise<ConversationSummary | null> {
    if (forAgentId !== undefined) {
      return conversations.getConversationSummary(this.#q, id, forAgentId);
    }
    return this.#r.summary(id);
  }

  /** Counts a visitor's conversations. */
  countVisitorConversations(visitorId: string): Promise<number> {
    return conversations.countVisitorConversations(this.#q, visitorId);
  }

  /** Appends a visitor message (group-committed with concurrent appends). */
  appendVisitorMessage(input: VisitorMessageInput): Promise<AppendResult> {
    // A message with files links them in its own transaction (`sql_attachments.ts`).
    const ids = input.attachments;
    if (ids && ids.length > 0) {
      return attachments.appendVisitorWithAttachments(this.db, { ...input, attachments: ids });
    }
    return this.#w.appendVisitor(input);
  }

  /**
   * Appends an agent message or note (group-committed with concurrent staff messages; one with
   * attachments in a transaction of its own).
   */
  appendAgentMessage(input: AgentMessageInput): Promise<AppendResult> {
    const ids = input.attachments;
    if (ids && ids.length > 0) {
      return attachments.appendAgentWithAttachments(this.db, { ...input, attachments: ids });
    }
    return this.#w.appendStaff({
      conversationId: input.conversationId,
      authorId: input.agentId,
      clientId: input.clientId,
      body: input.body,
      note: input.note,
      kind: "agent",
    });
  }

  /** Appends a system message (group-committed with concurrent staff messages). */
  appendSystemMessage(conversationId: string, body: string): Promise<AppendResult> {
    return this.#w.appendStaff({
      conversationId,
      authorId: null,
      clientId: null,
      body,
      note: false,
      kind: "system",
    });
  }

  /** Appends a bot's message or note (rare: the API's; not group-committed). */
  appendBotMessage(input: BotMessageInput): Promise<AppendResult> {
    return apiChanges.appendBotMessage(this.#q, input);
  }

  /** Opens a conversation for a visitor. */
  openConversation(visitorId: string): Promise<Conversation> {
    return apiChanges.openConversation(this.#q, visitorId);
  }

  /** Stores a new API token. */
  createApiToken(token: NewApiToken): Promise<ApiTokenRecord> {
    return tokens.createApiToken(this.#q, token);
  }

  /** Lists the API tokens not revoked. */
  listApiTokens(): Promise<ApiTokenRecord[]> {
    return tokens.listApiTokens(this.#q);
  }

  /** Reads a token with its secret's hash, for verification. */
  getApiTokenSecret(id: string): Promise<{ token: ApiTokenRecord; secretHash: string } | null> {
    return tokens.getApiTokenSecret(this.#q, id);
  }

  /** Records a token's use (at most once a minute). */
  touchApiToken(id: string): Promise<void> {
    return tokens.touchApiToken(this.#q, id);
  }

  /** Revokes a token. */
  revokeApiToken(id: string): Promise<boolean> {
    return tokens.revokeApiToken(this.#q, id);
  }

  /** Reads a window of history. */
  listMessages(
    conversationId: string,
    q: HistoryQuery,
  ): Promise<{ messages: Message[]; hasMore: boolean }> {
    return history.listMessages(this.#q, conversationId, q);
  }

  /** Reads one message (grouped with concurrent reads). */
  getMessage(conversationId: string, seq: number): Promise<Message | null> {
    return this.#r.message({ conversationId, seq });
  }

  /** Assigns a conversation (compare-and-set with `expectUnassigned`). */
  assign(
    conversationId: string,
    agentId: string,
    opts: { expectUnassigned: boolean },
  ): Promise<Conversation | null> {
    return conversations.assign(this.#q, conversationId, agentId, opts);
  }

  /** Puts an assigned conversation back in the queue. */
  unassign(conversationId: string): Promise<Conversation | null> {
    return conversations.unassign(this.#q, conversationId);
  }

  /** Resolves a conversation. */
  resolve(conversationId: string): Promise<Conversation | null> {
    return conversations.resolve(this.#q, conversationId);
  }

  /** Reopens a resolved conversation. */
  reopen(conversationId: string): Promise<Conversation | null> {
    return conversations.reopen(this.#q, conversationId);
  }

  /** Snoozes a conversation, or clears its snooze. */
  snooze(conversationId: string, until: string | null): Promise<Conversation | null> {
    return conversations.snooze(this.#q, conversationId, until);
  }

  /** Records a CSAT rating. */
  rate(conversationId: string, rating: number): Promise<Conversation> {
    return conversations.rate(this.#q, conversationId, rating);
  }

  /** Raises an agent's read marker. */
  markAgentRead(
    agentId: string,
    conversationId: string,
    seq: number,
  ): Promise<{ advanced: boolean } | null> {
    return conversations.markAgentRead(this.#q, agentId, conversationId, seq);
  }

  /** Raises the visitor's read marker. */
  markVisitorRead(conversationId: string, seq: number): Promise<void> {
    return conversations.markVisitorRead(this.#q, conversationId, seq);
  }

  /** Open conversations per enabled agent. */
  openCounts(): Promise<Map<string, number>> {
    return conversations.openCounts(this.#q);
  }

  /** Full-text search or a listing by filters, optionally within some sites. */
  searchMessages(
    query: string,
    limit: number,
    siteIds?: readonly string[],
    filters?: SearchFilters,
  ): Promise<SearchHit[]> {
    return search.searchMessages(this.#q, query, limit, siteIds, filters);
  }

  /** A visitor with all their conversations and messages, from one snapshot. */
  exportVisitor(visitorId: string): Promise<VisitorExport | null> {
    return retention.exportVisitor(this.db, visitorId);
  }

  /** Deletes a visitor with their conversations and messages. */
  deleteVisitor(visitorId: string): Promise<RemovedCounts> {
    return retention.deleteVisitor(this.#q, visitorId);
  }

  /** Deletes (or counts) resolved conversations last active before `before`. */
  purgeResolvedConversations(before: Date, opts: { dryRun: boolean }): Promise<RemovedCounts> {
    return retention.purgeResolvedConversations(this.#q, before, opts);
  }

  /** Erases a visitor with everything theirs, and records the erasure. */
  eraseVisitor(
    visitorId: string,
    entry: AuditInput,
  ): Promise<{ erased: ErasedVisitor; entry: AuditEntry }> {
    return retention.eraseVisitor(this.db, visitorId, entry);
  }

  /** One batch of expired resolved conversations. */
  purgeExpiredConversations(
    now: Date,
    defaultDays: number | null,
    limit: number,
  ): Promise<RemovedCounts> {
    return retention.purgeExpiredConversations(this.#q, now, defaultDays, limit);
  }

  /** One batch of anonymous visitors who never wrote. */
  purgeAnonymousVisitors(before: Date, keep: readonly string[], limit: number): Promise<number> {
    return retention.purgeAnonymousVisitors(this.#q, before, keep, limit);
  }

  /** Runs `fn` under the job's advisory lock (Postgres), or at once (embedded). */
  async runExclusive(job: ExclusiveJob, fn: () => Promise<void>): Promise<boolean> {
    if (!this.db.withAdvisoryLock) {
      await fn();
      return true;
    }
    return await this.db.withAdvisoryLock(EXCLUSIVE_KEYS[job], fn);
  }

  /** Records an audit entry. */
  recordAudit(entry: AuditInput): Promise<AuditEntry> {
    return audit.recordAudit(this.#q, entry);
  }

  /** Audit entries, newest first. */
  listAudit(q: { before?: number; limit: number }): Promise<AuditEntry[]> {
    return audit.listAudit(this.#q, q);
  }

  /** Canned responses visible to an agent. */
  listCanned(agentId: string): Promise<CannedResponse[]> {
    return agents.listCanned(this.#q, agentId);
  }

  /** Creates a canned response. */
  createCanned(
    c: { agentId: string; shared: boolean; shortcut: string; body: string },
  ): Promise<CannedResponse> {
    return agents.createCanned(this.#q, c);
  }

  /** Deletes a canned response the agent may delete. */
  deleteCanned(id: string, agentId: string, isAdmin: boolean): Promise<boolean> {
    return agents.deleteCanned(this.#q, id, agentId, isAdmin);
  }

  /** Every label, by name. */
  listLabels(): Promise<Label[]> {
    return labels.listLabels(this.#q);
  }

  /** Creates a label; `conflict` on a duplicate name. */
  createLabel(label: { name: string; color: string }): Promise<Label> {
    return labels.createLabel(this.#q, label);
  }

  /** Renames or recolours a label. */
  updateLabel(id: string, patch: { name?: string; color?: string }): Promise<Label> {
    return labels.updateLabel(this.#q, id, patch);
  }

  /** Deletes a label and its uses. */
  deleteLabel(id: string): Promise<boolean> {
    return labels.deleteLabel(this.#q, id);
  }

  /** Changes a conversation's labels, queueing `conversation.labeled`, in one transaction. */
  changeConversationLabels(
    conversationId: string,
    change: labels.LabelChange,
    by: labels.LabelAuthor | null,
  ): Promise<labels.LabelsChanged> {
    return this.db.transaction((tx) =>
      labels.changeConversationLabels(tx, conversationId, change, by)
    );
  }

  /** Sets a conversation's priority. */
  setPriority(
    conversationId: string,
    priority: Priority,
  ): Promise<{ siteId: string; visitorId: string }> {
    return labels.setPriority(this.#q, conversationId, priority);
  }
}
