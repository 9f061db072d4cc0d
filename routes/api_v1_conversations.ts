/**
 * The conversation and message routes of the public API (`/api/v1`, docs/api.md): list, read,
 * open for a visitor, assign or queue, resolve, reopen; read messages by seq, send as an agent or
 * a named bot, add notes. Writes go through the chat commands the agent socket uses (persist,
 * then publish), so the widget and the consoles see them at once. Anything of a site the token
 * may not see answers 404, exactly as if it did not exist.
 *
 * @module
 */

import { Type } from "@sinclair/typebox";
import { ErrorCode } from "../protocol/codes.ts";
import type { ConversationSummary } from "../protocol/frames.ts";
import { ParleyError } from "../core/errors.ts";
import { siteAllowed, siteLimit } from "../core/chat/site_access.ts";
import type { Actor } from "../core/mod.ts";
import type { ApiTokenRecord } from "../db/store.ts";
import { type ApiAnswer, type ApiRoute, defineRoute, tokenOf } from "./api_v1.ts";
import { Conversation, Id, Message, Paged, SendBody, Status } from "./api_v1_schemas.ts";
import type { RequestContext } from "./context.ts";

/** Path parameters of `/{id}` routes. */
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
/** A page size parameter. */
export const Limit = (max: number, dflt: number) =>
  Type.Integer({ minimum: 1, maximum: max, default: dflt, description: `Page size (${dflt})` });
/** A cursor parameter. */
export const Cursor = Type.String({
  maxLength: 200,
  description: "The `nextCursor` of the previous page",
});

/** A conversation as the API shows it: the inbox summary without the console's read marker. */
function shown(c: ConversationSummary): typeof Conversation.static {
  const { readSeq: _, ...rest } = c;
  // Optional in the summary type for older instances' events; the store always reads them.
  return {
    ...rest,
    agentReadSeq: c.agentReadSeq ?? 0,
    resolvedSeq: c.resolvedSeq ?? null,
    labels: c.labels ?? [],
    priority: c.priority ?? "none",
    snoozedUntil: c.snoozedUntil ?? null,
  };
}

const STATUSES: readonly string[] = ["queued", "open", "resolved"];
/** Whether `s` is a conversation status (the query's pattern allows no other). */
function isStatus(s: string): s is typeof Status.static {
  return STATUSES.includes(s);
}

/** Throws `not_found` unless the token may see `siteId`. */
export function checkSite(token: ApiTokenRecord, siteId: string, what: string): void {
  if (!siteAllowed(token.sites, siteId)) {
    throw new ParleyError(ErrorCode.NotFound, `No such ${what}`);
  }
}

/** The conversation, if the token may see it. */
async function conversationFor(
  ctx: RequestContext,
  token: ApiTokenRecord,
  id: string,
): Promise<typeof Conversation.static> {
  const c = await ctx.app.store.getConversationSummary(id);
  if (!c || !siteAllowed(token.sites, c.siteId)) {
    throw new ParleyError(ErrorCode.NotFound, "No such conversation");
  }
  return shown(c);
}

/** The token acting as itself (resolve, reopen, assign): system messages name it. */
function tokenActor(token: ApiTokenRecord): Actor {
  return { id: `token:${token.id}`, name: token.name, sites: token.sites };
}

function encodeCursor(c: { updatedAt: string; id: string }): string {
  return btoa(JSON.stringify([c.updatedAt, c.id])).replaceAll("=", "");
}

function decodeCursor(cursor: string): { updatedAt: string; id: string } {
  try {
    const v: unknown = JSON.parse(atob(cursor));
    if (
      Array.isArray(v) && v.length === 2 && typeof v[0] === "string" &&
      !Number.isNaN(Date.parse(v[0])) && typeof v[1] === "string" && v[1].length <= 64
    ) return { updatedAt: v[0], id: v[1] };
  } catch {
    // Reported below.
  }
  throw new ParleyError(ErrorCode.BadFrame, "cursor: not a cursor this API gave", {
    field: "cursor",
  });
}

