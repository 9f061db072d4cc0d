/**
 * Agent management: list (any agent), create, update and reset passwords (admins), and the sites
 * the signed-in agent may see.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import { type Obj, optBoolean, optInteger, optString, string } from "../protocol/validate.ts";
import { siteAllowed, siteLimit } from "../core/chat/site_access.ts";
import type { Handler } from "./context.ts";
import { requireAgent, requireCsrf } from "./guard.ts";
import { json, readJson } from "./http.ts";

/** The `role` field: `admin`, `agent`, or absent. */
export function role(value: string | undefined): "admin" | "agent" | undefined {
  if (value === undefined || value === "admin" || value === "agent") return value;
  throw new ParleyError(ErrorCode.BadFrame, "role must be admin or agent");
}

/** Most sites one agent may be limited to (a limit to more is better left empty: every site). */
const MAX_AGENT_SITES = 200;

/**
 * Reads the optional `sites` field: distinct site ids (existence is checked by the service).
 * `null` means absent; `[]` means every site.
 */
export function optSites(body: Obj): string[] | undefined {
  const value = body.sites;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > MAX_AGENT_SITES) {
    throw new ParleyError(
      ErrorCode.BadFrame,
      `sites must be an array of at most ${MAX_AGENT_SITES} site ids`,
    );
  }
  const ids: string[] = [];
  for (const id of value) {
    if (typeof id !== "string" || id.length === 0 || id.length > 64) {
      throw new ParleyError(ErrorCode.BadFrame, "sites must hold site ids");
    }
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** `GET /api/agents` */
export const listAgents: Handler = async (req, ctx) => {
  await requireAgent(req, ctx);
  return json({ agents: await ctx.app.core.projection.agentInfos() });
};

/** `POST /api/agents` */
export const createAgent: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const body = await readJson(req);
  const email = string(body, "email", 254, 3);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new ParleyError(ErrorCode.BadFrame, "email is not an address");
  }
  const capacity = optInteger(body, "capacity", 0, 1000);
  const sites = optSites(body);
  const agent = await ctx.app.agents.create(actor, {
    email,
    name: string(body, "name", 80, 1),
    password: string(body, "password", 200, 1),
    role: role(optString(body, "role", 10)) ?? "agent",
    ...(capacity !== undefined ? { capacity } : {}),
    ...(sites !== undefined ? { sites } : {}),
  });
  return json({ agent: ctx.app.core.projection.agentInfo(agent) }, 201);
};

/** `PATCH /api/agents/:id` */
export const updateAgent: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const body = await readJson(req);
  const name = optString(body, "name", 80);
  const avatar = optString(body, "avatar", 8);
  const r = role(optString(body, "role", 10));
  const disabled = optBoolean(body, "disabled");
  const capacity = optInteger(body, "capacity", 0, 1000);
  const sites = optSites(body);
  const agent = await ctx.app.agents.update(actor, ctx.params.id ?? "", {
    ...(name !== undefined ? { name } : {}),
    ...(avatar !== undefined ? { avatar } : {}),
    ...(r !== undefined ? { role: r } : {}),
    ...(disabled !== undefined ? { disabled } : {}),
    ...(capacity !== undefined ? { capacity } : {}),
    ...(sites !== undefined ? { sites } : {}),
  });
  return json({ agent: ctx.app.core.projection.agentInfo(agent) });
};

/** `POST /api/agents/:id/password`: an admin sets another agent's password; their sessions end. */
export const resetPassword: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const body = await readJson(req);
  await ctx.app.agents.resetPassword(
    actor,
    ctx.params.id ?? "",
    string(body, "password", 200, 1),
  );
  return new Response(null, { status: 204 });
};

/** `GET /api/agent/sites`: the sites the signed-in agent may see (every site when not limited). */
export const mySites: Handler = async (req, ctx) => {
  const agent = await requireAgent(req, ctx);
  const limit = siteLimit(agent);
  const sites = (await ctx.app.store.listSites())
    .filter((s) => siteAllowed(limit, s.id))
    .map((s) => ({ id: s.id, name: s.name }));
  return json({ sites });
};
