/**
 * Column lists and row mappers: each `rowToX` checks the types a driver returned and converts
 * them to the store's types (timestamps become ISO strings). A mismatch is a schema bug and
 * throws a `TypeError` naming the column.
 *
 * Mappers take an optional column prefix so one statement can return several entities side by
 * side (`m_id`, `c_id`…); the matching `xColumns(alias, prefix)` builds the select list.
 *
 * @module
 */

import type {
  Attachment,
  AuthorKind,
  ConversationStatus,
  ConversationSummary,
  Message,
  PageInfo,
} from "../protocol/frames.ts";
import type {
  AgentRecord,
  ApiTokenRecord,
  CannedResponse,
  Conversation,
  Site,
  VisitorRecord,
} from "./store.ts";
import type { Row } from "./driver.ts";
import { DEFAULT_WIDGET_SETTINGS, type WidgetSettings } from "../protocol/site_settings.ts";
import { PRIORITIES } from "../protocol/frames.ts";

/** The error for a column holding what its reader does not expect (a schema or driver bug). */
export function bad(col: string, v: unknown): TypeError {
  return new TypeError(`Unexpected ${v === null ? "null" : typeof v} in column ${col}`);
}

function str(r: Row, col: string): string {
  const v = r[col];
  if (typeof v !== "string") throw bad(col, v);
  return v;
}

/** Reads a nullable text column. */
export function optStr(r: Row, col: string): string | null {
  const v = r[col];
  if (v === null || v === undefined) return null;
  if (typeof v !== "string") throw bad(col, v);
  return v;
}

function int(r: Row, col: string): number {
  const v = r[col];
  if (typeof v !== "number" || !Number.isInteger(v)) throw bad(col, v);
  return v;
}

function optInt(r: Row, col: string): number | null {
  return r[col] === null || r[col] === undefined ? null : int(r, col);
}

function bool(r: Row, col: string): boolean {
  const v = r[col];
  if (typeof v !== "boolean") throw bad(col, v);
  return v;
}

/** A timestamptz as an ISO 8601 string (drivers give `Date`; a string is accepted too). */
export function ts(r: Row, col: string): string {
  const v = r[col];
  const d = v instanceof Date ? v : typeof v === "string" ? new Date(v) : null;
  if (d === null || Number.isNaN(d.getTime())) throw bad(col, v);
  return d.toISOString();
}

/** A nullable timestamptz as an ISO 8601 string or null. */
export function optTs(r: Row, col: string): string | null {
  return r[col] === null || r[col] === undefined ? null : ts(r, col);
}

function oneOf<T extends string>(r: Row, col: string, values: readonly T[]): T {
  const v = str(r, col);
  const found = values.find((x) => x === v);
  if (found === undefined) throw bad(col, v);
  return found;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function toPage(v: unknown, col: string): PageInfo {
  if (!isObj(v) || typeof v.url !== "string" || typeof v.title !== "string") throw bad(col, v);
  return typeof v.referrer === "string"
    ? { url: v.url, title: v.title, referrer: v.referrer }
    : { url: v.url, title: v.title };
}

function attributes(r: Row, col: string): Record<string, string | number | boolean | null> {
  const v = r[col];
  if (!isObj(v)) throw bad(col, v);
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x !== null && typeof x !== "string" && typeof x !== "number" && typeof x !== "boolean") {
      throw bad(`${col}.${k}`, x);
    }
    out[k] = x;
  }
  return out;
}

function columns(names: readonly string[], alias: string, prefix: string): string {
  return names.map((n) => `${alias}.${n} AS ${prefix}${n}`).join(", ");
}

const AUTHOR_KINDS = ["visitor", "agent", "system", "bot"] as const satisfies readonly AuthorKind[];
const STATUSES = ["queued", "open", "resolved"] as const satisfies readonly ConversationStatus[];

const SITE_COLS = [
  "id",
  "name",
  "identity_secret",
  "allowed_origins",
  "require_verified",
  "auto_assign",
  "settings",
  "created_at",
  "retention_days",
  "sender_name",
  "reply_to",
  "notification_email",
] as const;

/** Select list for a site. */
export const siteColumns = (alias = "s", prefix = ""): string => columns(SITE_COLS, alias, prefix);

