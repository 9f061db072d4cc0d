/**
 * Webhook endpoints for admins: list a site's, create (the secret is in this answer only),
 * change, delete, rotate the secret, read the last deliveries, resend one, send a test event.
 * Every operation checks the actor first, so an agent learns nothing from validation errors.
 *
 * @module
 */

import { recordAdminAction } from "../privacy/audit.ts";
import type { WebhookDeliveryRecord, WebhookEndpointRecord } from "../../protocol/webhooks.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import type { Obj } from "../../protocol/validate.ts";
import type { AgentRecord, Store } from "../../db/store.ts";
import type { WebhookEndpoint, WebhookStore } from "../../db/sql_webhooks.ts";
import { requireAdmin } from "../accounts/agents.ts";
import { randomToken } from "../accounts/tokens.ts";
import { ParleyError } from "../errors.ts";
import { parseNewWebhook, parseWebhookPatch } from "./validate.ts";

/** Collaborators of {@link WebhookService}. */
export interface WebhookServiceDeps {
  store: Store;
  webhooks: WebhookStore;
  /** Whether endpoints may be on private addresses (`PARLEY_WEBHOOK_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
}

/** Endpoints per site cap: each one costs a row per event. */
export const MAX_ENDPOINTS_PER_SITE = 10;

/** A new signing secret: `whsec_` and 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomToken(32)}`;
}

/** The endpoint as admins see it: without its secret. */
export function endpointRecord(e: WebhookEndpoint): WebhookEndpointRecord {
  const { secret: _secret, ...record } = e;
  return record;
}

/** Webhook management. */
export class WebhookService {
  /** Creates the service. */
  constructor(private readonly deps: WebhookServiceDeps) {}

  /** A site's endpoints. Throws `not_found` for an unknown site. */
  async list(actor: AgentRecord, siteId: string): Promise<WebhookEndpointRecord[]> {
    requireAdmin(actor);
    await this.requireSite(siteId);
    return (await this.deps.webhooks.listEndpoints(siteId)).map(endpointRecord);
  }

  /** Creates an endpoint; its secret is returned this once. */
  async create(
    actor: AgentRecord,
    siteId: string,
    body: Obj,
  ): Promise<{ webhook: WebhookEndpointRecord; secret: string }> {
    requireAdmin(actor);
    const input = parseNewWebhook(body, this.deps.allowPrivate);
    await this.requireSite(siteId);
    const existing = await this.deps.webhooks.listEndpoints(siteId);
    if (existing.length >= MAX_ENDPOINTS_PER_SITE) {
      throw new ParleyError(
        ErrorCode.Conflict,
        `A site has at most ${MAX_ENDPOINTS_PER_SITE} webhooks`,
      );
    }
    const endpoint = await this.deps.webhooks.createEndpoint({
      ...input,
      siteId,
      secret: newWebhookSecret(),
    });
    await recordAdminAction(this.deps.store, actor, "webhook.create", endpoint.id, {
      siteId,
      events: input.events,
    });
    return { webhook: endpointRecord(endpoint), secret: endpoint.secret };
  }

  /** Changes an endpoint's URL, events, notes flag or enabled state. */
  async update(actor: AgentRecord, id: string, body: Obj): Promise<WebhookEndpointRecord> {
    requireAdmin(actor);
    const patch = parseWebhookPatch(body, this.deps.allowPrivate);
    const updated = await this.deps.webhooks.updateEndpoint(id, patch);
    await recordAdminAction(this.deps.store, actor, "webhook.update", id, {
      fields: Object.keys(patch),
    });
    return endpointRecord(updated);
  }

  /** Deletes an endpoint and its deliveries. */
  async remove(actor: AgentRecord, id: string): Promise<void> {
    requireAdmin(actor);
    await this.deps.webhooks.deleteEndpoint(id);
    await recordAdminAction(this.deps.store, actor, "webhook.delete", id);
  }

  /** Replaces the secret and returns it, shown this once. */
  async rotateSecret(actor: AgentRecord, id: string): Promise<string> {
    requireAdmin(actor);
    const secret = newWebhookSecret();
    await this.deps.webhooks.setSecret(id, secret);
    await recordAdminAction(this.deps.store, actor, "webhook.rotate_secret", id);
    return secret;
  }

  /** The endpoint's last deliveries, newest first. */
  async deliveries(actor: AgentRecord, id: string): Promise<WebhookDeliveryRecord[]> {
    requireAdmin(actor);
    await this.requireEndpoint(id);
    return await this.deps.webhooks.listDeliveries(id);
  }

  /** Sends a delivery's event again (same event id), as a new delivery. */
  async resend(
    actor: AgentRecord,
    id: string,
    deliveryId: string,
  ): Promise<WebhookDeliveryRecord> {
    requireAdmin(actor);
    await this.requireEndpoint(id);
    return await this.deps.webhooks.resend(id, deliveryId);
  }

  /** Queues a `ping` event to the endpoint. */
  async test(actor: AgentRecord, id: string): Promise<WebhookDeliveryRecord> {
    requireAdmin(actor);
    return await this.deps.webhooks.enqueuePing(await this.requireEndpoint(id));
  }

  private async requireSite(siteId: string): Promise<void> {
    if (!await this.deps.store.getSite(siteId, { fresh: true })) {
      throw new ParleyError(ErrorCode.NotFound, "Site not found");
    }
  }

  private async requireEndpoint(id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.deps.webhooks.getEndpoint(id);
    if (!endpoint) throw new ParleyError(ErrorCode.NotFound, "Webhook not found");
    return endpoint;
  }
}