/** Sends a message or note as an agent or a named bot; 201, or 200 with the original on resend. */
async function send(
  ctx: RequestContext,
  token: ApiTokenRecord,
  conversationId: string,
  body: typeof SendBody.static,
  note: boolean,
): Promise<ApiAnswer> {
  await conversationFor(ctx, token, conversationId);
  const { commands } = ctx.app.core;
  const frame = { conversationId, clientId: body.clientId, body: body.body, note };
  let result;
  if (body.author.kind === "agent") {
    const agent = await ctx.app.store.getAgent(body.author.agentId);
    if (!agent || agent.disabled) {
      throw new ParleyError(ErrorCode.BadFrame, "author.agentId: no such agent", {
        field: "author.agentId",
      });
    }
    const actor: Actor = { id: agent.id, name: agent.name, sites: siteLimit(agent) };
    try {
      result = await commands.agentSend(actor, frame);
    } catch (err) {
      // The conversation exists (checked above): the agent may not answer its site.
      if (err instanceof ParleyError && err.code === ErrorCode.NotFound) {
        throw new ParleyError(ErrorCode.Forbidden, `${agent.name} is not allowed on this site`, {
          field: "author.agentId",
        });
      }
      throw err;
    }
  } else {
    result = await commands.botSend(
      { id: token.id, name: body.author.name.trim(), sites: token.sites },
      frame,
    );
  }
  return { status: result.duplicate ? 200 : 201, body: result.message };
}

const conversationOut = { 200: { description: "The conversation", schema: Conversation } };

