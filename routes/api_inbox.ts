/**
 * Read-only inbox endpoints for agents: conversation listings, history pages, visitor details
 * and full-text search.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import type { ConversationStatus } from "../protocol/frames.ts";
import { siteAllowed, siteLimit } from "../core/chat/site_access.ts";
import type { AgentRecord } from "../db/store.ts";
import type { Handler } from "./context.ts";
import { requireAgent } from "./guard.ts";
import { json } from "./http.ts";
import { searchFilters } from "./search_query.ts";

const STATUSES: readonly ConversationStatus[] = ["queued", "open", "resolved"];

function intParam(url: URL, name: string, min: number, max: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ParleyError(ErrorCode.BadFrame, `${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** Validates an id from the path. */
export function idParam(value: string | undefined): string {
  if (!value || !/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    throw new ParleyError(ErrorCode.NotFound, "Not found");
  }
  return value;
}

/**
 * The sites a listing may show the agent: those of `?site=` (one id) within the agent's limit,
 * or the limit itself; undefined means every site.
 */
function siteFilter(agent: AgentRecord, url: URL): string[] | undefined {
  const limit = siteLimit(agent);
  const site = url.searchParams.get("site");
  if (site === null || site === "") return limit.length === 0 ? undefined : limit;
  if (site.length > 64) throw new ParleyError(ErrorCode.BadFrame, "site is not a site id");
  // A site the agent may not see lists nothing, as a site without conversations would.
  return siteAllowed(limit, site) ? [site] : [];
}

/** `GET /api/conversations?status=&assignee=&site=&label=&sort=&before=&limit=` */
export const listConversations: Handler = async (req, ctx) => {
  const agent = await requireAgent(req, ctx);
  const status = (ctx.url.searchParams.get("status") ?? "queued,open").split(",").map((s) => {
    const found = STATUSES.find((x) => x === s);
    if (!found) throw new ParleyError(ErrorCode.BadFrame, `Unknown status: ${s.slice(0, 20)}`);
    return found;
  });
  const assignee = ctx.url.searchParams.get("assignee");
  const before = ctx.url.searchParams.get("before");
  if (before !== null && Number.isNaN(Date.parse(before))) {
    throw new ParleyError(ErrorCode.BadFrame, "before must be an ISO date");
  }
  const siteIds = siteFilter(agent, ctx.url);
  const label = ctx.url.searchParams.get("label");
  const sort = ctx.url.searchParams.get("sort");
  if (sort !== null && sort !== "updated" && sort !== "priority") {
    throw new ParleyError(ErrorCode.BadFrame, "sort must be updated or priority");
  }
  const conversations = await ctx.app.store.listConversations({
    ...(label ? { labelId: idParam(label) } : {}),
    ...(sort === "priority" ? { order: "priority" as const } : {}),
    status,
    forAgentId: agent.id,
    ...(siteIds !== undefined ? { siteIds } : {}),
    limit: intParam(ctx.url, "limit", 1, 500) ?? 100,
    ...(assignee === "me"
      ? { assigneeId: agent.id }
      : assignee === "none"
      ? { assigneeId: null }
      : assignee
      ? { assigneeId: idParam(assignee) }
      : {}),
    ...(before ? { updatedBefore: new Date(before).toISOString() } : {}),
  });
  return json({ conversations });
};

/** `GET /api/conversations/:id` */
export const getConversation: Handler = async (req, ctx) => {
  const agent = await requireAgent(req, ctx);
  const conversation = await ctx.app.store.getConversationSummary(idParam(ctx.params.id), agent.id);
  // Another site's conversation is as absent as one that does not exist.
  if (!conversation || !siteAllowed(siteLimit(agent), conversation.siteId)) {
    throw new ParleyError(ErrorCode.NotFound, "No such conversation");
  }
  return json({ conversation });
};

/** `GET /api/conversations/:id/messages?beforeSeq=&afterSeq=&limit=` */
export const listMessages: Handler = async (req, ctx) => {
  const agent = await requireAgent(req, ctx);
  const id = idParam(ctx.params.id);
  const conv = await ctx.app.store.getConversation(id);
  if (!conv || !siteAllowed(siteLimit(agent), conv.siteId)) {
    throw new ParleyError(ErrorCode.NotFound, "No such conversation");
  }
  const beforeSeq = intParam(ctx.url, "beforeSeq", 0, 2 ** 31);
  const afterSeq = intParam(ctx.url, "afterSeq", 0, 2 ** 31);
  const limit = intParam(ctx.url, "limit", 1, 200);
  return json(
    await ctx.app.core.projection.history(id, {
      ...(beforeSeq !== undefined ? { beforeSeq } : {}),
      ...(afterSeq !== undefined ? { afterSeq } : {}),
      ...(limit !== undefined ? { limit } : {}),
    }, true),
  );
};

/** `GET /api/visitors/:id` */
export const getVisitor: Handler = async (req, ctx) => {
  const agent = await requireAgent(req, ctx);
  const visitor = await ctx.app.core.projection.visitorInfo(idParam(ctx.params.id));
  if (!visitor || !siteAllowed(siteLimit(agent), visitor.siteId)) {
    throw new ParleyError(ErrorCode.NotFound, "No such visitor");
  }
  const conversations = await ctx.app.store.listConversations({
    visitorId: visitor.id,
    forAgentId: agent.id,
    limit: 50,
  });
  return json({ visitor, conversations });
};

/**
 * `GET /api/search?q=&limit=&label=&site=&agent=&status=&from=&to=`: full-text search, or with
 * filters alone a listing of the matching conversations; only in the sites the agent may see.
 */
export const search: Handler = async (req, ctx) => {
  const agent = await requireAgent(req, ctx);
  const q = (ctx.url.searchParams.get("q") ?? "").trim();
  const { filters, site } = searchFilters(ctx.url, agent);
  if (q.length > 200 || (q.length === 0 && filters === undefined)) {
    throw new ParleyError(
      ErrorCode.BadFrame,
      "q must have 1 to 200 characters (it may be left out when a filter is given)",
      { field: "q" },
    );
  }
  const allowed = siteLimit(agent);
  // A site the agent may not see finds nothing, as a site without conversations would.
  const siteIds = site === undefined
    ? (allowed.length === 0 ? undefined : allowed)
    : (siteAllowed(allowed, site) ? [site] : []);
  const hits = await ctx.app.store.searchMessages(
    q,
    intParam(ctx.url, "limit", 1, 100) ?? 30,
    siteIds,
    filters,
  );
  return json({ hits });
};
