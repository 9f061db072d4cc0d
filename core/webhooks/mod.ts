/**
 * Webhooks: signed POSTs of what happens in a site's conversations to the admins' endpoints
 * (docs/webhooks.md). Triggers queue the deliveries (`db/migrations/0009_webhooks.sql`), the
 * {@link WebhookDeliverer} of every instance sends them, the {@link WebhookService} manages the
 * endpoints.
 *
 * @module
 */

export { type DelivererOptions, type Outbox, WebhookDeliverer } from "./deliverer.ts";
export {
  endpointRecord,
  MAX_ENDPOINTS_PER_SITE,
  newWebhookSecret,
  WebhookService,
  type WebhookServiceDeps,
} from "./service.ts";
export { signatureHeader, verifySignature } from "./signature.ts";
export {
  MAX_RESPONSE_BYTES,
  type PostOptions,
  postWebhook,
  type RequestErrorCode,
  WebhookRequestError,
} from "./http_post.ts";
export { isLoopbackHost, isPrivateAddress } from "./address.ts";
export { parseNewWebhook, parseWebhookPatch, parseWebhookUrl } from "./validate.ts";
