/**
 * The schemas of the public API (`/api/v1`): each one validates requests (TypeBox's
 * `Value.Check`) and, being plain JSON Schema, is embedded as is in the OpenAPI 3.1 document
 * (`api_v1_openapi.ts`). A schema with a `title` that is one of {@link COMPONENTS} becomes a
 * named component there.
 *
 * @module
 */

import { FormatRegistry, type TSchema, Type } from "@sinclair/typebox";
import {
  MAX_ATTRIBUTES_PER_FRAME,
  MAX_BODY_CHARS,
  MAX_CLIENT_ID_CHARS,
} from "../protocol/limits.ts";
import { ErrorCode } from "../protocol/codes.ts";
import { PRIORITIES } from "../protocol/frames.ts";
import { MAX_LABEL_NAME } from "../core/organise/mod.ts";
import { ReportAgentRow, ReportDay, ReportSummary } from "./api_v1_report_schemas.ts";

// An ISO 8601 instant with a time zone, as the API returns them and takes them in filters.
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)$/;
if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set("date-time", (v) => ISO_INSTANT.test(v) && !Number.isNaN(Date.parse(v)));
}

const closed = { additionalProperties: false } as const;
const instant = (description?: string) =>
  Type.String({ format: "date-time", ...(description ? { description } : {}) });
const nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** An id in a path or a body (conversations, visitors, agents are UUIDs). */
export const Id = Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", description: "An id" });

/** The error body every failure answers with. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.Union(Object.values(ErrorCode).map((c) => Type.Literal(c)), {
      description: "Stable error code (docs/api.md, Errors)",
    }),
    message: Type.String({ description: "What went wrong, in English, for people" }),
    field: Type.Optional(Type.String({ description: "The request field at fault, if one" })),
  }, closed),
}, { ...closed, title: "Error" });

/** Conversation status. */
export const Status = Type.Union([
  Type.Literal("queued"),
  Type.Literal("open"),
  Type.Literal("resolved"),
]);

/** Who wrote a message. */
export const AuthorKind = Type.Union([
  Type.Literal("visitor"),
  Type.Literal("agent"),
  Type.Literal("system"),
  Type.Literal("bot"),
]);

/** A conversation's priority. */
export const Priority = Type.Union(PRIORITIES.map((p) => Type.Literal(p)));

/** A label (`GET /api/v1/labels`); conversations carry the ids of theirs. */
export const Label = Type.Object({
  id: Type.String(),
  name: Type.String({ minLength: 1, maxLength: MAX_LABEL_NAME }),
  color: Type.String({ pattern: "^#[0-9a-f]{6}$", description: "`#rrggbb`" }),
}, { ...closed, title: "Label" });

/** A conversation as the API shows it. */
export const Conversation = Type.Object({
  id: Type.String(),
  siteId: Type.String(),
  visitorId: Type.String(),
  visitorName: Type.String(),
  status: Status,
  assigneeId: nullable(Type.String()),
  lastSeq: Type.Integer({ minimum: 0, description: "Seq of the newest message (0: none)" }),
  lastMessage: nullable(Type.Object({
    body: Type.String(),
    authorKind: AuthorKind,
    createdAt: instant(),
  }, closed)),
  visitorReadSeq: Type.Integer({ minimum: 0, description: "Highest seq the visitor has read" }),
  agentReadSeq: Type.Integer({
    minimum: 0,
    description: "Highest seq any agent has read (the visitor sees it as Seen)",
  }),
  resolvedSeq: nullable(Type.Integer({
    minimum: 1,
    description: "Seq of the latest resolution's notice; null when never resolved",
  })),
  rating: nullable(Type.Integer({ minimum: 1, maximum: 5 })),
  createdAt: instant(),
  updatedAt: instant(),
  labels: Type.Array(Type.String(), { description: "Ids of its labels (GET /api/v1/labels)" }),
  priority: Priority,
  snoozedUntil: nullable(instant("Snoozed until then; null: not snoozed")),
}, { ...closed, title: "Conversation" });

/** A stored message. */
export const Message = Type.Object({
  id: Type.String(),
  conversationId: Type.String(),
  seq: Type.Integer({ minimum: 1 }),
  authorKind: AuthorKind,
  authorId: nullable(Type.String()),
  authorName: nullable(Type.String()),
  clientId: nullable(Type.String()),
  body: Type.String(),
  note: Type.Boolean({ description: "A private note: only agents and the API see it" }),
  createdAt: instant(),
  attachments: Type.Optional(Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String({ description: "The file name as uploaded: render it as text" }),
      type: Type.String({ description: "MIME type sniffed from the file's bytes" }),
      size: Type.Integer({ minimum: 0, description: "Bytes" }),
      width: Type.Optional(Type.Integer({ minimum: 1, description: "Raster images only" })),
      height: Type.Optional(Type.Integer({ minimum: 1, description: "Raster images only" })),
    }, { ...closed, title: "Attachment" }),
    {
      description: "Files sent with the message (absent when none); download each from " +
        "GET /api/attachments/{id} with an agent session (docs/attachments.md)",
    },
  )),
}, { ...closed, title: "Message" });

