/**
 * Settings → Webhooks (admins): one site's endpoints, each endpoint's last deliveries, and the
 * secret of a new endpoint shown once. State lives in signals with the actions that change them;
 * the HTTP calls (docs/webhooks.md, "HTTP API") are made here with the console's CSRF header and
 * decoded, never cast. No DOM work happens here.
 *
 * @module
 */

import { signal } from "@preact/signals";
import {
  WEBHOOK_EVENTS,
  type WebhookDeliveryRecord,
  type WebhookDeliveryStatus,
  type WebhookEndpointRecord,
  type WebhookEvent,
} from "../../protocol/webhooks.ts";
import { object } from "../../protocol/validate.ts";
import { ApiError, apiRequest, errorText, type FetchFn } from "./api.ts";

/** What the Webhooks tab needs. */
export interface WebhookAdminDeps {
  /** Shows a notice to the admin. */
  notify(text: string, tone?: "info" | "error"): void;
  /** Injectable for tests; the browser's `fetch` by default. */
  fetchFn?: FetchFn;
}

/** The fields of a new endpoint. */
export interface NewWebhook {
  url: string;
  events: WebhookEvent[];
  includeNotes: boolean;
}

const str = (o: Record<string, unknown>, k: string): string => {
  const v = o[k];
  if (typeof v !== "string") throw new ApiError(500, "internal", `Malformed response: ${k}`);
  return v;
};
const optStr = (o: Record<string, unknown>, k: string): string | null =>
  o[k] === null || o[k] === undefined ? null : str(o, k);
const num = (o: Record<string, unknown>, k: string): number | null =>
  typeof o[k] === "number" ? o[k] as number : null;

/** Decodes a `WebhookEndpointRecord`. */
export function decodeWebhook(value: unknown): WebhookEndpointRecord {
  const o = object(value, "webhook");
  const events = Array.isArray(o.events) ? o.events : [];
  return {
    id: str(o, "id"),
    siteId: str(o, "siteId"),
    url: str(o, "url"),
    events: WEBHOOK_EVENTS.filter((e) => events.includes(e)),
    includeNotes: o.includeNotes === true,
    enabled: o.enabled === true,
    createdAt: str(o, "createdAt"),
  };
}

const STATUSES: readonly WebhookDeliveryStatus[] = ["pending", "delivered", "failed"];

/** Decodes a `WebhookDeliveryRecord`. */
export function decodeDelivery(value: unknown): WebhookDeliveryRecord {
  const o = object(value, "delivery");
  return {
    id: str(o, "id"),
    eventId: str(o, "eventId"),
    type: str(o, "type"),
    status: STATUSES.find((s) => s === o.status) ?? "pending",
    attempts: num(o, "attempts") ?? 0,
    lastStatus: num(o, "lastStatus"),
    lastError: optStr(o, "lastError"),
    lastAttemptAt: optStr(o, "lastAttemptAt"),
    nextAttemptAt: optStr(o, "nextAttemptAt"),
    createdAt: str(o, "createdAt"),
  };
}

