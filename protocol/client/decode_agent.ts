/**
 * Turns what the server sends an agent (frames on `/ws/agent`, and the records of the HTTP API)
 * into typed values. Strict on identities (ids, seqs, types) and lenient on cosmetic fields (a
 * missing optional field becomes `null` or empty), so a server that adds or drops a decoration
 * keeps working. Shares the field readers, messages, acks and errors with the visitor side
 * (`decode.ts`).
 *
 * @module
 */

import type { CannedResponse } from "../api.ts";
import { ErrorCode } from "../codes.ts";
import type {
  AgentInfo,
  AgentServerFrame,
  AgentStatus,
  Attachment,
  AuthorKind,
  ConversationStatus,
  ConversationSummary,
  Label,
  Message,
  PageInfo,
  VisitorInfo,
} from "../frames.ts";
import { PRIORITIES } from "../frames.ts";
import { HEARTBEAT_MS } from "../timing.ts";
import type { Obj } from "../validate.ts";
import {
  decodeMessage as decodeBareMessage,
  decodeVisitorFrame,
  integer,
  nullable,
  object,
  oneOf,
  string,
} from "./decode.ts";

// Lenient readers for cosmetic fields: the wrong type reads as absent instead of dropping a frame.
const text = (o: Obj, key: string): string | null => {
  const v = o[key];
  return typeof v === "string" ? v : null;
};
const count = (o: Obj, key: string, fallback: number): number => {
  const v = o[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  // A present but non-numeric count is a broken server, not a cosmetic gap.
  throw new TypeError(`Invalid frame field: ${key}`);
};
const yes = (o: Obj, key: string): boolean => o[key] === true;
const pickOr = <T extends string>(o: Obj, key: string, values: readonly T[], fallback: T): T =>
  values.find((v) => v === o[key]) ?? fallback;
const items = <T>(o: Obj, key: string, item: (v: unknown) => T): T[] => {
  const v = o[key];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(item) : [];
};

const AUTHOR_KINDS: readonly AuthorKind[] = ["visitor", "agent", "system", "bot"];
const STATUSES: readonly ConversationStatus[] = ["queued", "open", "resolved"];
const AGENT_STATUSES: readonly AgentStatus[] = ["online", "away", "offline"];
const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);

/** Decodes a file a message carries (docs/http_api.md "Attachments"). */
export function decodeAttachment(value: unknown): Attachment {
  const o = object(value, "attachment");
  const a: Attachment = {
    id: string(o, "id"),
    name: string(o, "name"),
    type: string(o, "type"),
    size: integer(o, "size"),
  };
  if (typeof o.width === "number" && typeof o.height === "number") {
    a.width = integer(o, "width");
    a.height = integer(o, "height");
  }
  return a;
}

/**
 * Decodes a stored message with its attachments. Only the console reads them here: the widget's
 * decoder (`decode.ts`) stays as small as its budget asks until the widget shows them.
 */
export function decodeMessage(value: unknown): Message {
  const m = decodeBareMessage(value);
  const list = items(object(value, "message"), "attachments", decodeAttachment);
  if (list.length > 0) m.attachments = list;
  return m;
}

/** Decodes a {@link ConversationSummary}. */
export function decodeSummary(value: unknown): ConversationSummary {
  const o = object(value, "conversation");
  let lastMessage: ConversationSummary["lastMessage"] = null;
  if (o.lastMessage !== null && o.lastMessage !== undefined) {
    const m = object(o.lastMessage, "lastMessage");
    lastMessage = {
      body: string(m, "body"),
      authorKind: oneOf(m, "authorKind", AUTHOR_KINDS),
      createdAt: string(m, "createdAt"),
    };
  }
  const rating = o.rating;
  return {
    id: string(o, "id"),
    siteId: text(o, "siteId") ?? "",
    visitorId: string(o, "visitorId"),
    visitorName: text(o, "visitorName") ?? "",
    status: oneOf(o, "status", STATUSES),
    assigneeId: text(o, "assigneeId"),
    lastSeq: count(o, "lastSeq", 0),
    lastMessage,
    readSeq: count(o, "readSeq", 0),
    visitorReadSeq: count(o, "visitorReadSeq", 0),
    rating: typeof rating === "number" ? rating : null,
    createdAt: string(o, "createdAt"),
    updatedAt: text(o, "updatedAt") ?? string(o, "createdAt"),
    // Absent from servers before labels: left out, so a merge keeps what the console knew.
    ...(Array.isArray(o.labels)
      ? { labels: o.labels.filter((l): l is string => typeof l === "string") }
      : {}),
    ...(o.priority === undefined ? {} : { priority: pickOr(o, "priority", PRIORITIES, "none") }),
    // Absent from servers before snoozes: not snoozed.
    snoozedUntil: text(o, "snoozedUntil"),
  };
}

/** Decodes a {@link Label}. */
export function decodeLabel(value: unknown): Label {
  const o = object(value, "label");
  const color = text(o, "color") ?? "";
  return {
    id: string(o, "id"),
    name: text(o, "name") ?? "",
    color: /^#[0-9a-f]{6}$/i.test(color) ? color : "#808080",
  };
}

