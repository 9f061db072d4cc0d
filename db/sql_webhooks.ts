/**
 * Webhook endpoints and their outbox (migration `0009_webhooks.sql`). The chat never writes here:
 * triggers queue a delivery per subscribed endpoint in the transaction of the change. This module
 * manages the endpoints and lets the deliverers (`core/webhooks/deliverer.ts`) of every instance
 * share the outbox:
 *
 * - {@link WebhookStore.claim} takes due deliveries with `FOR UPDATE SKIP LOCKED` and leases them
 *   (their `next_attempt_at` moves to the lease's end), so two instances never take the same one,
 *   and one that dies holding a lease has its deliveries taken again when the lease ends;
 * - a delivery is due only when no earlier delivery of the same endpoint and conversation is
 *   still pending (being sent or waiting for a retry): each conversation's events arrive in order.
 *
 * @module
 */

import type {
  WebhookDeliveryRecord,
  WebhookDeliveryStatus,
  WebhookEndpointRecord,
  WebhookEvent,
} from "../protocol/webhooks.ts";
import { WEBHOOK_EVENTS } from "../protocol/webhooks.ts";
import type { Db, Row } from "./driver.ts";
import { StoreError } from "./store.ts";
import { bad, integer as int, optStr, optTs, text as str, ts } from "./rows.ts";
import {
  type AttemptOutcome,
  type Lease,
  msUntilNextDue,
  pruneFinished,
  releaseLeases,
} from "./sql_outbox.ts";

/** The notification channel the triggers wake the deliverers on. */
export const WEBHOOK_CHANNEL = "parley_webhooks";

/** An endpoint with its secret, as the deliverers need it. */
export interface WebhookEndpoint extends WebhookEndpointRecord {
  secret: string;
}

/** A new endpoint. */
export interface NewWebhookEndpoint {
  siteId: string;
  url: string;
  secret: string;
  events: WebhookEvent[];
  includeNotes: boolean;
  enabled: boolean;
}

/** Fields of an endpoint that may change; omitted ones keep their value. */
export interface WebhookEndpointPatch {
  url?: string;
  events?: WebhookEvent[];
  includeNotes?: boolean;
  enabled?: boolean;
}

/** A delivery taken for sending, with everything the request needs. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  url: string;
  secret: string;
  eventId: string;
  type: string;
  siteId: string;
  data: unknown;
  eventAt: string;
  /** The attempt this is (1 for the first); {@link WebhookStore.finish} names it. */
  attempt: number;
  /** When the delivery was queued: retries stop a day after. */
  createdAt: string;
}

// Shared with the email outbox; still exported here for the modules that import it from here.
export type { AttemptOutcome } from "./sql_outbox.ts";

/** How many deliveries the log keeps per endpoint for the console. */
export const DELIVERY_LOG_LIMIT = 50;

const ENDPOINT_COLS = "e.id, e.site_id, e.url, e.secret, e.events, e.include_notes, e.enabled, " +
  "e.created_at";
const DELIVERY_COLS = "d.id, d.event_id, d.event_type, d.status, d.attempts, d.last_status, " +
  "d.last_error, d.last_attempt_at, d.next_attempt_at, d.created_at";

/** The due deliveries, oldest first, locked and leased. $1 limit, $2 lease ms. */
const CLAIM = `
UPDATE webhook_deliveries d SET
  next_attempt_at = clock_timestamp() + $2 * interval '1 millisecond',
  last_attempt_at = clock_timestamp(),
  attempts = d.attempts + 1
FROM webhook_endpoints e
WHERE d.id IN (
  SELECT d.id FROM webhook_deliveries d
  WHERE d.status = 'pending' AND d.next_attempt_at <= clock_timestamp()
    AND EXISTS (SELECT 1 FROM webhook_endpoints x WHERE x.id = d.endpoint_id AND x.enabled)
    AND NOT EXISTS (
      SELECT 1 FROM webhook_deliveries p
      WHERE p.status = 'pending' AND p.endpoint_id = d.endpoint_id
        AND p.order_key = d.order_key AND (p.position, p.n) < (d.position, d.n))
  ORDER BY d.next_attempt_at
  LIMIT $1
  FOR UPDATE OF d SKIP LOCKED
) AND e.id = d.endpoint_id AND d.status = 'pending'
RETURNING d.id, d.endpoint_id, e.url, e.secret, d.event_id, d.event_type, d.site_id, d.data,
  d.event_at, d.attempts, d.created_at`;

/** The outbox and the endpoints, over a {@link Db}. */
export class WebhookStore {
  /** Wraps an open, migrated database. */
  constructor(private readonly db: Db) {}

  /** The driver, for the deliverers' LISTEN. */
  get driver(): Db {
    return this.db;
  }

