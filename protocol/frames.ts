/**
 * Parley's wire protocol: every frame on `/ws/visitor` and `/ws/agent` as a discriminated union,
 * plus the validators that turn untrusted inbound frames into typed values.
 * Browser-safe: shared by the server, the widget and the agent console. See `docs/protocol.md`.
 *
 * @module
 */

import type { ErrorCode } from "./codes.ts";
import {
  MAX_ATTACHMENTS_PER_MESSAGE,
  MAX_ATTRIBUTES_PER_FRAME,
  MAX_BODY_CHARS,
  MAX_CLIENT_ID_CHARS,
  MAX_HISTORY_PAGE,
  MAX_PREVIEW_CHARS,
} from "./limits.ts";
import {
  attributes,
  boolean,
  id,
  integer,
  type Obj,
  object,
  oneOf,
  optBoolean,
  optInteger,
  optString,
  parseJson,
  string,
  ValidationError,
} from "./validate.ts";

// ---------------------------------------------------------------------------------------------
// Shared value types
// ---------------------------------------------------------------------------------------------

/**
 * Who wrote a message. `system` messages are written by Parley itself (e.g. "resolved"); `bot`
 * ones by a named bot through the public API (`docs/api.md`), shown like an agent's under
 * `authorName`.
 */
export type AuthorKind = "visitor" | "agent" | "system" | "bot";
/** Lifecycle of a conversation. */
export type ConversationStatus = "queued" | "open" | "resolved";
/** An agent's chosen availability; `offline` means no connected tab. */
export type AgentStatus = "online" | "away" | "offline";

/** A stored chat message. `seq` increases by one per message within its conversation. */
export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  authorKind: AuthorKind;
  /** Visitor id, agent id, or null for system messages. */
  authorId: string | null;
  /** Display name of the author at send time (agent name, visitor name, or null). */
  authorName: string | null;
  /** The sender's idempotency key, or null for system messages. */
  clientId: string | null;
  /** May be empty when the message carries {@link Message.attachments}. */
  body: string;
  /** A private note: only agents ever see it. */
  note: boolean;
  /** ISO 8601 timestamp. */
  createdAt: string;
  /** Files sent with the message, in the order sent; absent when none (docs/attachments.md). */
  attachments?: Attachment[];
}

/**
 * A file carried by a message. Download it from `GET /api/attachments/:id` (an agent's session,
 * or the visitor's token in `Authorization: Bearer`). `type` is sniffed from the bytes, never the
 * uploader's word; `width` and `height` are set for raster images (png, jpeg, gif, webp).
 */
export interface Attachment {
  id: string;
  /** The file name as uploaded: render it as text. */
  name: string;
  /** MIME type, e.g. `image/png`, `application/pdf`. */
  type: string;
  /** Bytes. */
  size: number;
  width?: number;
  height?: number;
}

/** The page a visitor is on. */
export interface PageInfo {
  url: string;
  title: string;
  referrer?: string;
}

/** What an agent sees of a visitor. */
export interface VisitorInfo {
  id: string;
  siteId: string;
  name: string;
  email: string | null;
  /** True when the external id (`externalId`) was verified by the site's HMAC. */
  verified: boolean;
  /** True when that HMAC also covered `email`; otherwise the email is the visitor's word. */
  emailVerified: boolean;
  /** True when that HMAC also covered `name`. */
  nameVerified: boolean;
  externalId: string | null;
  online: boolean;
  page: PageInfo | null;
  pagesVisited: PageInfo[];
  referrer: string | null;
  userAgent: string | null;
  timezone: string | null;
  locale: string | null;
  attributes: Record<string, string | number | boolean | null>;
  createdAt: string;
  lastSeenAt: string;
}

