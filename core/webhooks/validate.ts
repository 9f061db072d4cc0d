/**
 * Validation of the webhook bodies admins send (`POST /api/sites/:siteId/webhooks`,
 * `PATCH /api/webhooks/:id`): the URL, the events, the flags.
 *
 * @module
 */

import { WEBHOOK_EVENTS, type WebhookEvent } from "../../protocol/webhooks.ts";
import { boolean, type Obj, ValidationError } from "../../protocol/validate.ts";
import { isLoopbackHost, isPrivateAddress, parseIpv4, parseIpv6 } from "./address.ts";

/** The longest URL accepted. */
export const MAX_WEBHOOK_URL = 2000;

/** A valid new endpoint. */
export interface NewWebhookInput {
  url: string;
  events: WebhookEvent[];
  includeNotes: boolean;
  enabled: boolean;
}

/** A valid change of an endpoint. */
export type WebhookPatchInput = Partial<NewWebhookInput>;

/**
 * Reads the `url` field: https, or http for a loopback host when private addresses are allowed
 * (a receiver on the same machine, in development or tests); no credentials or fragment; an
 * address literal must be public unless private addresses are allowed. Names are checked again
 * at each attempt, after resolution (`http_post.ts`).
 */
export function parseWebhookUrl(o: Obj, allowPrivate: boolean): string {
  const raw = o.url;
  if (typeof raw !== "string" || raw.trim() === "") throw new ValidationError("url is required");
  if (raw.length > MAX_WEBHOOK_URL) {
    throw new ValidationError(`url is longer than ${MAX_WEBHOOK_URL}`, "too_large");
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ValidationError("url must be an absolute URL");
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (url.protocol === "http:") {
    if (!allowPrivate || !isLoopbackHost(host)) {
      throw new ValidationError("url must use https (http only for localhost when allowed)");
    }
  } else if (url.protocol !== "https:") {
    throw new ValidationError("url must use https");
  }
  if (url.username || url.password) throw new ValidationError("url must not hold credentials");
  if (url.hash) throw new ValidationError("url must not have a fragment");
  const literal = parseIpv4(host) !== null || parseIpv6(host) !== null;
  if (!allowPrivate && ((literal && isPrivateAddress(host)) || isLoopbackHost(host))) {
    throw new ValidationError("url must not point to a private or loopback address");
  }
  return url.href;
}

/** Reads the `events` field: a non-empty list of known event names, without repeats. */
export function parseEvents(o: Obj): WebhookEvent[] {
  const raw = o.events;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new ValidationError("events must be a non-empty list");
  }
  const out: WebhookEvent[] = [];
  for (const name of raw) {
    const event = WEBHOOK_EVENTS.find((e) => e === name);
    if (event === undefined) {
      throw new ValidationError(`events: unknown event ${String(name).slice(0, 40)}`);
    }
    if (!out.includes(event)) out.push(event);
  }
  return WEBHOOK_EVENTS.filter((e) => out.includes(e));
}

const FIELDS = new Set(["url", "events", "includeNotes", "enabled"]);

function checkFields(o: Obj): void {
  const unknown = Object.keys(o).find((k) => !FIELDS.has(k));
  if (unknown !== undefined) throw new ValidationError(`Unknown field: ${unknown.slice(0, 40)}`);
}

/** Reads a new endpoint; `includeNotes` defaults to false and `enabled` to true. */
export function parseNewWebhook(o: Obj, allowPrivate: boolean): NewWebhookInput {
  checkFields(o);
  return {
    url: parseWebhookUrl(o, allowPrivate),
    events: parseEvents(o),
    includeNotes: o.includeNotes === undefined ? false : boolean(o, "includeNotes"),
    enabled: o.enabled === undefined ? true : boolean(o, "enabled"),
  };
}

/** Reads a change: only the fields present. */
export function parseWebhookPatch(o: Obj, allowPrivate: boolean): WebhookPatchInput {
  checkFields(o);
  const patch: WebhookPatchInput = {};
  if (o.url !== undefined) patch.url = parseWebhookUrl(o, allowPrivate);
  if (o.events !== undefined) patch.events = parseEvents(o);
  if (o.includeNotes !== undefined) patch.includeNotes = boolean(o, "includeNotes");
  if (o.enabled !== undefined) patch.enabled = boolean(o, "enabled");
  return patch;
}