/** Reads a `text[]` column. */
function strings(r: Row, key: string): string[] {
  const value = r[key];
  if (!Array.isArray(value) || !value.every((o) => typeof o === "string")) throw bad(key, value);
  return value;
}

/** Maps a `sites` row. */
export function rowToSite(r: Row, p = ""): Site {
  const origins = strings(r, `${p}allowed_origins`);
  return {
    id: str(r, `${p}id`),
    name: str(r, `${p}name`),
    identitySecret: str(r, `${p}identity_secret`),
    allowedOrigins: origins,
    requireVerified: bool(r, `${p}require_verified`),
    autoAssign: bool(r, `${p}auto_assign`),
    settings: widgetSettings(r, `${p}settings`),
    createdAt: ts(r, `${p}created_at`),
    retentionDays: optInt(r, `${p}retention_days`),
    senderName: optStr(r, `${p}sender_name`),
    replyTo: optStr(r, `${p}reply_to`),
    notificationEmail: optStr(r, `${p}notification_email`),
  };
}

/**
 * The `settings` jsonb merged over {@link DEFAULT_WIDGET_SETTINGS}. Only known fields are read,
 * each checked for the JSON type of its default (or null where null is allowed); the contents
 * were validated on write (`core/sites/`), so a mismatch here is a schema bug.
 */
function widgetSettings(r: Row, col: string): WidgetSettings {
  const stored = r[col];
  if (!isObj(stored)) throw bad(col, stored);
  const out: Record<string, unknown> = { ...DEFAULT_WIDGET_SETTINGS };
  for (const [key, fallback] of Object.entries(DEFAULT_WIDGET_SETTINGS)) {
    if (!Object.hasOwn(stored, key)) continue;
    const v = stored[key];
    // A null default marks an optional text or object (LocalizedText, BusinessHours).
    const ok = v === null
      ? fallback === null
      : fallback === null
      ? typeof v === "string" || isObj(v)
      : typeof v === typeof fallback;
    if (!ok) throw bad(`${col}.${key}`, v);
    out[key] = v;
  }
  // Every field of the defaults is present and of its JSON type, as checked above.
  return out as unknown as WidgetSettings;
}

const AGENT_COLS = [
  "id",
  "email",
  "name",
  "avatar",
  "role",
  "disabled",
  "capacity",
  "sites",
  "password_hash",
  "created_at",
  "invited_at",
] as const;

/** Select list for an agent. */
export const agentColumns = (alias = "a", prefix = ""): string =>
  columns(AGENT_COLS, alias, prefix);

/** Maps an `agents` row. */
export function rowToAgent(r: Row, p = ""): AgentRecord {
  return {
    id: str(r, `${p}id`),
    email: str(r, `${p}email`),
    name: str(r, `${p}name`),
    avatar: optStr(r, `${p}avatar`),
    role: oneOf(r, `${p}role`, ["admin", "agent"] as const),
    disabled: bool(r, `${p}disabled`),
    capacity: int(r, `${p}capacity`),
    sites: strings(r, `${p}sites`),
    passwordHash: str(r, `${p}password_hash`),
    createdAt: ts(r, `${p}created_at`),
    invited: r[`${p}invited_at`] !== null && r[`${p}invited_at`] !== undefined,
  };
}

const VISITOR_COLS = [
  "id",
  "site_id",
  "name",
  "email",
  "verified",
  "email_verified",
  "name_verified",
  "external_id",
  "last_page",
  "pages_visited",
  "referrer",
  "user_agent",
  "timezone",
  "locale",
  "attributes",
  "created_at",
  "last_seen_at",
] as const;

/** Select list for a visitor. */
export const visitorColumns = (alias = "v", prefix = ""): string =>
  columns(VISITOR_COLS, alias, prefix);

