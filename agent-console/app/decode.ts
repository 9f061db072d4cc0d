/**
 * Decoders that turn untrusted JSON from the server (WebSocket frames and HTTP bodies) into the
 * typed values of `core/protocol.ts`. The console never casts server data with `as T`: a frame
 * that does not decode is dropped and logged, so one odd frame cannot corrupt the inbox.
 *
 * Decoding is strict on identities (ids, seqs, types) and lenient on cosmetic fields (a missing
 * optional field becomes `null`), so a server that adds fields keeps working.
 *
 * @module
 */

import type {
  AgentInfo,
  AgentServerFrame,
  AgentStatus,
  AuthorKind,
  ConversationStatus,
  ConversationSummary,
  Message,
  PageInfo,
  VisitorInfo,
} from "../../protocol/frames.ts";
import type { ErrorCode } from "../../protocol/codes.ts";
import { ErrorCode as Codes } from "../../protocol/codes.ts";
import { type Obj, object, oneOf as pick, ValidationError } from "../../protocol/validate.ts";
import type { CannedResponse } from "../../protocol/api.ts";

export { ValidationError };

function str(o: Obj, key: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new ValidationError(`${key} must be a string`);
  return v;
}

function optStr(o: Obj, key: string): string | null {
  const v = o[key];
  return typeof v === "string" ? v : null;
}

function int(o: Obj, key: string, fallback?: number): number {
  const v = o[key];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (fallback !== undefined && (v === undefined || v === null)) return fallback;
  throw new ValidationError(`${key} must be a number`);
}

function bool(o: Obj, key: string, fallback = false): boolean {
  const v = o[key];
  return typeof v === "boolean" ? v : fallback;
}

function pickOr<T extends string>(o: Obj, key: string, values: readonly T[], fallback: T): T {
  const v = o[key];
  for (const allowed of values) if (v === allowed) return allowed;
  return fallback;
}

function arr<T>(o: Obj, key: string, item: (v: unknown) => T): T[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ValidationError(`${key} must be an array`);
  return v.map(item);
}

const AUTHOR_KINDS: readonly AuthorKind[] = ["visitor", "agent", "system"];
const STATUSES: readonly ConversationStatus[] = ["queued", "open", "resolved"];
const AGENT_STATUSES: readonly AgentStatus[] = ["online", "away", "offline"];
const ERROR_CODES: readonly ErrorCode[] = Object.values(Codes);

/** Decodes a {@link Message}. */
export function decodeMessage(value: unknown): Message {
  const o = object(value, "message");
  return {
    id: str(o, "id"),
    conversationId: str(o, "conversationId"),
    seq: int(o, "seq"),
    authorKind: pick(o, "authorKind", AUTHOR_KINDS),
    authorId: optStr(o, "authorId"),
    authorName: optStr(o, "authorName"),
    clientId: optStr(o, "clientId"),
    body: str(o, "body"),
    note: bool(o, "note"),
    createdAt: str(o, "createdAt"),
  };
}

/** Decodes a {@link ConversationSummary}. */
export function decodeSummary(value: unknown): ConversationSummary {
  const o = object(value, "conversation");
  let lastMessage: ConversationSummary["lastMessage"] = null;
  if (o.lastMessage !== null && o.lastMessage !== undefined) {
    const m = object(o.lastMessage, "lastMessage");
    lastMessage = {
      body: str(m, "body"),
      authorKind: pick(m, "authorKind", AUTHOR_KINDS),
      createdAt: str(m, "createdAt"),
    };
  }
  const rating = o.rating;
  return {
    id: str(o, "id"),
    siteId: optStr(o, "siteId") ?? "",
    visitorId: str(o, "visitorId"),
    visitorName: optStr(o, "visitorName") ?? "",
    status: pick(o, "status", STATUSES),
    assigneeId: optStr(o, "assigneeId"),
    lastSeq: int(o, "lastSeq", 0),
    lastMessage,
    readSeq: int(o, "readSeq", 0),
    visitorReadSeq: int(o, "visitorReadSeq", 0),
    rating: typeof rating === "number" ? rating : null,
    createdAt: str(o, "createdAt"),
    updatedAt: optStr(o, "updatedAt") ?? str(o, "createdAt"),
  };
}

/** Decodes an {@link AgentInfo}. */
export function decodeAgent(value: unknown): AgentInfo {
  const o = object(value, "agent");
  return {
    id: str(o, "id"),
    email: optStr(o, "email") ?? "",
    name: optStr(o, "name") ?? "",
    avatar: optStr(o, "avatar"),
    role: o.role === "admin" ? "admin" : "agent",
    status: pickOr(o, "status", AGENT_STATUSES, "offline"),
    disabled: bool(o, "disabled"),
    capacity: int(o, "capacity", 0),
  };
}