/** A conversation as listed in an agent's inbox. */
export interface ConversationSummary {
  id: string;
  siteId: string;
  visitorId: string;
  visitorName: string;
  status: ConversationStatus;
  assigneeId: string | null;
  lastSeq: number;
  lastMessage: { body: string; authorKind: AuthorKind; createdAt: string } | null;
  /** Highest seq the requesting agent has read (0 when never opened). */
  readSeq: number;
  /** Highest seq the visitor has read. */
  visitorReadSeq: number;
  /** Highest seq any agent has read (absent from older servers). */
  agentReadSeq?: number;
  /** Seq of the latest resolution's notice; null when never resolved (absent from older servers). */
  resolvedSeq?: number | null;
  rating: number | null;
  createdAt: string;
  updatedAt: string;
  /** Ids of its labels (see {@link Label}); absent from servers before labels. */
  labels?: string[];
  /** Absent from servers before priorities: `none`. */
  priority?: Priority;
  /** Snoozed until then (ISO 8601): out of "Mine" until it wakes; absent or null: not snoozed. */
  snoozedUntil?: string | null;
}

/** A label admins define and agents put on conversations. */
export interface Label {
  id: string;
  name: string;
  /** `#rrggbb` */
  color: string;
}

/** The furthest a conversation may be snoozed, in days. */
export const MAX_SNOOZE_DAYS = 365;

/** A conversation's priority, lowest first (stored as 0-4). */
export const PRIORITIES = ["none", "low", "medium", "high", "urgent"] as const;

/** See {@link PRIORITIES}. */
export type Priority = typeof PRIORITIES[number];

/** What a visitor sees of their own conversation. */
export interface VisitorConversation {
  id: string;
  status: ConversationStatus;
  /**
   * The agent answering, and whether they are online now (`false` when away or signed out; left
   * out by servers older than this field). Sent again when it changes.
   */
  assignee: { id: string; name: string; avatar: string | null; online?: boolean } | null;
  lastSeq: number;
  /** Highest seq the visitor has read. */
  readSeq: number;
  /** Highest seq any agent has read: the widget shows "Seen" on the visitor's messages up to it. */
  agentReadSeq: number;
  /**
   * Seq of the latest resolution's notice, or null when never resolved. It stays when the
   * conversation reopens: a conversation once resolved may be rated (`rate`).
   */
  resolvedSeq: number | null;
  rating: number | null;
}

/** An agent as seen by other agents. */
export interface AgentInfo {
  id: string;
  email: string;
  name: string;
  avatar: string | null;
  role: "admin" | "agent";
  status: AgentStatus;
  disabled: boolean;
  capacity: number;
  /** Site ids this agent may see and answer; empty means every site. */
  sites: string[];
  /**
   * Invited by email and not yet accepted (no password of their own, cannot sign in): not
   * offered for transfers. Absent from servers before invitations existed.
   */
  invited?: boolean;
}

/**
 * Team details shown in the widget header, resolved by the server for the site and the hello's
 * locale. An empty string means the site sets none: the widget shows its own locale's default.
 */
export interface TeamInfo {
  name: string;
  /** Human hint such as "Typically replies in a few minutes". */
  replyTime: string;
}

/** The site's business hours as of the `welcome` (see `protocol/site_settings.ts`). */
export interface HoursInfo {
  /** Within business hours now (always true for a site without hours). */
  open: boolean;
  /** When closed: the next opening, ISO 8601 (UTC); null when open or never. */
  nextOpen: string | null;
}

// ---------------------------------------------------------------------------------------------
// Visitor socket (`/ws/visitor`)
// ---------------------------------------------------------------------------------------------

