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
  Attachment,
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

/** Reads one field of a frame (the readers above have this shape). */
export type Reader<T> = (o: Obj, key: string) => T;

/** A reader for each field of `T` (optional ones too), keyed by the field's name. */
type Spec<T> = { [K in keyof T]-?: Reader<T[K]> };

/**
 * Reads every field `spec` names from `o`, each with its reader. One table per shape instead of
 * `key: read(o, "key")` for each field: the widget's bundle names each field once.
 */
export function fields<T>(o: Obj, spec: Spec<T>): T {
  const out: Partial<T> = {};
  for (const key in spec) out[key] = spec[key](o, key);
  return out as T;
}

/** A reader of a nested object field, read with `spec`. */
const nested = <T>(spec: Spec<T>): Reader<T> => (o, key) => fields(object(o[key], key), spec);

/**
 * Validates a message's file: its id, name, type and size are checked and the object is kept as
 * sent (the widget's byte budget; `width` and `height` only ever become image attributes).
 */
const attachment = (v: unknown): Attachment => {
  const o = object(v, "attachment");
  string(o, "id") + string(o, "name") + string(o, "type") + integer(o, "size");
  return o as unknown as Attachment;
};

const MESSAGE: Spec<Omit<Message, "attachments">> = {
  id: string,
  conversationId: string,
  seq: integer,
  authorKind: (o, key) => oneOf(o, key, ["visitor", "agent", "system", "bot"] as const),
  authorId: nullable,
  authorName: nullable,
  clientId: nullable,
  body: string,
  note: flag,
  createdAt: string,
};

/** Validates a stored message. */
export function decodeMessage(v: unknown): Message {
  const o = object(v, "message");
  return {
    // Absent when the message carries no files (docs/protocol.md).
    ...(o.attachments ? { attachments: list(o, "attachments", attachment) } : {}),
    ...fields(o, MESSAGE),
  };
}

const messages: Reader<Message[]> = (o, key) => list(o, key, decodeMessage);

const CONVERSATION: Spec<VisitorConversation> = {
  id: string,
  status: (o, key) => oneOf(o, key, ["queued", "open", "resolved"] as const),
  assignee(o, key) {
    const a = o[key];
    if (a === null || a === undefined) return null;
    const ao = object(a, key);
    const assignee: VisitorConversation["assignee"] = {
      id: string(ao, "id"),
      name: string(ao, "name"),
      avatar: nullable(ao, "avatar"),
    };
    // Absent from servers before it existed: the header then shows the team's presence.
    if (typeof ao.online === "boolean") assignee.online = ao.online;
    return assignee;
  },
  lastSeq: integer,
  readSeq: integer,
  // Both absent from servers before they existed (an instance not yet upgraded).
  agentReadSeq: (o, key) => o[key] ? integer(o, key) : 0,
  resolvedSeq: (o, key) => o[key] ? integer(o, key) : null,
  rating: (o, key) => o[key] === null || o[key] === undefined ? null : Math.min(5, integer(o, key)),
};

const conversation: Reader<VisitorConversation | null> = (o, key) =>
  o[key] === null || o[key] === undefined ? null : fields(object(o[key], key), CONVERSATION);

/** The fields of each visitor frame but `error` (read apart) and `type`. */
type FrameSpecs = {
  [T in Exclude<VisitorFrame["type"], "error">]: Spec<
    Omit<Extract<VisitorFrame, { type: T }>, "type">
  >;
};

const FRAMES: FrameSpecs = {
  welcome: {
    token: string,
    visitor: nested({ id: string, name: string, email: nullable, verified: flag }),
    conversation,
    messages,
    agentsOnline: integer,
    team: nested<TeamInfo>({ name: string, replyTime: string }),
    // Business hours; a server from before they existed sends none: open.
    hours: (o, key): HoursInfo =>
      o[key] === null || o[key] === undefined
        ? { open: true, nextOpen: null }
        : fields(object(o[key], key), { open: boolean, nextOpen: nullable }),
    emailReplies: flag,
    // At least 1 s, so a bad value cannot spin the ping timer.
    heartbeatMs: (o, key) => Math.max(1000, integer(o, key)),
  },
  ack: {
    clientId: string,
    messageId: string,
    conversationId: string,
    seq: integer,
    createdAt: string,
  },
  message: { message: (o, key) => decodeMessage(o[key]) },
  history: { messages, hasMore: boolean },
  conversation: { conversation },
  typing: { active: boolean, name: (o, key) => nullable(o, key) ?? "" },
  agents: { online: integer },
  identity: { name: string, email: nullable, verified: flag },
  ping: {},
  pong: {},
};

/** Decodes one frame from `/ws/visitor`; `null` for a type this client does not know. */
export function decodeVisitorFrame(text: string): VisitorFrame | null {
  const o = object(JSON.parse(text), "frame");
  const type = o.type;
  if (type === "error") {
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
  // Own keys only: a `type` of "toString" is unknown, not Object's.
  if (typeof type !== "string" || !Object.hasOwn(FRAMES, type)) return null;
  const spec = FRAMES[type as keyof FrameSpecs] as Spec<Record<string, unknown>>;
  return { type, ...fields(o, spec) } as VisitorFrame;
}