/** Maps a `visitors` row. */
export function rowToVisitor(r: Row, p = ""): VisitorRecord {
  const pages = r[`${p}pages_visited`];
  if (!Array.isArray(pages)) throw bad(`${p}pages_visited`, pages);
  const page = r[`${p}last_page`];
  return {
    id: str(r, `${p}id`),
    siteId: str(r, `${p}site_id`),
    name: str(r, `${p}name`),
    email: optStr(r, `${p}email`),
    verified: bool(r, `${p}verified`),
    emailVerified: bool(r, `${p}email_verified`),
    nameVerified: bool(r, `${p}name_verified`),
    externalId: optStr(r, `${p}external_id`),
    page: page === null || page === undefined ? null : toPage(page, `${p}last_page`),
    pagesVisited: pages.map((x) => toPage(x, `${p}pages_visited`)),
    referrer: optStr(r, `${p}referrer`),
    userAgent: optStr(r, `${p}user_agent`),
    timezone: optStr(r, `${p}timezone`),
    locale: optStr(r, `${p}locale`),
    attributes: attributes(r, `${p}attributes`),
    createdAt: ts(r, `${p}created_at`),
    lastSeenAt: ts(r, `${p}last_seen_at`),
  };
}

const CONVERSATION_COLS = [
  "id",
  "site_id",
  "visitor_id",
  "status",
  "assignee_id",
  "last_seq",
  "visitor_read_seq",
  "rating",
  "created_at",
  "updated_at",
  "resolved_at",
  "agent_read_seq",
  "resolved_seq",
  "snoozed_until",
] as const;

/** Select list for a conversation (without the denormalized last-message columns). */
export const conversationColumns = (alias = "c", prefix = ""): string =>
  columns(CONVERSATION_COLS, alias, prefix);

/** Maps a `conversations` row. */
export function rowToConversation(r: Row, p = ""): Conversation {
  return {
    id: str(r, `${p}id`),
    siteId: str(r, `${p}site_id`),
    visitorId: str(r, `${p}visitor_id`),
    status: oneOf(r, `${p}status`, STATUSES),
    assigneeId: optStr(r, `${p}assignee_id`),
    lastSeq: int(r, `${p}last_seq`),
    visitorReadSeq: int(r, `${p}visitor_read_seq`),
    rating: optInt(r, `${p}rating`),
    createdAt: ts(r, `${p}created_at`),
    updatedAt: ts(r, `${p}updated_at`),
    resolvedAt: optTs(r, `${p}resolved_at`),
    agentReadSeq: int(r, `${p}agent_read_seq`),
    resolvedSeq: optInt(r, `${p}resolved_seq`),
    snoozedUntil: optTs(r, `${p}snoozed_until`),
  };
}

/**
 * Select list for an inbox summary: conversation `c`, visitor `v`, optional `agent_reads` `r`.
 * Column names are unprefixed.
 */
export const SUMMARY_COLUMNS = `${conversationColumns("c")}, c.last_message_body,
  c.last_author_kind, c.last_message_at, v.name AS visitor_name,
  COALESCE(r.seq, 0) AS read_seq, c.priority,
  ARRAY(SELECT cl.label_id FROM conversation_labels cl WHERE cl.conversation_id = c.id
    ORDER BY cl.label_id) AS label_ids`;

/** Maps a row selected with {@link SUMMARY_COLUMNS}. */
export function rowToSummary(r: Row): ConversationSummary {
  const c = rowToConversation(r);
  const body = optStr(r, "last_message_body");
  return {
    id: c.id,
    siteId: c.siteId,
    visitorId: c.visitorId,
    visitorName: str(r, "visitor_name"),
    status: c.status,
    assigneeId: c.assigneeId,
    lastSeq: c.lastSeq,
    lastMessage: body === null ? null : {
      body,
      authorKind: oneOf(r, "last_author_kind", AUTHOR_KINDS),
      createdAt: ts(r, "last_message_at"),
    },
    readSeq: int(r, "read_seq"),
    visitorReadSeq: c.visitorReadSeq,
    agentReadSeq: c.agentReadSeq,
    resolvedSeq: c.resolvedSeq,
    rating: c.rating,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    labels: labelIds(r.label_ids),
    priority: PRIORITIES[int(r, "priority")] ?? "none",
    snoozedUntil: c.snoozedUntil,
  };
}

function labelIds(v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw bad("label_ids", v);
  return v;
}

const MESSAGE_COLS = [
  "id",
  "conversation_id",
  "seq",
  "author_kind",
  "author_id",
  "author_name",
  "client_id",
  "body",
  "note",
  "created_at",
  "attachments",
] as const;