/** Frames a visitor client sends. The first frame on a socket must be `hello`. */
export type VisitorClientFrame =
  | {
    type: "hello";
    site: string;
    /** The token from a previous `welcome`; absent for a new visitor. */
    token?: string;
    /** Highest seq of the current conversation the client already has. */
    lastSeq?: number;
    page?: PageInfo;
    locale?: string;
    timezone?: string;
  }
  | {
    type: "message";
    clientId: string;
    /** May be empty when `attachments` is not. */
    body: string;
    /** Ids of the sender's completed uploads (at most 10), sent with the message. */
    attachments?: string[];
  }
  | { type: "typing"; active: boolean; preview?: string }
  | { type: "page"; page: PageInfo }
  | { type: "identify"; id: string; name?: string; email?: string; hash?: string }
  | { type: "attributes"; attributes: Record<string, string | number | boolean | null> }
  | { type: "contact"; email: string }
  | { type: "read"; seq: number }
  | { type: "sync"; afterSeq?: number; beforeSeq?: number; limit?: number }
  | { type: "rate"; rating: number }
  | { type: "start_over" }
  /**
   * Asks for the current conversation's transcript by email, to `email` or the visitor's own
   * address. Nothing answers it when queued; a refusal is an `error` frame (`no_email`,
   * `rate_limited`: 3 per hour, `not_found`: no conversation, `unavailable`: email is off).
   */
  | { type: "transcript"; email?: string }
  | { type: "ping" }
  | { type: "pong" };

/**
 * Tells the sender its message is stored (durable), with the seq it got. Sent only after every
 * earlier message of the conversation has been sent on that socket.
 */
export interface AckFrame {
  type: "ack";
  clientId: string;
  messageId: string;
  conversationId: string;
  seq: number;
  createdAt: string;
}

/** Frames the server sends to a visitor. */
export type VisitorServerFrame =
  | {
    type: "welcome";
    token: string;
    visitor: { id: string; name: string; email: string | null; verified: boolean };
    conversation: VisitorConversation | null;
    /** Messages after `hello.lastSeq`, or the latest page when it was absent. */
    messages: Message[];
    agentsOnline: number;
    team: TeamInfo;
    /** Absent from servers before business hours existed: treat as open. */
    hours?: HoursInfo;
    /**
     * Whether agents' replies are also emailed to a visitor who left an address (the widget
     * promises email only then). False until the server can send email.
     */
    emailReplies: boolean;
    heartbeatMs: number;
  }
  | AckFrame
  | { type: "message"; message: Message }
  | { type: "history"; messages: Message[]; hasMore: boolean }
  | { type: "conversation"; conversation: VisitorConversation | null }
  | { type: "typing"; active: boolean; name: string }
  | { type: "agents"; online: number }
  | { type: "identity"; name: string; email: string | null; verified: boolean }
  | ErrorFrame
  | { type: "ping" }
  | { type: "pong" };

// ---------------------------------------------------------------------------------------------
// Agent socket (`/ws/agent`)
// ---------------------------------------------------------------------------------------------

/** Frames an agent client sends. The socket is authenticated by the session cookie. */
export type AgentClientFrame =
  | {
    type: "message";
    conversationId: string;
    clientId: string;
    /** May be empty when `attachments` is not. */
    body: string;
    note?: boolean;
    /** Ids of the agent's completed uploads to this conversation (at most 10). */
    attachments?: string[];
  }
  | { type: "typing"; conversationId: string; active: boolean }
  | AgentCommand
  | { type: "ping" }
  | { type: "pong" };

/**
 * The agent frames that are commands: each may carry a `requestId`, and a command that carries one
 * gets exactly one reply that echoes it: the `error` that refuses it, its own reply frame
 * (`history` for `sync`, `visitor` for `visitor`), or else a `done`. A command without one is
 * handled the same, with no `done` (older clients keep working).
 */