  /** Creates an endpoint. Throws `not_found` for an unknown site. */
  async createEndpoint(e: NewWebhookEndpoint): Promise<WebhookEndpoint> {
    const rows = await this.db.query(
      `INSERT INTO webhook_endpoints AS e (site_id, url, secret, events, include_notes, enabled)
       SELECT s.id, $2, $3, $4::text[], $5, $6 FROM sites s WHERE s.id = $1
       RETURNING ${ENDPOINT_COLS}`,
      [e.siteId, e.url, e.secret, e.events, e.includeNotes, e.enabled],
    );
    if (rows.length === 0) throw new StoreError("not_found", "Site not found");
    return rowToEndpoint(rows[0]);
  }

  /** A site's endpoints, oldest first. */
  async listEndpoints(siteId: string): Promise<WebhookEndpoint[]> {
    const rows = await this.db.query(
      `SELECT ${ENDPOINT_COLS} FROM webhook_endpoints e WHERE e.site_id = $1
       ORDER BY e.created_at, e.id`,
      [siteId],
    );
    return rows.map(rowToEndpoint);
  }

  /** One endpoint, or null. */
  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const rows = await this.db.query(
      `SELECT ${ENDPOINT_COLS} FROM webhook_endpoints e WHERE e.id = $1`,
      [id],
    );
    return rows.length === 0 ? null : rowToEndpoint(rows[0]);
  }

  /** Changes an endpoint. Throws `not_found`. */
  async updateEndpoint(id: string, patch: WebhookEndpointPatch): Promise<WebhookEndpoint> {
    const rows = await this.db.query(
      `UPDATE webhook_endpoints e SET
         url = coalesce($2, e.url),
         events = coalesce($3::text[], e.events),
         include_notes = coalesce($4, e.include_notes),
         enabled = coalesce($5, e.enabled)
       WHERE e.id = $1
       RETURNING ${ENDPOINT_COLS}`,
      [
        id,
        patch.url ?? null,
        patch.events ?? null,
        patch.includeNotes ?? null,
        patch.enabled ?? null,
      ],
    );
    if (rows.length === 0) throw new StoreError("not_found", "Webhook not found");
    return rowToEndpoint(rows[0]);
  }

  /** Replaces an endpoint's secret. Throws `not_found`. */
  async setSecret(id: string, secret: string): Promise<void> {
    const rows = await this.db.query(
      "UPDATE webhook_endpoints SET secret = $2 WHERE id = $1 RETURNING id",
      [id, secret],
    );
    if (rows.length === 0) throw new StoreError("not_found", "Webhook not found");
  }

  /** Deletes an endpoint with its deliveries. Throws `not_found`. */
  async deleteEndpoint(id: string): Promise<void> {
    const rows = await this.db.query("DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id", [
      id,
    ]);
    if (rows.length === 0) throw new StoreError("not_found", "Webhook not found");
  }

  /** The endpoint's last {@link DELIVERY_LOG_LIMIT} deliveries, newest first. */
  async listDeliveries(endpointId: string): Promise<WebhookDeliveryRecord[]> {
    const rows = await this.db.query(
      `SELECT ${DELIVERY_COLS} FROM webhook_deliveries d WHERE d.endpoint_id = $1
       ORDER BY d.n DESC LIMIT ${DELIVERY_LOG_LIMIT}`,
      [endpointId],
    );
    return rows.map(rowToDelivery);
  }

  /**
   * Queues a delivery of the same event again (same event id and payload), as a new delivery at
   * the end of its conversation's order. Throws `not_found`.
   */
  async resend(endpointId: string, deliveryId: string): Promise<WebhookDeliveryRecord> {
    const rows = await this.db.query(
      `WITH d AS (
         INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, site_id, order_key,
           position, conversation_id, visitor_id, data, event_at)
         SELECT o.endpoint_id, o.event_id, o.event_type, o.site_id, o.order_key,
           2147483647, o.conversation_id, o.visitor_id, o.data, o.event_at
         FROM webhook_deliveries o WHERE o.id = $2 AND o.endpoint_id = $1
         RETURNING *
       ), wake AS (
         SELECT pg_notify('${WEBHOOK_CHANNEL}', '') FROM d
       )
       SELECT ${DELIVERY_COLS} FROM d, (SELECT count(*) FROM wake) w`,
      [endpointId, deliveryId],
    );
    if (rows.length === 0) throw new StoreError("not_found", "Delivery not found");
    return rowToDelivery(rows[0]);
  }

  /** Queues a `ping` event to one endpoint (enabled or not is the deliverer's concern). */
  async enqueuePing(endpoint: WebhookEndpoint): Promise<WebhookDeliveryRecord> {
    const rows = await this.db.query(
      `WITH d AS (
         INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, site_id, order_key,
           data)
         VALUES ($1, gen_random_uuid()::text, 'ping', $2, 'ping:' || $1,
           jsonb_build_object('endpointId', $1::text))
         RETURNING *
       ), wake AS (
         SELECT pg_notify('${WEBHOOK_CHANNEL}', '') FROM d
       )
       SELECT ${DELIVERY_COLS} FROM d, (SELECT count(*) FROM wake) w`,
      [endpoint.id, endpoint.siteId],
    );
    return rowToDelivery(rows[0]);
  }

  /**
   * Takes up to `limit` due deliveries and leases them for `leaseMs`: none is handed to another
   * caller (on any instance) before the lease ends or {@link finish} records the attempt.
   */
  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const rows = await this.db.query(CLAIM, [limit, leaseMs]);
    return rows.map((r) => ({
      id: str(r, "id"),
      endpointId: str(r, "endpoint_id"),
      url: str(r, "url"),
      secret: str(r, "secret"),
      eventId: str(r, "event_id"),
      type: str(r, "event_type"),
      siteId: str(r, "site_id"),
      data: r.data,
      eventAt: ts(r, "event_at"),
      attempt: int(r, "attempts"),
      createdAt: ts(r, "created_at"),
    }));
  }

  /**
   * Records how attempt `attempt` of a delivery ended. Ignored when the delivery has moved on
   * since (its lease ended and another attempt took it): false then.
   */
  async finish(id: string, attempt: number, outcome: AttemptOutcome): Promise<boolean> {
    const status = outcome.kind === "delivered"
      ? "delivered"
      : outcome.kind === "retry"
      ? "pending"
      : "failed";
    const rows = await this.db.query(
      `UPDATE webhook_deliveries SET status = $3, last_status = $4, last_error = $5,
         next_attempt_at = coalesce($6, clock_timestamp())
       WHERE id = $1 AND attempts = $2 AND status = 'pending'
       RETURNING id`,
      [
        id,
        attempt,
        status,
        outcome.status,
        outcome.kind === "delivered" ? null : outcome.error.slice(0, 500),
        outcome.kind === "retry" ? outcome.retryAt : null,
      ],
    );
    return rows.length > 0;
  }

  /**
   * Gives leased deliveries back at once, their attempt not counted (a deliverer stopping with
   * requests in flight).
   */
  release(leases: Lease[]): Promise<void> {
    return releaseLeases(this.db, "webhook_deliveries", leases);
  }

  /** Milliseconds until the next pending delivery is due (0: now), or null when none is. */
  msUntilNextDue(): Promise<number | null> {
    return msUntilNextDue(this.db, "webhook_deliveries");
  }

  /** Deletes delivered and failed deliveries queued before `before`; returns how many. */
  pruneFinished(before: Date): Promise<number> {
    return pruneFinished(this.db, "webhook_deliveries", before);
  }

  /** How many deliveries are pending (queued, leased or waiting for a retry). */
  async pendingCount(): Promise<number> {
    const rows = await this.db.query(
      "SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'",
    );
    return int(rows[0], "n");
  }
}

