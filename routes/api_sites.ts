/**
 * Site management (admins only, session + CSRF like `/api/agents`): list, create, read, edit,
 * delete and rotate the identity secret. The secret is in the answers of create and rotate
 * only, never in a list or a read. Validation and the admin check are `core/sites/`'s.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import type { Handler } from "./context.ts";
import { requireAgent, requireCsrf } from "./guard.ts";
import { json, readJson } from "./http.ts";

/**
 * Largest site body: every text of a site translated into every locale at its longest, in a
 * two-byte script, stays under it (the default 16 KiB does not).
 */
const MAX_SITE_BODY_BYTES = 32_768;

/** The `:id` of a site path; an id that cannot exist is simply not found. */
function siteParam(value: string | undefined): string {
  if (!value || !/^[a-z0-9-]{1,48}$/.test(value)) {
    throw new ParleyError(ErrorCode.NotFound, "Site not found");
  }
  return value;
}

/** `GET /api/sites` */
export const listSites: Handler = async (req, ctx) => {
  const actor = await requireAgent(req, ctx);
  return json({ sites: await ctx.app.sites.list(actor) });
};

/** `POST /api/sites` */
export const createSite: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const body = await readJson(req, MAX_SITE_BODY_BYTES);
  const { site, identitySecret } = await ctx.app.sites.create(actor, body);
  return json({ site, identitySecret }, 201, { "cache-control": "no-store" });
};

/** `GET /api/sites/:id` */
export const getSite: Handler = async (req, ctx) => {
  const actor = await requireAgent(req, ctx);
  return json({ site: await ctx.app.sites.get(actor, siteParam(ctx.params.id)) });
};

/** `PATCH /api/sites/:id` */
export const updateSite: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const id = siteParam(ctx.params.id);
  const body = await readJson(req, MAX_SITE_BODY_BYTES);
  return json({ site: await ctx.app.sites.update(actor, id, body) });
};

/** `DELETE /api/sites/:id?force=true` */
export const deleteSite: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const force = ctx.url.searchParams.get("force");
  if (force !== null && force !== "true" && force !== "false") {
    throw new ParleyError(ErrorCode.BadFrame, "force must be true or false");
  }
  await ctx.app.sites.remove(actor, siteParam(ctx.params.id), force === "true");
  return new Response(null, { status: 204 });
};

/** `POST /api/sites/:id/identity-secret` */
export const rotateIdentitySecret: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const identitySecret = await ctx.app.sites.rotateSecret(actor, siteParam(ctx.params.id));
  return json({ identitySecret }, 200, { "cache-control": "no-store" });
};
