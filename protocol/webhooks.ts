/**
 * Webhooks as the HTTP API shows them to admins (`/api/sites/:siteId/webhooks`, `/api/webhooks`):
 * the event names, an endpoint and a delivery. Shared by the server and the console; the events'
 * payloads are documented in `docs/webhooks.md`. Browser-safe.
 *
 * @module
 */

/** Every event an endpoint can subscribe to, in the order the console lists them. */
export const WEBHOOK_EVENTS = [
  "conversation.created",
  "conversation.assigned",
  "conversation.resolved",
  "conversation.reopened",
  "conversation.rated",
  "conversation.labeled",
  "message.created",
  "visitor.identified",
  "visitor.deleted",
] as const;

/** One of {@link WEBHOOK_EVENTS}. */
export type WebhookEvent = typeof WEBHOOK_EVENTS[number];

/** The event `POST /api/webhooks/:id/test` sends; never subscribed to. */
export const PING_EVENT = "ping";

/** An endpoint, never with its secret (shown once, on create and on rotate). */
export interface WebhookEndpointRecord {
  id: string;
  siteId: string;
  /** Where deliveries are POSTed: https (http only for a loopback host the operator allows). */
  url: string;
  events: WebhookEvent[];
  /** `message.created` also for private notes. */
  includeNotes: boolean;
  enabled: boolean;
  createdAt: string;
}

/** Where a delivery stands. */
export type WebhookDeliveryStatus = "pending" | "delivered" | "failed";

/** One event sent (or to send) to one endpoint, as the console's delivery log shows it. */
export interface WebhookDeliveryRecord {
  id: string;
  /** The event's id, sent as `X-Parley-Delivery`: the same for a resend. */
  eventId: string;
  type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** The HTTP status of the last answer; null when none came (refused, timed out). */
  lastStatus: number | null;
  /** Why the last attempt failed, when it did. */
  lastError: string | null;
  lastAttemptAt: string | null;
  /** When a pending delivery is tried next. */
  nextAttemptAt: string | null;
  createdAt: string;
}