export type AgentCommand =
  & (
    | { type: "accept"; conversationId: string }
    | { type: "transfer"; conversationId: string; agentId: string }
    /** Back to the queue: no assignee, status `queued` (not for a resolved conversation). */
    | { type: "unassign"; conversationId: string }
    | { type: "resolve"; conversationId: string }
    | { type: "reopen"; conversationId: string }
    /**
     * Out of "Mine" and "All open" until `until` (ISO 8601, in the future, at most
     * {@link MAX_SNOOZE_DAYS} days ahead), or until the visitor writes; not for a resolved one.
     */
    | { type: "snooze"; conversationId: string; until: string }
    /** Back now: clears the snooze (a conversation that is not snoozed is a `conflict`). */
    | { type: "unsnooze"; conversationId: string }
    | { type: "presence"; status: "online" | "away" }
    | { type: "read"; conversationId: string; seq: number }
    | {
      type: "sync";
      conversationId: string;
      afterSeq?: number;
      beforeSeq?: number;
      limit?: number;
    }
    | { type: "visitor"; visitorId: string }
  )
  & { requestId?: string };

/** Tells an agent the command with this `requestId` succeeded (see {@link AgentCommand}). */
export interface DoneFrame {
  type: "done";
  requestId: string;
}

/** Frames the server sends to an agent. */
export type AgentServerFrame =
  | {
    type: "welcome";
    agent: AgentInfo;
    agents: AgentInfo[];
    /** Queued and open conversations, plus recently resolved ones. */
    conversations: ConversationSummary[];
    /** Every label (absent from servers before labels). */
    labels?: Label[];
    heartbeatMs: number;
  }
  | AckFrame
  | { type: "message"; message: Message }
  | { type: "conversation"; conversation: ConversationSummary }
  | {
    type: "history";
    conversationId: string;
    messages: Message[];
    hasMore: boolean;
    /** The `sync` command this answers, when it carried one. */
    requestId?: string;
  }
  | {
    type: "typing";
    conversationId: string;
    author: "visitor" | "agent";
    /** The typing agent's id, when `author` is `agent`. */
    agentId: string | null;
    name: string;
    active: boolean;
    /** What the visitor has typed so far (visitor typing only). */
    preview?: string;
  }
  | { type: "agent"; agent: AgentInfo }
  /** The admins changed the labels: every label now (conversations carry their ids). */
  | { type: "labels"; labels: Label[] }
  | {
    type: "visitor";
    visitor: VisitorInfo;
    /** The `visitor` command this answers, when it carried one. */
    requestId?: string;
  }
  | {
    /** Some of a visitor's attributes changed: merge these keys into what is shown. */
    type: "visitor_attributes";
    visitorId: string;
    attributes: VisitorInfo["attributes"];
  }
  | {
    /** The visitor was erased with all their data: drop their conversations and details. */
    type: "visitor_erased";
    visitorId: string;
  }
  | DoneFrame
  | ErrorFrame
  | { type: "ping" }
  | { type: "pong" };

/**
 * A typed error. `clientId` (a message), `requestId` (an agent command) and `conversationId` name
 * the request it answers, when there is one.
 */
export interface ErrorFrame {
  type: "error";
  code: ErrorCode;
  message: string;
  /** True when retrying the same request later may succeed (e.g. database unavailable). */
  retryable?: boolean;
  clientId?: string;
  requestId?: string;
  conversationId?: string;
}

// ---------------------------------------------------------------------------------------------
// Validators
// ---------------------------------------------------------------------------------------------

/** Thrown for a frame whose `type` is not accepted by the endpoint. */
export class UnknownTypeError extends ValidationError {
  /** Creates the error for the offending type name. */
  constructor(type: string) {
    super(`Unknown frame type: ${type.slice(0, 40)}`);
    this.name = "UnknownTypeError";
  }
}

function page(o: Obj, key: string): PageInfo {
  const p = object(o[key], key);
  const referrer = optString(p, "referrer", 2048);
  return {
    url: string(p, "url", 2048),
    title: string(p, "title", 300),
    ...(referrer === undefined ? {} : { referrer }),
  };
}

function clientId(o: Obj): string {
  // Said plainly: a missing id is the client's bug to fix, and the refusal names no id.
  if (o.clientId === undefined || o.clientId === null) {
    throw new ValidationError("clientId is required: every message carries its own");
  }
  const v = string(o, "clientId", MAX_CLIENT_ID_CHARS, 1);
  if (!REQUEST_ID.test(v)) throw new ValidationError("clientId has invalid characters");
  return v;
}

