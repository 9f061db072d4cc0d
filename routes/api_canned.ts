/**
 * Canned responses: each agent's own plus the team's shared ones. Any agent manages their own;
 * shared ones are the team's, so only admins create them (and only admins may delete them).
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import { MAX_BODY_CHARS } from "../protocol/limits.ts";
import { optBoolean, string } from "../protocol/validate.ts";
import { idParam } from "./api_inbox.ts";
import type { Handler } from "./context.ts";
import { requireAgent, requireCsrf } from "./guard.ts";
import { json, readJson } from "./http.ts";

/** `GET /api/canned` */
export const listCanned: Handler = async (req, ctx) => {
  const agent = await requireAgent(req, ctx);
  return json({ canned: await ctx.app.store.listCanned(agent.id) });
};

/** `POST /api/canned` */
export const createCanned: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const agent = await requireAgent(req, ctx);
  const body = await readJson(req);
  const shortcut = string(body, "shortcut", 40, 1);
  if (!/^[a-z0-9_-]+$/i.test(shortcut)) {
    throw new ParleyError(ErrorCode.BadFrame, "shortcut may use letters, digits, - and _");
  }
  const shared = optBoolean(body, "shared") ?? false;
  if (shared && agent.role !== "admin") {
    // Otherwise an agent could put text before the whole team that only an admin can take back.
    throw new ParleyError(ErrorCode.Forbidden, "Only admins can create shared canned responses");
  }
  const canned = await ctx.app.store.createCanned({
    agentId: agent.id,
    shared,
    shortcut: shortcut.toLowerCase(),
    body: string(body, "body", MAX_BODY_CHARS, 1),
  });
  return json({ canned }, 201);
};

/** `DELETE /api/canned/:id` */
export const deleteCanned: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const agent = await requireAgent(req, ctx);
  const deleted = await ctx.app.store.deleteCanned(
    idParam(ctx.params.id),
    agent.id,
    agent.role === "admin",
  );
  if (!deleted) throw new ParleyError(ErrorCode.NotFound, "No such canned response");
  return new Response(null, { status: 204 });
};