function decodePage(value: unknown): PageInfo | null {
  if (value === null || value === undefined) return null;
  const o = object(value, "page");
  const referrer = optStr(o, "referrer");
  return {
    url: optStr(o, "url") ?? "",
    title: optStr(o, "title") ?? "",
    ...(referrer === null ? {} : { referrer }),
  };
}

/** Decodes a {@link VisitorInfo}. */
export function decodeVisitor(value: unknown): VisitorInfo {
  const o = object(value, "visitor");
  const attributes: VisitorInfo["attributes"] = {};
  if (o.attributes !== null && typeof o.attributes === "object" && !Array.isArray(o.attributes)) {
    for (const [k, v] of Object.entries(o.attributes)) {
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v === null) {
        attributes[k] = v;
      }
    }
  }
  return {
    id: str(o, "id"),
    siteId: optStr(o, "siteId") ?? "",
    name: optStr(o, "name") ?? "",
    email: optStr(o, "email"),
    verified: bool(o, "verified"),
    externalId: optStr(o, "externalId"),
    online: bool(o, "online"),
    page: decodePage(o.page),
    pagesVisited: arr(o, "pagesVisited", decodePage).filter((p): p is PageInfo => p !== null),
    referrer: optStr(o, "referrer"),
    userAgent: optStr(o, "userAgent"),
    timezone: optStr(o, "timezone"),
    locale: optStr(o, "locale"),
    attributes,
    createdAt: optStr(o, "createdAt") ?? "",
    lastSeenAt: optStr(o, "lastSeenAt") ?? "",
  };
}

/** Decodes a {@link CannedResponse}. */
export function decodeCanned(value: unknown): CannedResponse {
  const o = object(value, "canned");
  return {
    id: str(o, "id"),
    agentId: optStr(o, "agentId"),
    shortcut: str(o, "shortcut"),
    body: str(o, "body"),
    createdAt: optStr(o, "createdAt") ?? "",
  };
}

/**
 * Decodes one frame from `/ws/agent`. Throws {@link ValidationError} for malformed JSON, an
 * unknown `type` or a field of the wrong shape.
 */
export function decodeServerFrame(text: string): AgentServerFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ValidationError("Invalid JSON");
  }
  const o = object(raw);
  const type = o.type;
  switch (type) {
    case "welcome":
      return {
        type,
        agent: decodeAgent(o.agent),
        agents: arr(o, "agents", decodeAgent),
        conversations: arr(o, "conversations", decodeSummary),
        heartbeatMs: int(o, "heartbeatMs", 0),
      };
    case "ack":
      return {
        type,
        clientId: str(o, "clientId"),
        messageId: str(o, "messageId"),
        conversationId: str(o, "conversationId"),
        seq: int(o, "seq"),
        createdAt: str(o, "createdAt"),
      };
    case "message":
      return { type, message: decodeMessage(o.message) };
    case "conversation":
      return { type, conversation: decodeSummary(o.conversation) };
    case "history":
      return {
        type,
        conversationId: str(o, "conversationId"),
        messages: arr(o, "messages", decodeMessage),
        hasMore: bool(o, "hasMore"),
      };
    case "typing": {
      const preview = optStr(o, "preview");
      return {
        type,
        conversationId: str(o, "conversationId"),
        author: pick(o, "author", ["visitor", "agent"] as const),
        agentId: optStr(o, "agentId"),
        name: optStr(o, "name") ?? "",
        active: bool(o, "active"),
        ...(preview === null ? {} : { preview }),
      };
    }
    case "agent":
      return { type, agent: decodeAgent(o.agent) };
    case "visitor":
      return { type, visitor: decodeVisitor(o.visitor) };
    case "error": {
      const clientId = optStr(o, "clientId");
      const conversationId = optStr(o, "conversationId");
      return {
        type,
        // A code this console does not know yet still shows its message.
        code: pickOr(o, "code", ERROR_CODES, Codes.Internal),
        message: optStr(o, "message") ?? "Something went wrong",
        retryable: bool(o, "retryable"),
        ...(clientId === null ? {} : { clientId }),
        ...(conversationId === null ? {} : { conversationId }),
      };
    }
    case "ping":
    case "pong":
      return { type };
    default:
      throw new ValidationError(`Unknown frame type: ${String(type).slice(0, 40)}`);
  }
}