/** Characters allowed in a `clientId` or a `requestId`. */
const REQUEST_ID = /^[A-Za-z0-9_.:-]+$/;

/**
 * Whether `v` is a well-formed `clientId` or `requestId`: 1 to {@link MAX_CLIENT_ID_CHARS} of
 * `A-Z a-z 0-9 _ . : -`. For reading the id of a frame that did not validate, to name it in the
 * refusal.
 */
export function isRequestId(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_CLIENT_ID_CHARS &&
    REQUEST_ID.test(v);
}

function requestId(o: Obj): { requestId?: string } {
  const v = optString(o, "requestId", MAX_CLIENT_ID_CHARS);
  if (v === undefined) return {};
  if (!REQUEST_ID.test(v)) throw new ValidationError("requestId has invalid characters");
  return { requestId: v };
}

/** An ISO 8601 date-time with its offset (`Z` or `±hh:mm`), normalized to UTC. */
function instant(o: Obj, key: string): string {
  const v = string(o, key, 40, 1);
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:\d\d)$/.test(v)
    ? Date.parse(v)
    : NaN;
  if (!Number.isFinite(ms)) throw new ValidationError(`${key} must be an ISO 8601 date-time`);
  return new Date(ms).toISOString();
}

/**
 * A message's body and attachment ids. The body may be empty (or absent) only when the message
 * carries attachments; ids are unique, in the order given.
 */
function content(o: Obj): { body: string; attachments?: string[] } {
  let ids: string[] | undefined;
  if (o.attachments !== undefined) {
    const list = o.attachments;
    if (!Array.isArray(list)) throw new ValidationError("attachments must be an array of ids");
    if (list.length > MAX_ATTACHMENTS_PER_MESSAGE) {
      throw new ValidationError(
        `attachments must list at most ${MAX_ATTACHMENTS_PER_MESSAGE} ids`,
        "too_large",
      );
    }
    ids = [];
    for (const v of list) {
      if (typeof v !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(v)) {
        throw new ValidationError("attachments must be an array of ids");
      }
      if (!ids.includes(v)) ids.push(v);
    }
    if (ids.length === 0) ids = undefined;
  }
  const v = ids && o.body === undefined ? "" : string(o, "body", MAX_BODY_CHARS);
  if (v.trim().length === 0 && !ids) throw new ValidationError("body must not be empty");
  return ids ? { body: v, attachments: ids } : { body: v };
}

function historyWindow(o: Obj): { afterSeq?: number; beforeSeq?: number; limit?: number } {
  const afterSeq = optInteger(o, "afterSeq", 0, 2 ** 31);
  const beforeSeq = optInteger(o, "beforeSeq", 0, 2 ** 31);
  const limit = optInteger(o, "limit", 1, MAX_HISTORY_PAGE);
  return {
    ...(afterSeq === undefined ? {} : { afterSeq }),
    ...(beforeSeq === undefined ? {} : { beforeSeq }),
    ...(limit === undefined ? {} : { limit }),
  };
}

function typeOf(text: string): { o: Obj; type: string } {
  const o = object(parseJson(text));
  if (typeof o.type !== "string") throw new ValidationError("type must be a string");
  return { o, type: o.type };
}

/**
 * Validates one visitor frame. Throws {@link ValidationError} (code `bad_frame` or `too_large`)
 * or {@link UnknownTypeError}.
 */