const Page = Type.Object({
  url: Type.String(),
  title: Type.String(),
  referrer: Type.Optional(Type.String()),
}, closed);

/** An attribute's value. */
const AttributeValue = Type.Union([
  Type.String({ maxLength: 500 }),
  Type.Number(),
  Type.Boolean(),
  Type.Null(),
]);
/** An attribute's key, 1 to 64 characters (as keys reach the console, see protocol/validate). */
const ATTRIBUTE_KEY = "^[\\s\\S]{1,64}$";

/** A visitor's attribute values. */
export const Attributes = Type.Record(Type.String({ pattern: ATTRIBUTE_KEY }), AttributeValue);

/** A visitor. */
export const Visitor = Type.Object({
  id: Type.String(),
  siteId: Type.String(),
  name: Type.String(),
  email: nullable(Type.String()),
  verified: Type.Boolean(),
  emailVerified: Type.Boolean(),
  nameVerified: Type.Boolean(),
  externalId: nullable(Type.String()),
  online: Type.Boolean(),
  page: nullable(Page),
  pagesVisited: Type.Array(Page),
  referrer: nullable(Type.String()),
  userAgent: nullable(Type.String()),
  timezone: nullable(Type.String()),
  locale: nullable(Type.String()),
  attributes: Attributes,
  createdAt: instant(),
  lastSeenAt: instant(),
}, { ...closed, title: "Visitor" });

/** An agent with live presence. */
export const Agent = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  avatar: nullable(Type.String()),
  role: Type.Union([Type.Literal("admin"), Type.Literal("agent")]),
  status: Type.Union([Type.Literal("online"), Type.Literal("away"), Type.Literal("offline")], {
    description: "Live presence: offline means no console open",
  }),
  disabled: Type.Boolean(),
  capacity: Type.Integer({ minimum: 0 }),
  sites: Type.Array(Type.String(), { description: "Sites the agent may answer; empty: every" }),
  invited: Type.Boolean({
    description: "Invited by email and not accepted yet: cannot sign in or be assigned",
  }),
}, { ...closed, title: "Agent" });

/** A page of a listing. */
export const Paged = <T extends TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    nextCursor: nullable(Type.String({
      description: "Pass as `cursor` for the next page; null on the last page",
    })),
  }, closed);

/** Who writes a message sent through the API. */
export const Author = Type.Union([
  Type.Object({
    kind: Type.Literal("agent"),
    agentId: Id,
  }, { ...closed, description: "An agent: the message is theirs, as if sent from the console" }),
  Type.Object({
    kind: Type.Literal("bot"),
    name: Type.String({ minLength: 1, maxLength: 80, pattern: "\\S" }),
  }, { ...closed, description: "A named bot: shown like an agent's message under this name" }),
], { title: "Author" });

/** The body of a message or note sent through the API. */
export const SendBody = Type.Object({
  clientId: Type.String({
    minLength: 1,
    maxLength: MAX_CLIENT_ID_CHARS,
    description: "Your idempotency key: a resend with the same one returns the same message",
  }),
  body: Type.String({ minLength: 1, maxLength: MAX_BODY_CHARS, pattern: "\\S" }),
  author: Author,
}, closed);

/** The fields of a visitor the API may change. */
export const VisitorPatch = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 80, pattern: "\\S" })),
  email: Type.Optional(nullable(Type.String({ maxLength: 254, pattern: "^[^\\s@]+@[^\\s@]+$" }))),
  attributes: Type.Optional(Type.Record(Type.String({ pattern: ATTRIBUTE_KEY }), AttributeValue, {
    // Keys not matching the pattern (longer than 64) are refused, not ignored.
    additionalProperties: false,
    maxProperties: MAX_ATTRIBUTES_PER_FRAME,
    description: "Merged into the stored ones",
  })),
}, { ...closed, minProperties: 1 });

/** Named components of the OpenAPI document, by title. */
export const COMPONENTS: Record<string, TSchema> = {
  Error: ErrorBody,
  Conversation,
  Message,
  Visitor,
  Agent,
  Author,
  Label,
  ReportSummary,
  ReportDay,
  ReportAgentRow,
};

/** Everything stored about a visitor, for their access request (`exportVisitor`). */
export const VisitorExport = Type.Object({
  format: Type.Literal("parley-visitor-export/1"),
  exportedAt: instant(),
  visitor: Type.Object({ id: Type.String(), siteId: Type.String() }, {
    description: "The stored visitor: profile, identity, attributes, pages, timestamps",
  }),
  conversations: Type.Array(
    Type.Object({
      id: Type.String(),
      status: Status,
      rating: nullable(Type.Integer({ minimum: 1, maximum: 5 })),
      messages: Type.Array(
        Type.Object({
          id: Type.String(),
          seq: Type.Integer({ minimum: 1 }),
          authorKind: AuthorKind,
          body: Type.String(),
          createdAt: instant(),
        }),
        { description: "Oldest first; agents' internal notes are left out" },
      ),
    }),
    { description: "Oldest first" },
  ),
}, { title: "VisitorExport" });
