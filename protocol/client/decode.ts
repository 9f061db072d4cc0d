/**
 * Turns frames the server sends into typed values, so neither browser app trusts the shape of
 * data that crossed the network. One decoder per socket kind, sharing the message and error
 * readers; each is a separate export so the widget's bundle carries only the visitor side.
 *
 * Unknown frame types decode to `null` (the protocol says clients MUST ignore them: a newer
 * server may send frames this client does not know). Malformed JSON throws a `SyntaxError`, a
 * malformed known frame a `TypeError` naming the field. Lengths are not checked: the
 * server enforces them and both apps render everything as text.
 *
 * @module
 */

import type {
  ErrorFrame,
  HoursInfo,
  Message,
  TeamInfo,
  VisitorConversation,
  VisitorServerFrame,
} from "../frames.ts";
import type { Obj } from "../validate.ts";

// Compact field readers. The server's readers in `validate.ts` check lengths and name each
// failure precisely, with a typed error the server maps onto an error frame; clients need none of
// that (the server enforces lengths, and a malformed frame is only logged), and it would cost the
// widget ~200 B of its gzip budget. So: one built-in `TypeError` naming the field.
const bad = (key: string): never => {
  throw new TypeError(`Invalid frame field: ${key}`);
};
/** A plain object, or throws naming `key`. */
export const object = (v: unknown, key: string): Obj =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? v as Obj : bad(key);
/** A string field. */
export const string = (o: Obj, key: string): string => {
  const v = o[key];
  return typeof v === "string" ? v : bad(key);
};
/** A non-negative safe integer field (seqs, counts). */
export const integer = (o: Obj, key: string): number => {
  const v = o[key];
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : bad(key);
};
/** A boolean field. */
export const boolean = (o: Obj, key: string): boolean => {
  const v = o[key];
  return typeof v === "boolean" ? v : bad(key);
};
/** A string field that must be one of `values`. */
export const oneOf = <T extends string>(o: Obj, key: string, values: readonly T[]): T =>
  values.find((v) => v === o[key]) ?? bad(key);

/**
 * An error frame as a client sees it: its `code` is any string, so a code added by a newer server
 * is still handled as an error.
 */
export type ClientErrorFrame = Omit<ErrorFrame, "code"> & { code: string };

/** A frame on `/ws/visitor` as the widget sees it (see {@link ClientErrorFrame}). */
export type VisitorFrame = Exclude<VisitorServerFrame, ErrorFrame> | ClientErrorFrame;

/** An optional string: absent and `null` read as `null`; anything else must be a string. */
export const nullable = (o: Obj, key: string): string | null =>
  o[key] === undefined || o[key] === null ? null : string(o, key);

/** An optional flag: absent and `null` read as false; anything else must be a boolean. */
export const flag = (o: Obj, key: string): boolean =>
  o[key] === undefined || o[key] === null ? false : boolean(o, key);

/** A list field whose items are read by `item`. */
export const list = <T>(o: Obj, key: string, item: (v: unknown) => T): T[] => {
  const v = o[key];
  return Array.isArray(v) ? v.map(item) : bad(key);
};

/** Validates a stored message. */
export function decodeMessage(v: unknown): Message {
  const o = object(v, "message");
  return {
    id: string(o, "id"),
    conversationId: string(o, "conversationId"),
    seq: integer(o, "seq"),
    authorKind: oneOf(o, "authorKind", ["visitor", "agent", "system", "bot"] as const),
    authorId: nullable(o, "authorId"),
    authorName: nullable(o, "authorName"),
    clientId: nullable(o, "clientId"),
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
    assignee = { id: string(ao, "id"), name: string(ao, "name"), avatar: nullable(ao, "avatar") };
    // Absent from servers before it existed: the header then shows the team's presence.
    if (typeof ao.online === "boolean") assignee.online = ao.online;
  }
  return {
    id: string(o, "id"),
    status: oneOf(o, "status", ["queued", "open", "resolved"] as const),
    assignee,
    lastSeq: integer(o, "lastSeq"),
    readSeq: integer(o, "readSeq"),
    // Both absent from servers before they existed (an instance not yet upgraded).
    agentReadSeq: o.agentReadSeq ? integer(o, "agentReadSeq") : 0,
    resolvedSeq: o.resolvedSeq ? integer(o, "resolvedSeq") : null,
    rating: o.rating === null || o.rating === undefined ? null : Math.min(5, integer(o, "rating")),
  };
}

function team(v: unknown): TeamInfo {
  const o = object(v, "team");
  return { name: string(o, "name"), replyTime: string(o, "replyTime") };
}

/** Business hours of a `welcome`; a server from before they existed sends none: open. */
function hours(v: unknown): HoursInfo {
  if (v === undefined || v === null) return { open: true, nextOpen: null };
  const o = object(v, "hours");
  return { open: boolean(o, "open"), nextOpen: nullable(o, "nextOpen") };
}

/** Decodes one frame from `/ws/visitor`; `null` for a type this client does not know. */
export function decodeVisitorFrame(text: string): VisitorFrame | null {
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
          email: nullable(visitor, "email"),
          verified: flag(visitor, "verified"),
        },
        conversation: conversation(o.conversation),
        messages: list(o, "messages", decodeMessage),
        agentsOnline: integer(o, "agentsOnline"),
        team: team(o.team),
        hours: hours(o.hours),
        emailReplies: flag(o, "emailReplies"),
        // At least 1 s, so a bad value cannot spin the ping timer.
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
      return { type: "message", message: decodeMessage(o.message) };
    case "history":
      return {
        type: "history",
        messages: list(o, "messages", decodeMessage),
        hasMore: boolean(o, "hasMore"),
      };
    case "conversation":
      return { type: "conversation", conversation: conversation(o.conversation) };
    case "typing":
      return { type: "typing", active: boolean(o, "active"), name: nullable(o, "name") ?? "" };
    case "agents":
      return { type: "agents", online: integer(o, "online") };
    case "identity":
      return {
        type: "identity",
        name: string(o, "name"),
        email: nullable(o, "email"),
        verified: flag(o, "verified"),
      };
    case "error": {
      // The agent decoder reads the same fields, plus the ids that only agent commands carry.
      const clientId = nullable(o, "clientId");
      return {
        type: "error",
        code: string(o, "code"),
        message: nullable(o, "message") ?? "",
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