export function parseVisitorFrame(text: string): VisitorClientFrame {
  const { o, type } = typeOf(text);
  switch (type) {
    case "hello": {
      const token = optString(o, "token", 512);
      const lastSeq = optInteger(o, "lastSeq", 0, 2 ** 31);
      const locale = optString(o, "locale", 35);
      const timezone = optString(o, "timezone", 64);
      return {
        type,
        site: id(o, "site"),
        ...(token === undefined ? {} : { token }),
        ...(lastSeq === undefined ? {} : { lastSeq }),
        ...(o.page === undefined ? {} : { page: page(o, "page") }),
        ...(locale === undefined ? {} : { locale }),
        ...(timezone === undefined ? {} : { timezone }),
      };
    }
    case "message":
      return { type, clientId: clientId(o), ...content(o) };
    case "typing": {
      const preview = optString(o, "preview", MAX_PREVIEW_CHARS);
      return { type, active: boolean(o, "active"), ...(preview === undefined ? {} : { preview }) };
    }
    case "page":
      return { type, page: page(o, "page") };
    case "identify": {
      const name = optString(o, "name", 120);
      const email = optString(o, "email", 254);
      const hash = optString(o, "hash", 128);
      return {
        type,
        id: string(o, "id", 128, 1),
        ...(name === undefined ? {} : { name }),
        ...(email === undefined ? {} : { email }),
        ...(hash === undefined ? {} : { hash }),
      };
    }
    case "attributes":
      return { type, attributes: attributes(o, "attributes", MAX_ATTRIBUTES_PER_FRAME) };
    case "contact": {
      const email = string(o, "email", 254, 3);
      if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new ValidationError("email is not an address");
      return { type, email };
    }
    case "read":
      return { type, seq: integer(o, "seq", 0, 2 ** 31) };
    case "sync":
      return { type, ...historyWindow(o) };
    case "rate":
      return { type, rating: integer(o, "rating", 1, 5) };
    case "transcript": {
      const email = optString(o, "email", 254);
      if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) {
        throw new ValidationError("email is not an address");
      }
      return { type, ...(email === undefined ? {} : { email }) };
    }
    case "start_over":
    case "ping":
    case "pong":
      return { type };
    default:
      throw new UnknownTypeError(type);
  }
}

/**
 * Validates one agent frame. Throws {@link ValidationError} (code `bad_frame` or `too_large`)
 * or {@link UnknownTypeError}.
 */
export function parseAgentFrame(text: string): AgentClientFrame {
  const { o, type } = typeOf(text);
  switch (type) {
    case "message": {
      const note = optBoolean(o, "note");
      return {
        type,
        conversationId: id(o, "conversationId"),
        clientId: clientId(o),
        ...content(o),
        ...(note === undefined ? {} : { note }),
      };
    }
    case "typing":
      return { type, conversationId: id(o, "conversationId"), active: boolean(o, "active") };
    case "accept":
    case "resolve":
    case "reopen":
    case "unassign":
    case "unsnooze":
      return { type, conversationId: id(o, "conversationId"), ...requestId(o) };
    case "snooze":
      return {
        type,
        conversationId: id(o, "conversationId"),
        until: instant(o, "until"),
        ...requestId(o),
      };
    case "transfer":
      return {
        type,
        conversationId: id(o, "conversationId"),
        agentId: id(o, "agentId"),
        ...requestId(o),
      };
    case "presence":
      return { type, status: oneOf(o, "status", ["online", "away"] as const), ...requestId(o) };
    case "read":
      return {
        type,
        conversationId: id(o, "conversationId"),
        seq: integer(o, "seq", 0, 2 ** 31),
        ...requestId(o),
      };
    case "sync":
      return {
        type,
        conversationId: id(o, "conversationId"),
        ...historyWindow(o),
        ...requestId(o),
      };
    case "visitor":
      return { type, visitorId: id(o, "visitorId"), ...requestId(o) };
    case "ping":
    case "pong":
      return { type };
    default:
      throw new UnknownTypeError(type);
  }
}

/** The error code to report for a validation failure. */
export function validationCode(err: ValidationError): "bad_frame" | "too_large" | "unknown_type" {
  return err instanceof UnknownTypeError ? "unknown_type" : err.code;
}
