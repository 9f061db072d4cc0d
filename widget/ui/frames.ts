/**
 * Validates frames the server sends on `/ws/visitor` into typed values, so the widget never
 * trusts the shape of data that crossed the network.
 *
 * @module
 */

import type {
  ErrorFrame,
  Message,
  TeamInfo,
  VisitorConversation,
  VisitorServerFrame,
} from "../../protocol/frames.ts";

/**
 * A server frame as the widget sees it: like {@link VisitorServerFrame}, except that an error's
 * `code` is any string, so a code added by a newer server is still handled as an error.
 */
export type ServerFrame =
  | Exclude<VisitorServerFrame, ErrorFrame>
  | (Omit<ErrorFrame, "code"> & { code: string });

type Obj = Record<string, unknown>;

// Compact readers: the bundle budget matters here, so errors name only the field.
const bad = (key: string): never => {
  throw new TypeError(`Invalid frame field: ${key}`);
};
const object = (v: unknown, key: string): Obj =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? v as Obj : bad(key);
const string = (o: Obj, key: string): string => {
  const v = o[key];
  return typeof v === "string" ? v : bad(key);
};
const optString = (o: Obj, key: string): string | null =>
  o[key] === undefined || o[key] === null ? null : string(o, key);
const integer = (o: Obj, key: string): number => {
  const v = o[key];
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : bad(key);
};
const boolean = (o: Obj, key: string): boolean => {
  const v = o[key];
  return typeof v === "boolean" ? v : bad(key);
};
const flag = (o: Obj, key: string): boolean =>
  o[key] === undefined || o[key] === null ? false : boolean(o, key);
const oneOf = <T extends string>(o: Obj, key: string, values: readonly T[]): T =>
  values.find((v) => v === o[key]) ?? bad(key);
const list = <T>(o: Obj, key: string, item: (v: unknown) => T): T[] => {
  const v = o[key];
  return Array.isArray(v) ? v.map(item) : bad(key);
};

/** Validates a stored message. */
export function parseMessage(v: unknown): Message {
  const o = object(v, "message");
  return {
    id: string(o, "id"),
    conversationId: string(o, "conversationId"),
    seq: integer(o, "seq"),
    authorKind: oneOf(o, "authorKind", ["visitor", "agent", "system"] as const),
    authorId: optString(o, "authorId"),
    authorName: optString(o, "authorName"),
    clientId: optString(o, "clientId"),
    body: string(o, "body"),
    note: flag(o, "note"),
    createdAt: string(o, "createdAt"),
  };
}

function conversation(v: unknown): VisitorConversation | null {
  if (v === null || v === undefined) return null;
  const o = object(v, "conversation");
  const a = o.assignee;
  let assignee: VisitorConversation["assignee"] = null;
  if (a !== null && a !== undefined) {
    const ao = object(a, "assignee");
    assignee = {
      id: string(ao, "id"),
      name: string(ao, "name"),
      avatar: optString(ao, "avatar"),
    };
  }
  const rating = o.rating === null || o.rating === undefined
    ? null
    : Math.min(5, integer(o, "rating"));
  return {
    id: string(o, "id"),
    status: oneOf(o, "status", ["queued", "open", "resolved"] as const),
    assignee,
    lastSeq: integer(o, "lastSeq"),
    readSeq: integer(o, "readSeq"),
    rating,
  };
}

function team(v: unknown): TeamInfo {
  const o = object(v, "team");
  return { name: string(o, "name"), replyTime: string(o, "replyTime") };
}

/**
 * Parses one server frame. Returns `null` for a frame type this widget does not know (newer
 * server) and throws a `SyntaxError` or `TypeError` for malformed JSON or a malformed known frame.
 * Lengths are not checked: the server enforces them and the widget renders everything as text.
 */
export function parseServerFrame(text: string): ServerFrame | null {
  const o = object(JSON.parse(text), "frame");
  switch (o.type) {
    case "welcome": {
      const visitor = object(o.visitor, "visitor");
      return {
        type: "welcome",
        token: string(o, "token"),
        visitor: {
          id: string(visitor, "id"),
          name: string(visitor, "name"),
          email: optString(visitor, "email"),
          verified: flag(visitor, "verified"),
        },
        conversation: conversation(o.conversation),
        messages: list(o, "messages", parseMessage),
        agentsOnline: integer(o, "agentsOnline"),
        team: team(o.team),
        heartbeatMs: Math.max(1000, integer(o, "heartbeatMs")),
      };
    }
    case "ack":
      return {
        type: "ack",
        clientId: string(o, "clientId"),
        messageId: string(o, "messageId"),
        conversationId: string(o, "conversationId"),
        seq: integer(o, "seq"),
        createdAt: string(o, "createdAt"),
      };
    case "message":
      return { type: "message", message: parseMessage(o.message) };
    case "history":
      return {
        type: "history",
        messages: list(o, "messages", parseMessage),
        hasMore: boolean(o, "hasMore"),
      };
    case "conversation":
      return { type: "conversation", conversation: conversation(o.conversation) };
    case "typing":
      return {
        type: "typing",
        active: boolean(o, "active"),
        name: optString(o, "name") ?? "",
      };
    case "agents":
      return { type: "agents", online: integer(o, "online") };
    case "identity":
      return {
        type: "identity",
        name: string(o, "name"),
        email: optString(o, "email"),
        verified: flag(o, "verified"),
      };
    case "error": {
      const clientId = optString(o, "clientId");
      return {
        type: "error",
        code: string(o, "code"),
        message: optString(o, "message") ?? "",
        retryable: flag(o, "retryable"),
        ...(clientId === null ? {} : { clientId }),
      };
    }
    case "ping":
    case "pong":
      return { type: o.type };
    default:
      return null;
  }
}