/** Select list for a message. */
export const messageColumns = (alias = "m", prefix = ""): string =>
  columns(MESSAGE_COLS, alias, prefix);

/** Maps a `messages` row. */
export function rowToMessage(r: Row, p = ""): Message {
  return {
    id: str(r, `${p}id`),
    conversationId: str(r, `${p}conversation_id`),
    seq: int(r, `${p}seq`),
    authorKind: oneOf(r, `${p}author_kind`, AUTHOR_KINDS),
    authorId: optStr(r, `${p}author_id`),
    authorName: optStr(r, `${p}author_name`),
    clientId: optStr(r, `${p}client_id`),
    body: str(r, `${p}body`),
    note: bool(r, `${p}note`),
    createdAt: ts(r, `${p}created_at`),
    ...attachmentsOf(r, `${p}attachments`),
  };
}

/**
 * Reads a message's `attachments` jsonb (migration 0019): absent when NULL (or the column was
 * not selected), else each entry checked.
 */
function attachmentsOf(r: Row, col: string): { attachments?: Attachment[] } {
  const v = r[col];
  if (v === null || v === undefined) return {};
  if (!Array.isArray(v)) throw bad(col, v);
  return { attachments: v.map((a) => attachmentOf(a, col)) };
}

/** Checks one stored attachment entry (`{ id, name, type, size, width?, height? }`). */
export function attachmentOf(a: unknown, col: string): Attachment {
  if (typeof a !== "object" || a === null) throw bad(col, a);
  const o = a as Record<string, unknown>;
  const { id, name, type, size, width, height } = o;
  if (typeof id !== "string" || typeof name !== "string" || typeof type !== "string") {
    throw bad(col, a);
  }
  if (typeof size !== "number") throw bad(col, size);
  return {
    id,
    name,
    type,
    size,
    ...(typeof width === "number" ? { width } : {}),
    ...(typeof height === "number" ? { height } : {}),
  };
}

const CANNED_COLS = ["id", "agent_id", "shortcut", "body", "created_at"] as const;

/** Select list for a canned response. */
export const cannedColumns = (alias = "k", prefix = ""): string =>
  columns(CANNED_COLS, alias, prefix);

/** Maps a `canned_responses` row. */
export function rowToCanned(r: Row, p = ""): CannedResponse {
  return {
    id: str(r, `${p}id`),
    agentId: optStr(r, `${p}agent_id`),
    shortcut: str(r, `${p}shortcut`),
    body: str(r, `${p}body`),
    createdAt: ts(r, `${p}created_at`),
  };
}

/** Reads a numeric column that may be a float (e.g. `ts_rank`). */
export function float(r: Row, col: string): number {
  const v = r[col];
  if (typeof v !== "number") throw bad(col, v);
  return v;
}

/** Reads an integer column (e.g. a `count(*)::int`). */
export function integer(r: Row, col: string): number {
  return int(r, col);
}

/** Reads a text column. */
export function text(r: Row, col: string): string {
  return str(r, col);
}

/** Clamps a seq-like number into Postgres `integer` range (callers validate up to 2^31). */
export function int4(n: number): number {
  if (!Number.isFinite(n)) return n > 0 ? 2147483647 : 0;
  return Math.min(2147483647, Math.max(-2147483648, Math.trunc(n)));
}

const API_TOKEN_COLS = [
  "id",
  "name",
  "scope",
  "sites",
  "created_by",
  "created_at",
  "last_used_at",
] as const;

/** Select list for an API token (never its secret's hash). */
export const apiTokenColumns = (alias = "t", prefix = ""): string =>
  columns(API_TOKEN_COLS, alias, prefix);

/** Maps an `api_tokens` row. */
export function rowToApiToken(r: Row, p = ""): ApiTokenRecord {
  return {
    id: str(r, `${p}id`),
    name: str(r, `${p}name`),
    scope: oneOf(r, `${p}scope`, ["read", "write"] as const),
    sites: strings(r, `${p}sites`),
    createdBy: optStr(r, `${p}created_by`),
    createdAt: ts(r, `${p}created_at`),
    lastUsedAt: optTs(r, `${p}last_used_at`),
  };
}
