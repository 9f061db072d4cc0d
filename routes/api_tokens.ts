/**
 * API token management for the console (admins only, session + CSRF like `/api/sites`): list
 * (never a secret), create (the secret in this answer only) and revoke. The tokens themselves
 * work on `/api/v1` only (`api_v1.ts`); see docs/api.md.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { oneOf, string } from "../protocol/validate.ts";
import { ParleyError } from "../core/errors.ts";
import { MAX_TOKEN_NAME, MAX_TOKEN_SITES } from "../core/api/mod.ts";
import type { Handler } from "./context.ts";
import { requireAgent, requireCsrf } from "./guard.ts";
import { json, readJson } from "./http.ts";

const KNOWN_FIELDS = new Set(["name", "scope", "sites"]);

/** `GET /api/tokens` */
export const listTokens: Handler = async (req, ctx) => {
  const actor = await requireAgent(req, ctx);
  return json({ tokens: await ctx.app.api.tokens.list(actor) });
};

/** `POST /api/tokens` `{name, scope, sites?}` */
export const createToken: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  // Admins only, before anything about the body is said.
  if (actor.role !== "admin") throw new ParleyError(ErrorCode.Forbidden, "Admins only");
  const body = await readJson(req);
  for (const k of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(k)) {
      throw new ParleyError(ErrorCode.BadFrame, `Unknown field: ${k.slice(0, 40)}`, { field: k });
    }
  }
  const name = string(body, "name", MAX_TOKEN_NAME, 1);
  const scope = oneOf(body, "scope", ["read", "write"] as const);
  const sites = body.sites === undefined ? [] : body.sites;
  if (
    !Array.isArray(sites) || sites.length > MAX_TOKEN_SITES ||
    !sites.every((s): s is string => typeof s === "string" && s.length <= 64)
  ) {
    throw new ParleyError(
      ErrorCode.BadFrame,
      `sites must be a list of at most ${MAX_TOKEN_SITES} site ids`,
      { field: "sites" },
    );
  }
  const { token, secret } = await ctx.app.api.tokens.create(actor, { name, scope, sites });
  return json({ token, secret }, 201, { "cache-control": "no-store" });
};

/** `DELETE /api/tokens/:id` */
export const revokeToken: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const id = ctx.params.id ?? "";
  if (!/^[0-9a-f-]{36}$/.test(id)) {
    if (actor.role !== "admin") throw new ParleyError(ErrorCode.Forbidden, "Admins only");
    throw new ParleyError(ErrorCode.NotFound, "No such token");
  }
  await ctx.app.api.tokens.revoke(actor, id);
  return new Response(null, { status: 204 });
};
