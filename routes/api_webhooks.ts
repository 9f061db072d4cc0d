/**
 * Webhook management (admins only, session + CSRF like `/api/sites`): a site's endpoints, each
 * endpoint's last deliveries, resend and test. The secret is in the answers of create and rotate
 * only. See docs/webhooks.md; validation and the admin check are `core/webhooks/`'s.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import type { Handler } from "./context.ts";
import { requireAgent, requireCsrf } from "./guard.ts";
import { json, readJson } from "./http.ts";

const NO_STORE = { "cache-control": "no-store" };

/** A path parameter that cannot name anything is simply not found. */
function param(value: string | undefined, what: string): string {
  if (!value || !/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    throw new ParleyError(ErrorCode.NotFound, `${what} not found`);
  }
  return value;
}

/** `GET /api/sites/:siteId/webhooks` */
export const listWebhooks: Handler = async (req, ctx) => {
  const actor = await requireAgent(req, ctx);
  const siteId = param(ctx.params.siteId, "Site");
  return json({ webhooks: await ctx.app.webhooks.list(actor, siteId) });
};

/** `POST /api/sites/:siteId/webhooks` */
export const createWebhook: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const siteId = param(ctx.params.siteId, "Site");
  const { webhook, secret } = await ctx.app.webhooks.create(actor, siteId, await readJson(req));
  return json({ webhook, secret }, 201, NO_STORE);
};

/** `PATCH /api/webhooks/:id` */
export const updateWebhook: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const id = param(ctx.params.id, "Webhook");
  return json({ webhook: await ctx.app.webhooks.update(actor, id, await readJson(req)) });
};

/** `DELETE /api/webhooks/:id` */
export const deleteWebhook: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  await ctx.app.webhooks.remove(actor, param(ctx.params.id, "Webhook"));
  return new Response(null, { status: 204 });
};

/** `POST /api/webhooks/:id/secret` */
export const rotateWebhookSecret: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const secret = await ctx.app.webhooks.rotateSecret(actor, param(ctx.params.id, "Webhook"));
  return json({ secret }, 200, NO_STORE);
};

/** `GET /api/webhooks/:id/deliveries` */
export const listDeliveries: Handler = async (req, ctx) => {
  const actor = await requireAgent(req, ctx);
  const id = param(ctx.params.id, "Webhook");
  return json({ deliveries: await ctx.app.webhooks.deliveries(actor, id) });
};

/** `POST /api/webhooks/:id/deliveries/:deliveryId/resend` */
export const resendDelivery: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const id = param(ctx.params.id, "Webhook");
  const deliveryId = param(ctx.params.deliveryId, "Delivery");
  return json({ delivery: await ctx.app.webhooks.resend(actor, id, deliveryId) }, 202);
};

/** `POST /api/webhooks/:id/test` */
export const testWebhook: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const id = param(ctx.params.id, "Webhook");
  return json({ delivery: await ctx.app.webhooks.test(actor, id) }, 202);
};
