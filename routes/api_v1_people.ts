/**
 * The visitor and agent routes of the public API (`/api/v1`, docs/api.md): read and update a
 * visitor (agents and the visitor's own tabs see the change), list agents with their presence.
 *
 * @module
 */

import { Type } from "@sinclair/typebox";
import type { ApiTokenRecord } from "../db/store.ts";
import type { AuditActor } from "../core/privacy/mod.ts";
import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import { type ApiRoute, defineRoute, tokenOf } from "./api_v1.ts";
import { Agent, Paged, Visitor, VisitorExport, VisitorPatch } from "./api_v1_schemas.ts";
import { checkSite, Cursor, IdParams, Limit } from "./api_v1_conversations.ts";

/** How a token is named in the audit log: its id (never its secret) and name. */
function tokenAuditActor(token: ApiTokenRecord): AuditActor {
  return { actorId: `token:${token.id}`, actorEmail: null, details: { tokenName: token.name } };
}

/** The visitor and agent routes, in the order of the document. */
export const PEOPLE_ROUTES: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/api/v1/visitors/{id}",
    operationId: "getVisitor",
    summary: "Read a visitor",
    tag: "Visitors",
    scope: "read",
    params: IdParams,
    responses: { 200: { description: "The visitor", schema: Visitor } },
    async handler(input) {
      const token = tokenOf(input);
      const visitor = await input.ctx.app.core.projection.visitorInfo(input.params.id);
      if (!visitor) throw new ParleyError(ErrorCode.NotFound, "No such visitor");
      checkSite(token, visitor.siteId, "visitor");
      return { status: 200, body: visitor };
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/api/v1/visitors/{id}",
    operationId: "updateVisitor",
    summary: "Update a visitor's name, email or attributes (merged into the stored ones)",
    description: "Agents see the change at once. A name or email changed this way is not " +
      "verified (only the site's identity signature verifies). Attribute values are strings " +
      "(500 characters), numbers, booleans or null; at most 30 per request and 100 in all.",
    tag: "Visitors",
    scope: "write",
    params: IdParams,
    body: VisitorPatch,
    responses: { 200: { description: "The visitor", schema: Visitor } },
    async handler(input) {
      const token = tokenOf(input);
      const { projection, commands } = input.ctx.app.core;
      const before = await projection.visitorInfo(input.params.id);
      if (!before) throw new ParleyError(ErrorCode.NotFound, "No such visitor");
      checkSite(token, before.siteId, "visitor");
      const b = input.body;
      await commands.updateVisitorProfile(before.id, {
        ...(b.name !== undefined ? { name: b.name.trim() } : {}),
        ...(b.email !== undefined ? { email: b.email } : {}),
        ...(b.attributes !== undefined ? { attributes: b.attributes } : {}),
      });
      const after = await projection.visitorInfo(before.id);
      if (!after) throw new ParleyError(ErrorCode.NotFound, "No such visitor");
      return { status: 200, body: after };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/v1/visitors/{id}/export",
    operationId: "exportVisitor",
    summary: "Export everything stored about a visitor (a data subject's access request)",
    description: "Profile, attributes, pages, conversations with their ratings and messages, " +
      "oldest first; agents' internal notes are left out. Recorded in the audit log.",
    tag: "Visitors",
    scope: "read",
    params: IdParams,
    responses: { 200: { description: "The visitor's data", schema: VisitorExport } },
    async handler(input) {
      const token = tokenOf(input);
      const data = await input.ctx.app.privacy.exportAs(
        tokenAuditActor(token),
        token.sites,
        input.params.id,
      );
      return { status: 200, body: data };
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/api/v1/visitors/{id}",
    operationId: "eraseVisitor",
    summary: "Erase a visitor with all their data, for good",
    description: "Deletes the visitor, their conversations, messages and read markers in one " +
      "transaction; no copy stays. Their open widgets are disconnected (close code 4410), " +
      "consoles drop the conversations, webhooks get `visitor.deleted`. Recorded in the audit log.",
    tag: "Visitors",
    scope: "write",
    params: IdParams,
    responses: { 204: { description: "Erased" } },
    async handler(input) {
      const token = tokenOf(input);
      const visitor = await input.ctx.app.core.projection.visitorInfo(input.params.id);
      if (!visitor) throw new ParleyError(ErrorCode.NotFound, "No such visitor");
      checkSite(token, visitor.siteId, "visitor");
      await input.ctx.app.privacy.eraseAs(tokenAuditActor(token), visitor.id);
      return { status: 204, body: null };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/v1/agents",
    operationId: "listAgents",
    summary: "List agents with their live presence",
    tag: "Agents",
    scope: "read",
    query: Type.Object({
      cursor: Type.Optional(Cursor),
      limit: Type.Optional(Limit(500, 500)),
    }, { additionalProperties: false }),
    responses: { 200: { description: "Every agent (one page)", schema: Paged(Agent) } },
    async handler(input) {
      tokenOf(input);
      const agents = await input.ctx.app.core.projection.agentInfos();
      const q = input.query;
      let start = 0;
      if (q.cursor !== undefined) {
        start = agents.findIndex((a) => a.id === q.cursor) + 1;
        if (start === 0) {
          throw new ParleyError(ErrorCode.BadFrame, "cursor: not a cursor this API gave", {
            field: "cursor",
          });
        }
      }
      const limit = q.limit ?? 500;
      const page = agents.slice(start, start + limit);
      const more = start + limit < agents.length;
      return {
        status: 200,
        body: { data: page, nextCursor: more ? page.at(-1)?.id ?? null : null },
      };
    },
  }),
];