/** Decodes an {@link AgentInfo}. */
export function decodeAgent(value: unknown): AgentInfo {
  const o = object(value, "agent");
  return {
    id: string(o, "id"),
    email: text(o, "email") ?? "",
    name: text(o, "name") ?? "",
    avatar: text(o, "avatar"),
    role: o.role === "admin" ? "admin" : "agent",
    status: pickOr(o, "status", AGENT_STATUSES, "offline"),
    disabled: yes(o, "disabled"),
    capacity: count(o, "capacity", 0),
    sites: Array.isArray(o.sites) ? o.sites.filter((s): s is string => typeof s === "string") : [],
  };
}

function decodePage(value: unknown): PageInfo | null {
  if (value === null || value === undefined) return null;
  const o = object(value, "page");
  const referrer = text(o, "referrer");
  return {
    url: text(o, "url") ?? "",
    title: text(o, "title") ?? "",
    ...(referrer === null ? {} : { referrer }),
  };
}

/** The scalar attributes of `value` (anything else is left out); empty when it is no object. */
function decodeAttributes(value: unknown): VisitorInfo["attributes"] {
  const attributes: VisitorInfo["attributes"] = {};
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v === null) {
        attributes[k] = v;
      }
    }
  }
  return attributes;
}

/** Decodes a {@link VisitorInfo}. */
export function decodeVisitor(value: unknown): VisitorInfo {
  const o = object(value, "visitor");
  const attributes = decodeAttributes(o.attributes);
  return {
    id: string(o, "id"),
    siteId: text(o, "siteId") ?? "",
    name: text(o, "name") ?? "",
    email: text(o, "email"),
    verified: yes(o, "verified"),
    emailVerified: yes(o, "emailVerified"),
    nameVerified: yes(o, "nameVerified"),
    externalId: text(o, "externalId"),
    online: yes(o, "online"),
    page: decodePage(o.page),
    pagesVisited: items(o, "pagesVisited", decodePage).filter((p): p is PageInfo => p !== null),
    referrer: text(o, "referrer"),
    userAgent: text(o, "userAgent"),
    timezone: text(o, "timezone"),
    locale: text(o, "locale"),
    attributes,
    createdAt: text(o, "createdAt") ?? "",
    lastSeenAt: text(o, "lastSeenAt") ?? "",
  };
}

/** Decodes a {@link CannedResponse}. */
export function decodeCanned(value: unknown): CannedResponse {
  const o = object(value, "canned");
  return {
    id: string(o, "id"),
    agentId: text(o, "agentId"),
    shortcut: string(o, "shortcut"),
    body: string(o, "body"),
    createdAt: text(o, "createdAt") ?? "",
  };
}

/** `{ requestId }` when the frame echoes one, else nothing. */
function echo(o: Obj): { requestId?: string } {
  const requestId = nullable(o, "requestId");
  return requestId === null ? {} : { requestId };
}

/**
 * Decodes one frame from `/ws/agent`; `null` for a type this client does not know. An error code
 * this console does not know reads as `internal`, so it still shows its message.
 */
export function decodeAgentFrame(data: string): AgentServerFrame | null {
  const o = object(JSON.parse(data), "frame");
  switch (o.type) {
    case "welcome":
      return {
        type: "welcome",
        agent: decodeAgent(o.agent),
        agents: items(o, "agents", decodeAgent),
        conversations: items(o, "conversations", decodeSummary),
        ...(Array.isArray(o.labels) ? { labels: items(o, "labels", decodeLabel) } : {}),
        heartbeatMs: o.heartbeatMs === undefined || o.heartbeatMs === null
          ? HEARTBEAT_MS
          : Math.max(1000, integer(o, "heartbeatMs")),
      };
    case "ack":
    case "error": {
      // The visitor decoder reads both, the same on either socket (an error's code as a string).
      const frame = decodeVisitorFrame(data);
      if (frame?.type === "ack") return frame;
      if (frame?.type !== "error") return null;
      const conversationId = nullable(o, "conversationId");
      return {
        ...frame,
        ...echo(o),
        ...(conversationId === null ? {} : { conversationId }),
        code: ERROR_CODES.find((c) => c === frame.code) ?? ErrorCode.Internal,
        message: frame.message || "Something went wrong",
      };
    }
    case "message":
      return { type: "message", message: decodeMessage(o.message) };
    case "conversation":
      return { type: "conversation", conversation: decodeSummary(o.conversation) };
    case "labels":
      return { type: "labels", labels: items(o, "labels", decodeLabel) };
    case "history":
      return {
        type: "history",
        conversationId: string(o, "conversationId"),
        messages: items(o, "messages", decodeMessage),
        hasMore: yes(o, "hasMore"),
        ...echo(o),
      };
    case "typing": {
      const preview = text(o, "preview");
      return {
        type: "typing",
        conversationId: string(o, "conversationId"),
        author: oneOf(o, "author", ["visitor", "agent"] as const),
        agentId: text(o, "agentId"),
        name: text(o, "name") ?? "",
        active: yes(o, "active"),
        ...(preview === null ? {} : { preview }),
      };
    }
    case "agent":
      return { type: "agent", agent: decodeAgent(o.agent) };
    case "visitor":
      return { type: "visitor", visitor: decodeVisitor(o.visitor), ...echo(o) };
    case "visitor_attributes":
      return {
        type: "visitor_attributes",
        visitorId: string(o, "visitorId"),
        attributes: decodeAttributes(o.attributes),
      };
    case "visitor_erased":
      return { type: "visitor_erased", visitorId: string(o, "visitorId") };
    case "done":
      return { type: "done", requestId: string(o, "requestId") };
    case "ping":
    case "pong":
      return { type: o.type };
    default:
      return null;
  }
}
