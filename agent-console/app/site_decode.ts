/**
 * Decoders for the site records of `/api/sites` and `/api/agent/sites`. The console reads
 * untrusted JSON like every other response: each field is checked into its type, never cast.
 *
 * @module
 */

import type { SiteRecord } from "../../protocol/api.ts";
import {
  type BusinessHours,
  isWidgetLocale,
  type LocalizedText,
  type Weekday,
  WEEKDAYS,
} from "../../protocol/site_settings.ts";
import {
  boolean,
  integer,
  type Obj,
  object,
  oneOf,
  string,
  ValidationError,
} from "../../protocol/validate.ts";

/** A site as `GET /api/agent/sites` lists it: what an agent needs to filter and label. */
export interface SiteRef {
  id: string;
  name: string;
}

function localized(o: Obj, key: string): LocalizedText | null {
  const v = o[key];
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  const src = object(v, key);
  const out: Partial<Record<string, string>> = {};
  for (const [locale, text] of Object.entries(src)) {
    if (!isWidgetLocale(locale) || typeof text !== "string") {
      throw new ValidationError(`${key} has an invalid entry: ${locale.slice(0, 10)}`);
    }
    out[locale] = text;
  }
  return out;
}

function range(v: unknown, key: string): [string, string] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((t) => typeof t === "string")) {
    throw new ValidationError(`${key} must hold [start, end] pairs`);
  }
  return [String(v[0]), String(v[1])];
}

function hours(o: Obj): BusinessHours | null {
  if (o.businessHours === null || o.businessHours === undefined) return null;
  const h = object(o.businessHours, "businessHours");
  const daysIn = object(h.days, "businessHours.days");
  const days: Partial<Record<Weekday, [string, string][]>> = {};
  for (const day of WEEKDAYS) {
    const list = daysIn[day];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new ValidationError(`businessHours.days.${day} must be a list`);
    days[day] = list.map((r) => range(r, `businessHours.days.${day}`));
  }
  return { timezone: string(h, "timezone", 100, 1), days };
}

/** A nullable text of at most 254 characters; absent (an older server) reads as null. */
function optText(o: Record<string, unknown>, key: string): string | null {
  return o[key] === undefined || o[key] === null ? null : string(o, key, 254);
}

/** Decodes one site record (never carries the identity secret). */
export function decodeSite(value: unknown): SiteRecord {
  const o = object(value, "site");
  const origins = o.allowedOrigins;
  if (!Array.isArray(origins) || !origins.every((x) => typeof x === "string")) {
    throw new ValidationError("allowedOrigins must be a list of strings");
  }
  const locale = o.locale;
  if (!isWidgetLocale(locale)) throw new ValidationError("locale is not a widget locale");
  return {
    id: string(o, "id", 64, 1),
    name: string(o, "name", 200, 1),
    allowedOrigins: origins.map(String),
    requireVerified: boolean(o, "requireVerified"),
    autoAssign: boolean(o, "autoAssign"),
    retentionDays: o.retentionDays === undefined || o.retentionDays === null
      ? null
      : integer(o, "retentionDays", 1, 36_500),
    senderName: optText(o, "senderName"),
    replyTo: optText(o, "replyTo"),
    notificationEmail: optText(o, "notificationEmail"),
    createdAt: string(o, "createdAt", 64),
    conversationCount: integer(o, "conversationCount", 0, Number.MAX_SAFE_INTEGER),
    color: string(o, "color", 7, 4),
    position: oneOf(o, "position", ["right", "left"] as const),
    launcherLabel: localized(o, "launcherLabel"),
    greeting: localized(o, "greeting"),
    teamName: localized(o, "teamName"),
    replyTime: localized(o, "replyTime"),
    locale,
    matchBrowserLocale: boolean(o, "matchBrowserLocale"),
    businessHours: hours(o),
    awayMessage: localized(o, "awayMessage"),
    askEmail: boolean(o, "askEmail"),
  };
}

/** Decodes one entry of `GET /api/agent/sites`. */
export function decodeSiteRef(value: unknown): SiteRef {
  const o = object(value, "site");
  return { id: string(o, "id", 64, 1), name: string(o, "name", 200, 1) };
}
