/**
 * Agent management: list (any agent), create and update (admins).
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import { optBoolean, optInteger, optString, string } from "../protocol/validate.ts";
import type { Handler } from "./context.ts";
import { requireAgent, requireCsrf } from "./guard.ts";
import { json, readJson } from "./http.ts";

function role(value: string | undefined): "admin" | "agent" | undefined {
  if (value === undefined || value === "admin" || value === "agent") return value;
  throw new ParleyError(ErrorCode.BadFrame, "role must be admin or agent");
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
  const agent = await ctx.app.agents.create(actor, {
    email,
    name: string(body, "name", 80, 1),
    password: string(body, "password", 200, 1),
    role: role(optString(body, "role", 10)) ?? "agent",
    ...(capacity !== undefined ? { capacity } : {}),
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
  const agent = await ctx.app.agents.update(actor, ctx.params.id ?? "", {
    ...(name !== undefined ? { name } : {}),
    ...(avatar !== undefined ? { avatar } : {}),
    ...(r !== undefined ? { role: r } : {}),
    ...(disabled !== undefined ? { disabled } : {}),
    ...(capacity !== undefined ? { capacity } : {}),
  });
  return json({ agent: ctx.app.core.projection.agentInfo(agent) });
};