/** Creates the tab's model. */
export function createWebhookAdmin(deps: WebhookAdminDeps) {
  const fetchFn: FetchFn = deps.fetchFn ?? ((i, init) => fetch(i, init));
  /** The site whose endpoints are shown. */
  const siteId = signal<string | null>(null);
  const webhooks = signal<readonly WebhookEndpointRecord[]>([]);
  const loaded = signal(false);
  /** Deliveries of the endpoints whose log is open, by endpoint id. */
  const deliveries = signal<ReadonlyMap<string, readonly WebhookDeliveryRecord[]>>(new Map());
  /** A new endpoint's secret, until the admin says it is stored. */
  const secret = signal<{ url: string; secret: string } | null>(null);
  let loads = 0;

  // The console's one HTTP client: CSRF header, the server's errors as `ApiError`.
  const request = (method: string, path: string, body?: unknown) =>
    apiRequest(method, path, body, { fetchFn });

  /** Runs an action; a failure becomes a notice and `false`. */
  async function attempt(action: () => Promise<unknown>): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (err) {
      deps.notify(errorText(err));
      return false;
    }
  }

  const path = (id: string) => `/api/webhooks/${encodeURIComponent(id)}`;

  function replace(webhook: WebhookEndpointRecord): void {
    webhooks.value = webhooks.value.map((w) => w.id === webhook.id ? webhook : w);
  }

  /** Shows `id`'s endpoints (and forgets the previous site's). */
  async function selectSite(id: string): Promise<void> {
    const mine = ++loads;
    siteId.value = id;
    loaded.value = false;
    webhooks.value = [];
    deliveries.value = new Map();
    secret.value = null;
    await attempt(async () => {
      const data = object(
        await request("GET", `/api/sites/${encodeURIComponent(id)}/webhooks`),
        "answer",
      );
      if (mine !== loads) return;
      webhooks.value = Array.isArray(data.webhooks) ? data.webhooks.map(decodeWebhook) : [];
      loaded.value = true;
    });
  }

  /** Adds an endpoint to the shown site; its secret is kept in {@link secret} to show once. */
  function create(input: NewWebhook): Promise<boolean> {
    const site = siteId.value;
    if (site === null) return Promise.resolve(false);
    return attempt(async () => {
      const data = object(
        await request("POST", `/api/sites/${encodeURIComponent(site)}/webhooks`, input),
        "answer",
      );
      const webhook = decodeWebhook(data.webhook);
      if (site !== siteId.value) return;
      webhooks.value = [...webhooks.value, webhook];
      secret.value = { url: webhook.url, secret: str(data, "secret") };
    });
  }

  /** Turns an endpoint on or off. */
  function setEnabled(id: string, enabled: boolean): Promise<boolean> {
    return attempt(async () => {
      replace(decodeWebhook(object(await request("PATCH", path(id), { enabled })).webhook));
    });
  }

  /** Deletes an endpoint. */
  function remove(id: string): Promise<boolean> {
    return attempt(async () => {
      await request("DELETE", path(id));
      webhooks.value = webhooks.value.filter((w) => w.id !== id);
      const next = new Map(deliveries.value);
      next.delete(id);
      deliveries.value = next;
    });
  }

  /** Loads (or reloads) an endpoint's last deliveries. */
  function loadDeliveries(id: string): Promise<boolean> {
    return attempt(async () => {
      const data = object(await request("GET", `${path(id)}/deliveries`), "answer");
      const list = Array.isArray(data.deliveries) ? data.deliveries.map(decodeDelivery) : [];
      deliveries.value = new Map(deliveries.value).set(id, list);
    });
  }

  /** Closes an endpoint's delivery log. */
  function hideDeliveries(id: string): void {
    const next = new Map(deliveries.value);
    next.delete(id);
    deliveries.value = next;
  }

  /** Queues a delivery's event again, then shows the log with it. */
  async function resend(id: string, deliveryId: string): Promise<boolean> {
    const ok = await attempt(() =>
      request("POST", `${path(id)}/deliveries/${encodeURIComponent(deliveryId)}/resend`)
    );
    if (ok) {
      deps.notify("Event queued again", "info");
      await loadDeliveries(id);
    }
    return ok;
  }

  /** Queues a `ping` to the endpoint, then shows the log with it. */
  async function sendTest(id: string): Promise<boolean> {
    const ok = await attempt(() => request("POST", `${path(id)}/test`));
    if (ok) {
      deps.notify("Test event queued", "info");
      await loadDeliveries(id);
    }
    return ok;
  }

  /** Forgets the shown secret (the admin stored it). */
  function dismissSecret(): void {
    secret.value = null;
  }

  return {
    siteId,
    webhooks,
    loaded,
    deliveries,
    secret,
    selectSite,
    create,
    setEnabled,
    remove,
    loadDeliveries,
    hideDeliveries,
    resend,
    sendTest,
    dismissSecret,
  };
}

/** The Webhooks tab's model. */
export type WebhookAdmin = ReturnType<typeof createWebhookAdmin>;