function isEvent(v: unknown): v is WebhookEvent {
  return WEBHOOK_EVENTS.some((e) => e === v);
}

function rowToEndpoint(r: Row): WebhookEndpoint {
  const events = r.events;
  if (!Array.isArray(events)) throw bad("events", events);
  const enabled = r.enabled;
  const includeNotes = r.include_notes;
  if (typeof enabled !== "boolean") throw bad("enabled", enabled);
  if (typeof includeNotes !== "boolean") throw bad("include_notes", includeNotes);
  return {
    id: str(r, "id"),
    siteId: str(r, "site_id"),
    url: str(r, "url"),
    secret: str(r, "secret"),
    // An event name a later release dropped is left out rather than failing the read.
    events: events.filter(isEvent),
    includeNotes,
    enabled,
    createdAt: ts(r, "created_at"),
  };
}

const STATUSES: readonly WebhookDeliveryStatus[] = ["pending", "delivered", "failed"];

function rowToDelivery(r: Row): WebhookDeliveryRecord {
  const status = STATUSES.find((s) => s === r.status);
  if (status === undefined) throw bad("status", r.status);
  return {
    id: str(r, "id"),
    eventId: str(r, "event_id"),
    type: str(r, "event_type"),
    status,
    attempts: int(r, "attempts"),
    lastStatus: r.last_status === null || r.last_status === undefined
      ? null
      : int(r, "last_status"),
    lastError: optStr(r, "last_error"),
    lastAttemptAt: optTs(r, "last_attempt_at"),
    nextAttemptAt: status === "pending" ? optTs(r, "next_attempt_at") : null,
    createdAt: ts(r, "created_at"),
  };
}
