/**
 * Labels (docs/http_api.md, "Labels"): any agent lists them; admins create, rename, recolour and
 * delete them; agents change a conversation's labels and priority. Thin: parse, then the core's
 * `Organiser` checks, persists and publishes.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { PRIORITIES } from "../protocol/frames.ts";
import type { Obj } from "../protocol/validate.ts";
import { oneOf } from "../protocol/validate.ts";
import { ParleyError } from "../core/errors.ts";
import { MAX_LABEL_NAME, MAX_LABELS_PER_CONVERSATION } from "../core/organise/mod.ts";
import { siteLimit } from "../core/chat/site_access.ts";
import type { AgentRecord } from "../db/store.ts";
import type { Actor } from "../core/chat/commands.ts";
import { idParam } from "./api_inbox.ts";
import type { Handler } from "./context.ts";
import { requireAgent, requireCsrf } from "./guard.ts";
import { json, readJson } from "./http.ts";

const COLOR = /^#[0-9a-f]{6}$/;

function bad(message: string, field: string): never {
  throw new ParleyError(ErrorCode.BadFrame, message, { field });
}

function onlyFields(body: Obj, known: readonly string[]): void {
  for (const k of Object.keys(body)) {
    if (!known.includes(k)) bad(`Unknown field: ${k.slice(0, 40)}`, k);
  }
}

/** A label name: trimmed, 1 to 40 characters, no control characters. */
function labelName(body: Obj): string {
  const v = body.name;
  const name = typeof v === "string" ? v.trim() : "";
  // deno-lint-ignore no-control-regex
  if (name.length === 0 || name.length > MAX_LABEL_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
    bad(`name must have 1 to ${MAX_LABEL_NAME} characters`, "name");
  }
  return name;
}

/** A colour `#rrggbb`, any case in, lower case stored. */
function labelColor(body: Obj): string {
  const v = body.color;
  const color = typeof v === "string" ? v.toLowerCase() : "";
  if (!COLOR.test(color)) bad("color must be #rrggbb", "color");
  return color;
}

/** A list of label ids, at most {@link MAX_LABELS_PER_CONVERSATION}. */
function labelIds(body: Obj, key: string): string[] {
  const v = body[key];
  if (
    !Array.isArray(v) || v.length > MAX_LABELS_PER_CONVERSATION ||
    !v.every((x): x is string => typeof x === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(x))
  ) {
    bad(`${key} must be a list of at most ${MAX_LABELS_PER_CONVERSATION} label ids`, key);
  }
  return [...new Set(v)];
}

/** The agent as the core's `Actor`: who acts, and the sites they may act on. */
export const actorOf = (agent: AgentRecord): Actor => ({
  id: agent.id,
  name: agent.name,
  sites: siteLimit(agent),
});

/** `GET /api/labels` */
export const listLabels: Handler = async (req, ctx) => {
  await requireAgent(req, ctx);
  return json({ labels: await ctx.app.core.organiser.list() });
};

/** `POST /api/labels` `{name, color}` (admins) */
export const createLabel: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const agent = await requireAgent(req, ctx);
  if (agent.role !== "admin") throw new ParleyError(ErrorCode.Forbidden, "Admins only");
  const body = await readJson(req);
  onlyFields(body, ["name", "color"]);
  const label = await ctx.app.core.organiser.create(agent, {
    name: labelName(body),
    color: labelColor(body),
  });
  return json({ label }, 201);
};

/** `PATCH /api/labels/:id` `{name?, color?}` (admins) */
export const updateLabel: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const agent = await requireAgent(req, ctx);
  if (agent.role !== "admin") throw new ParleyError(ErrorCode.Forbidden, "Admins only");
  const id = idParam(ctx.params.id);
  const body = await readJson(req);
  onlyFields(body, ["name", "color"]);
  const label = await ctx.app.core.organiser.update(agent, id, {
    ...(body.name !== undefined ? { name: labelName(body) } : {}),
    ...(body.color !== undefined ? { color: labelColor(body) } : {}),
  });
  return json({ label });
};

/** `DELETE /api/labels/:id` (admins) */
export const deleteLabel: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const agent = await requireAgent(req, ctx);
  if (agent.role !== "admin") throw new ParleyError(ErrorCode.Forbidden, "Admins only");
  await ctx.app.core.organiser.delete(agent, idParam(ctx.params.id));
  return new Response(null, { status: 204 });
};

/** `PUT /api/conversations/:id/labels` `{labelIds}`: replaces the conversation's labels. */
export const putConversationLabels: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const agent = await requireAgent(req, ctx);
  const id = idParam(ctx.params.id);
  const body = await readJson(req);
  onlyFields(body, ["labelIds"]);
  const r = await ctx.app.core.organiser.changeLabels(actorOf(agent), id, {
    set: labelIds(body, "labelIds"),
  });
  return json({ labels: r.labels, added: r.added, removed: r.removed });
};

/** `PATCH /api/conversations/:id/labels` `{add?, remove?}`: adds and removes some labels. */
export const patchConversationLabels: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const agent = await requireAgent(req, ctx);
  const id = idParam(ctx.params.id);
  const body = await readJson(req);
  onlyFields(body, ["add", "remove"]);
  const add = body.add === undefined ? [] : labelIds(body, "add");
  const remove = body.remove === undefined ? [] : labelIds(body, "remove");
  if (add.some((l) => remove.includes(l))) bad("A label cannot be added and removed", "remove");
  const r = await ctx.app.core.organiser.changeLabels(actorOf(agent), id, { add, remove });
  return json({ labels: r.labels, added: r.added, removed: r.removed });
};

/** `PUT /api/conversations/:id/priority` `{priority}` */
export const putPriority: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const agent = await requireAgent(req, ctx);
  const id = idParam(ctx.params.id);
  const body = await readJson(req);
  onlyFields(body, ["priority"]);
  const priority = oneOf(body, "priority", PRIORITIES);
  await ctx.app.core.organiser.setPriority(actorOf(agent), id, priority);
  return json({ priority });
};
