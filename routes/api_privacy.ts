/**
 * A visitor's data on request, from the console: `GET /api/visitors/:id/export` (any agent who
 * may see the visitor's site; a JSON download) and `DELETE /api/visitors/:id` (admins, with
 * CSRF; the erasure of `core/privacy/erase.ts`).
 *
 * @module
 */

import type { Handler } from "./context.ts";
import { requireAgent, requireCsrf } from "./guard.ts";
import { idParam } from "./api_inbox.ts";

/** `GET /api/visitors/:id/export` */
export const exportVisitor: Handler = async (req, ctx) => {
  const agent = await requireAgent(req, ctx);
  const id = idParam(ctx.params.id);
  const data = await ctx.app.privacy.export(agent, id);
  return new Response(JSON.stringify(data, null, 2), {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="visitor-${id}.json"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
};

/** `DELETE /api/visitors/:id` */
export const eraseVisitor: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const agent = await requireAgent(req, ctx);
  await ctx.app.privacy.erase(agent, idParam(ctx.params.id));
  return new Response(null, { status: 204 });
};
