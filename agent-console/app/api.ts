/**
 * The console's HTTP client for `docs/http_api.md`. Same-origin `fetch` with the session cookie;
 * every state-changing request carries `X-Parley-CSRF: 1`. Responses are decoded, never cast.
 * No DOM work happens here.
 *
 * @module
 */

import type {
  AgentInfo,
  ConversationSummary,
  Label,
  Message,
  Priority,
  VisitorInfo,
} from "../../protocol/frames.ts";
import type { AuditEntry, CannedResponse, SiteRecord } from "../../protocol/api.ts";
import type { WidgetSettings } from "../../protocol/site_settings.ts";
import { object, string } from "../../protocol/validate.ts";
import type { BulkOutcome, BulkRequest } from "./bulk.ts";
import {
  decodeAgent,
  decodeCanned,
  decodeLabel,
  decodeMessage,
  decodeSummary,
  decodeVisitor,
} from "../../protocol/client/decode_agent.ts";
import { decodeSite, decodeSiteRef, type SiteRef } from "./site_decode.ts";
import type { LabelEdit } from "./label_edit.ts";

/** The text of an error for a notice. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** An HTTP error answered by the server (or a network failure, status 0). */
export class ApiError extends Error {
  /** HTTP status; 0 when the request never reached the server. */
  readonly status: number;
  /** The server's stable error code, e.g. `unauthorized`, `conflict`, `rate_limited`. */
  readonly code: string;
  /** Creates the error. */
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** One search hit of `GET /api/search`. */
export interface SearchHit {
  message: Message;
  visitorName: string;
  rank: number;
  /** The conversation's labels, by name. */
  labels: Label[];
  /** The conversation's status, site and assignee (absent from older servers). */
  status?: ConversationSummary["status"];
  siteId?: string;
  assigneeId?: string | null;
}

/**
 * The filters of `GET /api/search`; `""` is no filter. `status` is a comma list; `from` and `to`
 * are dates or date-times, as the server takes them.
 */
export interface SearchFilters {
  label: string;
  site: string;
  agent: string;
  status: string;
  from: string;
  to: string;
}

/** True when any filter is set (a search may then go without words). */
export function hasSearchFilters(f: Readonly<SearchFilters>): boolean {
  return Object.values(f).some((v) => v !== "");
}

/** Filter for `GET /api/conversations`. */
export interface ConversationListQuery {
  status?: ConversationSummary["status"][];
  assignee?: "me" | "none" | string;
  before?: string;
  limit?: number;
  /** Only this site's conversations (`?site=`). */
  site?: string;
}

/** Fields an admin may set on a new agent. */
export interface NewAgent {
  email: string;
  name: string;
  password: string;
  role?: "admin" | "agent";
  capacity?: number;
  /** Sites the agent may answer; empty: every site. */
  sites?: string[];
}

/** Fields an admin may change on an agent. */
export interface AgentUpdate {
  name?: string;
  avatar?: string | null;
  role?: "admin" | "agent";
  disabled?: boolean;
  capacity?: number;
  /** Sites the agent may answer; empty: every site. */
  sites?: string[];
}

/** The fields of a site an admin edits (`POST` and `PATCH /api/sites`); `id` on creation only. */
export interface SiteFields extends WidgetSettings {
  name: string;
  allowedOrigins: string[];
  requireVerified: boolean;
  autoAssign: boolean;
  /** Days resolved conversations are kept; null: the server's default. */
  retentionDays?: number | null;
  /** The emails' sender name, Reply-To and digest address (docs/email.md); null: none. */
  senderName?: string | null;
  replyTo?: string | null;
  notificationEmail?: string | null;
}

/** A site just created, with its identity secret (shown once). */
export interface CreatedSite {
  site: SiteRecord;
  identitySecret: string;
}

/** Everything the console asks of the HTTP API. */
export interface ConsoleApi {
  /** The signed-in agent, or null when there is no valid session (401). */
  me(): Promise<AgentInfo | null>;
  login(email: string, password: string): Promise<AgentInfo>;
  logout(): Promise<void>;
  logoutAll(): Promise<void>;
  updateMe(patch: { name?: string; avatar?: string | null }): Promise<AgentInfo>;
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
  agents(): Promise<AgentInfo[]>;
  createAgent(agent: NewAgent): Promise<AgentInfo>;
  updateAgent(id: string, patch: AgentUpdate): Promise<AgentInfo>;
  conversations(q: ConversationListQuery): Promise<ConversationSummary[]>;
  visitor(id: string): Promise<{ visitor: VisitorInfo; conversations: ConversationSummary[] }>;
  /** Searches by words, filters or both (`GET /api/search`). */
  search(q: string, limit?: number, filters?: Partial<SearchFilters>): Promise<SearchHit[]>;
  canned(): Promise<CannedResponse[]>;
  createCanned(c: { shortcut: string; body: string; shared?: boolean }): Promise<CannedResponse>;
  deleteCanned(id: string): Promise<void>;
  /** Sets another agent's password (admin); ends every session of that agent. */
  resetPassword(agentId: string, password: string): Promise<void>;
  /** The sites this agent may see (all for admins and unrestricted agents). */
  agentSites(): Promise<SiteRef[]>;
  sites(): Promise<SiteRecord[]>;
  site(id: string): Promise<SiteRecord>;
  createSite(fields: SiteFields & { id?: string }): Promise<CreatedSite>;
  updateSite(id: string, patch: Partial<SiteFields>): Promise<SiteRecord>;
  /** Deletes a site; `force` also deletes its visitors and conversations (else 409). */
  deleteSite(id: string, force?: boolean): Promise<void>;
  /** Replaces the site's identity secret and returns the new one (shown once). */
  rotateIdentitySecret(id: string): Promise<string>;
  /** Erases a visitor with all their data (admins). */
  eraseVisitor(id: string): Promise<void>;
  /** A page of the audit log (admins), newest first, below entry id `before`. */
  auditLog(before?: number): Promise<{ entries: AuditEntry[]; nextBefore: number | null }>;
  /** Every label. */
  labels(): Promise<Label[]>;
  /** Creates a label (admins). */
  createLabel(fields: { name: string; color: string }): Promise<Label>;
  /** Renames or recolours a label (admins). */
  updateLabel(id: string, patch: { name?: string; color?: string }): Promise<Label>;
  /** Deletes a label (admins). */
  deleteLabel(id: string): Promise<void>;
  /**
   * Adds and removes some of a conversation's labels (`PATCH`): each change names only what it
   * changes, so two made at once both apply (a `PUT` of the whole set could undo the other).
   */
  changeConversationLabels(conversationId: string, change: LabelEdit): Promise<void>;
  /** Sets a conversation's priority. */
  setPriority(conversationId: string, priority: Priority): Promise<void>;
  /** Applies one action to many conversations: one outcome per distinct id, in order. */
  bulk(ids: string[], request: BulkRequest): Promise<BulkOutcome[]>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

function list<T>(value: unknown, key: string, item: (v: unknown) => T): T[] {
  const v = object(value)[key];
  if (!Array.isArray(v)) throw new ApiError(500, "internal", `Malformed response: ${key}`);
  return v.map(item);
}

/**
 * One request to the console's API: JSON in and out, `X-Parley-CSRF` on state-changing
 * requests, the server's `{error:{code,message}}` thrown as an {@link ApiError}. Returns the
 * parsed body (null for 204); callers decode it.
 */
export async function apiRequest(
  method: string,
  path: string,
  body?: unknown,
  opts: { base?: string; fetchFn?: FetchFn } = {},
): Promise<unknown> {
  const { base = "", fetchFn = (i: string, init?: RequestInit) => fetch(i, init) } = opts;
  const headers: Record<string, string> = { Accept: "application/json" };
  if (method !== "GET") headers["X-Parley-CSRF"] = "1";
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetchFn(`${base}${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "unavailable", "Cannot reach the server. Check your connection");
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    let code = "internal";
    let message = `Request failed (${res.status})`;
    const err = isObject(data) && isObject(data.error) ? data.error : null;
    if (err && typeof err.code === "string") code = err.code;
    if (err && typeof err.message === "string") message = err.message;
    throw new ApiError(res.status, code, message);
  }
  return data;
}

/**
 * Creates the HTTP client. `base` is the server origin ("" for same-origin in the browser);
 * `fetchFn` is injectable for tests.
 */
export function createApi(base = "", fetchFn: FetchFn = (i, init) => fetch(i, init)): ConsoleApi {
  const request = (method: string, path: string, body?: unknown) =>
    apiRequest(method, path, body, { base, fetchFn });

  const agentOf = (data: unknown) => decodeAgent(object(data).agent);
  const siteOf = (data: unknown) => decodeSite(object(data).site);

  return {
    async me() {
      try {
        return agentOf(await request("GET", "/api/agent/me"));
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    async login(email, password) {
      return agentOf(await request("POST", "/api/agent/login", { email, password }));
    },
    async logout() {
      await request("POST", "/api/agent/logout");
    },
    async logoutAll() {
      await request("POST", "/api/agent/logout-all");
    },
    async updateMe(patch) {
      return agentOf(await request("PATCH", "/api/agent/me", patch));
    },
    async changePassword(currentPassword, newPassword) {
      await request("POST", "/api/agent/me/password", { currentPassword, newPassword });
    },
    async agents() {
      return list(await request("GET", "/api/agents"), "agents", decodeAgent);
    },
    async createAgent(agent) {
      return agentOf(await request("POST", "/api/agents", agent));
    },
    async updateAgent(id, patch) {
      return agentOf(await request("PATCH", `/api/agents/${encodeURIComponent(id)}`, patch));
    },
    async conversations(q) {
      const p = new URLSearchParams();
      if (q.status) p.set("status", q.status.join(","));
      if (q.assignee) p.set("assignee", q.assignee);
      if (q.before) p.set("before", q.before);
      if (q.limit) p.set("limit", String(q.limit));
      if (q.site) p.set("site", q.site);
      const data = await request("GET", `/api/conversations?${p}`);
      return list(data, "conversations", decodeSummary);
    },
    async visitor(id) {
      const data = await request("GET", `/api/visitors/${encodeURIComponent(id)}`);
      return {
        visitor: decodeVisitor(object(data).visitor),
        conversations: list(data, "conversations", decodeSummary),
      };
    },
    async search(q, limit = 30, filters = {}) {
      const p = new URLSearchParams({ limit: String(limit) });
      if (q) p.set("q", q);
      for (const [k, v] of Object.entries(filters)) if (v) p.set(k, v);
      return list(await request("GET", `/api/search?${p}`), "hits", (v) => {
        const o = object(v, "hit");
        const status = (["queued", "open", "resolved"] as const).find((s) => s === o.status);
        return {
          message: decodeMessage(o.message),
          visitorName: typeof o.visitorName === "string" ? o.visitorName : "",
          rank: typeof o.rank === "number" ? o.rank : 0,
          labels: Array.isArray(o.labels) ? list(o, "labels", decodeLabel) : [],
          ...(status ? { status } : {}),
          ...(typeof o.siteId === "string" ? { siteId: o.siteId } : {}),
          ...(typeof o.assigneeId === "string" || o.assigneeId === null
            ? { assigneeId: o.assigneeId }
            : {}),
        };
      });
    },
    async labels() {
      return list(await request("GET", "/api/labels"), "labels", decodeLabel);
    },
    async createLabel(fields) {
      return decodeLabel(object(await request("POST", "/api/labels", fields)).label);
    },
    async updateLabel(id, patch) {
      const data = await request("PATCH", `/api/labels/${encodeURIComponent(id)}`, patch);
      return decodeLabel(object(data).label);
    },
    async deleteLabel(id) {
      await request("DELETE", `/api/labels/${encodeURIComponent(id)}`);
    },
    async changeConversationLabels(conversationId, change) {
      const path = `/api/conversations/${encodeURIComponent(conversationId)}/labels`;
      await request("PATCH", path, change);
    },
    async setPriority(conversationId, priority) {
      const path = `/api/conversations/${encodeURIComponent(conversationId)}/priority`;
      await request("PUT", path, { priority });
    },
    async bulk(ids, req) {
      const data = await request("POST", "/api/conversations/bulk", { ids, ...req });
      return list(data, "results", (v) => {
        const r = object(v);
        return {
          id: string(r, "id", 64),
          error: r.ok ? null : string(object(r.error), "message", 500),
        };
      });
    },
    async canned() {
      return list(await request("GET", "/api/canned"), "canned", decodeCanned);
    },
    async createCanned(c) {
      return decodeCanned(object(await request("POST", "/api/canned", c)).canned);
    },
    async deleteCanned(id) {
      await request("DELETE", `/api/canned/${encodeURIComponent(id)}`);
    },
    async resetPassword(agentId, password) {
      await request("POST", `/api/agents/${encodeURIComponent(agentId)}/password`, { password });
    },
    async agentSites() {
      return list(await request("GET", "/api/agent/sites"), "sites", decodeSiteRef);
    },
    async sites() {
      return list(await request("GET", "/api/sites"), "sites", decodeSite);
    },
    async site(id) {
      return siteOf(await request("GET", `/api/sites/${encodeURIComponent(id)}`));
    },
    async createSite(fields) {
      const data = object(await request("POST", "/api/sites", fields));
      if (typeof data.identitySecret !== "string") {
        throw new ApiError(500, "internal", "Malformed response: identitySecret");
      }
      return { site: decodeSite(data.site), identitySecret: data.identitySecret };
    },
    async updateSite(id, patch) {
      return siteOf(await request("PATCH", `/api/sites/${encodeURIComponent(id)}`, patch));
    },
    async deleteSite(id, force = false) {
      await request("DELETE", `/api/sites/${encodeURIComponent(id)}${force ? "?force=true" : ""}`);
    },
    async rotateIdentitySecret(id) {
      const data = object(
        await request("POST", `/api/sites/${encodeURIComponent(id)}/identity-secret`),
      );
      if (typeof data.identitySecret !== "string") {
        throw new ApiError(500, "internal", "Malformed response: identitySecret");
      }
      return data.identitySecret;
    },
    async eraseVisitor(id) {
      await request("DELETE", `/api/visitors/${encodeURIComponent(id)}`);
    },
    async auditLog(before) {
      const data = object(await request("GET", `/api/audit${before ? `?before=${before}` : ""}`));
      const next = data.nextBefore;
      return {
        entries: list(data, "entries", decodeAudit),
        nextBefore: typeof next === "number" ? next : null,
      };
    },
  };
}

/** Decodes one audit entry: its texts stay texts, its details a flat record of values. */
function decodeAudit(value: unknown): AuditEntry {
  const o = object(value);
  const str = (k: string) => (typeof o[k] === "string" ? String(o[k]) : null);
  const details: AuditEntry["details"] = {};
  for (const [k, v] of Object.entries(isObject(o.details) ? o.details : {})) {
    details[k] = Array.isArray(v) ? v.map(String) : typeof v === "object" ? null : v as string;
  }
  return {
    id: typeof o.id === "number" ? o.id : 0,
    actorId: str("actorId"),
    actorEmail: str("actorEmail"),
    action: str("action") ?? "",
    targetId: str("targetId"),
    details,
    createdAt: str("createdAt") ?? "",
  };
}