/** Every route of `/api/v1`, in the order of the document. */
/** The conversation and message routes, in the order of the document. */
export const CONVERSATION_ROUTES: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/v1/conversations",
    operationId: "listConversations",
    summary: "List conversations, most recently updated first",
    tag: "Conversations",
    scope: "read",
    query: Type.Object({
      site: Type.Optional(Type.String({ maxLength: 64, description: "Only this site" })),
      status: Type.Optional(Type.String({
        pattern: "^(queued|open|resolved)(,(queued|open|resolved))*$",
        description: "Comma-separated statuses (default: all)",
      })),
      assignee: Type.Optional(Type.String({
        pattern: "^[A-Za-z0-9_-]{1,64}$",
        description: "An agent id, or `none` for unassigned conversations",
      })),
      updatedSince: Type.Optional(Type.String({
        format: "date-time",
        description: "Only conversations updated at or after this instant",
      })),
      label: Type.Optional(Type.String({
        maxLength: 64,
        description: "Only conversations carrying this label (its id)",
      })),
      cursor: Type.Optional(Cursor),
      limit: Type.Optional(Limit(100, 50)),
    }, { additionalProperties: false }),
    responses: { 200: { description: "A page of conversations", schema: Paged(Conversation) } },
    async handler(input) {
      const token = tokenOf(input);
      const q = input.query;
      const limit = q.limit ?? 50;
      let siteIds: readonly string[] | undefined = token.sites.length === 0
        ? undefined
        : token.sites;
      if (q.site !== undefined) siteIds = siteAllowed(token.sites, q.site) ? [q.site] : [];
      const rows = await input.ctx.app.store.listConversations({
        ...(q.status !== undefined ? { status: q.status.split(",").filter(isStatus) } : {}),
        ...(q.assignee === "none"
          ? { assigneeId: null }
          : q.assignee !== undefined
          ? { assigneeId: q.assignee }
          : {}),
        ...(siteIds !== undefined ? { siteIds } : {}),
        ...(q.updatedSince !== undefined
          ? { updatedSince: new Date(q.updatedSince).toISOString() }
          : {}),
        ...(q.label !== undefined ? { labelId: q.label } : {}),
        ...(q.cursor !== undefined ? { after: decodeCursor(q.cursor) } : {}),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        status: 200,
        body: {
          data: page.map(shown),
          nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
        },
      };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/v1/conversations",
    operationId: "createConversation",
    summary: "Open a conversation for a visitor",
    description: "The new, empty conversation is queued and becomes the visitor's current one: " +
      "their open widget is told, and their next message lands in it. 409 while their current " +
      "conversation is not resolved.",
    tag: "Conversations",
    scope: "write",
    body: Type.Object({ visitorId: Id }, { additionalProperties: false }),
    responses: { 201: { description: "The new conversation", schema: Conversation } },
    async handler(input) {
      const token = tokenOf(input);
      const visitor = await input.ctx.app.store.getVisitor(input.body.visitorId);
      if (!visitor || !siteAllowed(token.sites, visitor.siteId)) {
        throw new ParleyError(ErrorCode.NotFound, "No such visitor", { field: "visitorId" });
      }
      const conv = await input.ctx.app.core.commands.openConversation(visitor.id);
      return { status: 201, body: await conversationFor(input.ctx, token, conv.id) };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/v1/conversations/{id}",
    operationId: "getConversation",
    summary: "Read a conversation",
    tag: "Conversations",
    scope: "read",
    params: IdParams,
    responses: conversationOut,
    async handler(input) {
      return {
        status: 200,
        body: await conversationFor(input.ctx, tokenOf(input), input.params.id),
      };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/v1/conversations/{id}/messages",
    operationId: "listMessages",
    summary: "Read a conversation's messages (private notes included) by seq, oldest first",
    tag: "Messages",
    scope: "read",
    params: IdParams,
    query: Type.Object({
      afterSeq: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 2 ** 31, description: "Only seqs above it" }),
      ),
      beforeSeq: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 2 ** 31, description: "Only seqs below it" }),
      ),
      cursor: Type.Optional(
        Type.String({
          pattern: "^[0-9]{1,10}$",
          description: "The `nextCursor` of the previous page (replaces afterSeq)",
        }),
      ),
      limit: Type.Optional(Limit(200, 50)),
    }, { additionalProperties: false }),
    responses: { 200: { description: "A page of messages", schema: Paged(Message) } },
    async handler(input) {
      const token = tokenOf(input);
      const id = input.params.id;
      await conversationFor(input.ctx, token, id);
      const q = input.query;
      const limit = q.limit ?? 50;
      const afterSeq = q.cursor !== undefined ? Number(q.cursor) : q.afterSeq ?? 0;
      const { messages } = await input.ctx.app.store.listMessages(id, {
        afterSeq,
        ...(q.beforeSeq !== undefined ? { beforeSeq: q.beforeSeq } : {}),
        limit: limit + 1,
        includeNotes: true,
      });
      const page = messages.slice(0, limit);
      const last = page.at(-1);
      return {
        status: 200,
        body: {
          data: page,
          nextCursor: messages.length > limit && last ? String(last.seq) : null,
        },
      };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/v1/conversations/{id}/messages",
    operationId: "sendMessage",
    summary: "Send a message as an agent or as a named bot",
    description: "Relayed at once to the visitor and the consoles, like a console reply. " +
      "Idempotent: a resend with the same clientId (same author, conversation and body) " +
      "returns the stored message with 200; the same clientId for another message is 409. " +
      "An agent's reply to a queued, unassigned conversation assigns it to them; a bot's " +
      "never assigns. A resolved conversation must be reopened first (409).",
    tag: "Messages",
    scope: "write",
    params: IdParams,
    body: SendBody,
    responses: {
      201: { description: "The message, stored and relayed", schema: Message },
      200: { description: "A resend: the message stored the first time", schema: Message },
    },
    handler: (input) => send(input.ctx, tokenOf(input), input.params.id, input.body, false),
  }),
  defineRoute({
    method: "POST",
    path: "/api/v1/conversations/{id}/notes",
    operationId: "addNote",
    summary: "Add a private note (agents see it, the visitor never does)",
    tag: "Messages",
    scope: "write",
    params: IdParams,
    body: SendBody,
    responses: {
      201: { description: "The note", schema: Message },
      200: { description: "A resend: the note stored the first time", schema: Message },
    },
    handler: (input) => send(input.ctx, tokenOf(input), input.params.id, input.body, true),
  }),
  defineRoute({
    method: "POST",
    path: "/api/v1/conversations/{id}/assign",
    operationId: "assignConversation",
    summary: "Assign a conversation to an agent, or put it back in the queue (null)",
    tag: "Conversations",
    scope: "write",
    params: IdParams,
    body: Type.Object({
      agentId: Type.Union([Id, Type.Null()], { description: "The agent, or null: the queue" }),
    }, { additionalProperties: false }),
    responses: conversationOut,
    async handler(input) {
      const token = tokenOf(input);
      const id = input.params.id;
      await conversationFor(input.ctx, token, id);
      const { commands } = input.ctx.app.core;
      const agentId = input.body.agentId;
      if (agentId === null) await commands.unassign(tokenActor(token), id);
      else await commands.transfer(tokenActor(token), id, agentId);
      return { status: 200, body: await conversationFor(input.ctx, token, id) };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/v1/conversations/{id}/resolve",
    operationId: "resolveConversation",
    summary: "Resolve a conversation (409 when already resolved)",
    tag: "Conversations",
    scope: "write",
    params: IdParams,
    responses: conversationOut,
    async handler(input) {
      const token = tokenOf(input);
      await conversationFor(input.ctx, token, input.params.id);
      await input.ctx.app.core.commands.resolve(tokenActor(token), input.params.id);
      return { status: 200, body: await conversationFor(input.ctx, token, input.params.id) };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/v1/conversations/{id}/reopen",
    operationId: "reopenConversation",
    summary: "Reopen a resolved conversation (409 when it is not resolved)",
    tag: "Conversations",
    scope: "write",
    params: IdParams,
    responses: conversationOut,
    async handler(input) {
      const token = tokenOf(input);
      await conversationFor(input.ctx, token, input.params.id);
      await input.ctx.app.core.commands.reopen(tokenActor(token), input.params.id);
      return { status: 200, body: await conversationFor(input.ctx, token, input.params.id) };
    },
  }),
];
