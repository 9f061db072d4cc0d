/**
 * Validation of the site fields admins send to `/api/sites` (see `docs/http_api.md`, "Sites"):
 * every field is checked and normalised here, and a bad one is refused with a `bad_frame`
 * {@link ParleyError} whose message names it (`businessHours.days.mon[1]`, `greeting.fr`…), so
 * the console can point at the field.
 *
 * @module
 */

import { ErrorCode } from "../../protocol/codes.ts";
import {
  type BusinessHours,
  type LocalizedText,
  type Weekday,
  WEEKDAYS,
  WIDGET_LOCALES,
  type WidgetLocale,
  type WidgetSettings,
} from "../../protocol/site_settings.ts";
import { parseHexColor } from "../../protocol/color.ts";
import type { Obj } from "../../protocol/validate.ts";
import type { SitePatch } from "../../db/store.ts";
import { ParleyError } from "../errors.ts";
import { isTimeZone, minutesOf } from "./business_hours.ts";

/** A site id (the `data-site` slug): lowercase letters, digits and inner dashes, 1-48 chars. */
export const SITE_ID = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
/** Longest site id. */
export const MAX_SITE_ID = 48;
/** Longest site name. */
export const MAX_SITE_NAME = 80;
/** Most entries in `allowedOrigins`. */
export const MAX_ALLOWED_ORIGINS = 50;
/** Most ranges per day of business hours. */
export const MAX_RANGES_PER_DAY = 6;

/** Longest text per localized field, in characters. */
const TEXT_LIMITS = {
  launcherLabel: 80,
  teamName: 80,
  replyTime: 80,
  greeting: 500,
  awayMessage: 500,
} as const;
type TextField = keyof typeof TEXT_LIMITS;

/** Fields a site record carries but nobody sets: accepted back from a client and ignored. */
const READ_ONLY = new Set(["createdAt", "conversationCount"]);
const SITE_FIELDS = new Set([
  "id",
  "name",
  "allowedOrigins",
  "requireVerified",
  "autoAssign",
  "retentionDays",
  "senderName",
  "replyTo",
  "notificationEmail",
]);
/** The longest per-site retention, in days (100 years; the column's check says the same). */
export const MAX_RETENTION_DAYS = 36_500;
const SETTINGS_FIELDS = new Set<string>([
  "color",
  "position",
  "locale",
  "matchBrowserLocale",
  "askEmail",
  "businessHours",
  ...Object.keys(TEXT_LIMITS),
]);

/** `POST /api/sites`, validated: `id` absent means "slug of the name". */
export interface NewSiteInput {
  id: string | null;
  name: string;
  allowedOrigins?: string[];
  requireVerified?: boolean;
  autoAssign?: boolean;
  retentionDays?: number | null;
  settings: Partial<WidgetSettings>;
}

function bad(message: string): ParleyError {
  return new ParleyError(ErrorCode.BadFrame, message);
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Refuses any field that is neither a site field, a setting nor read-only. */
function checkKnown(body: Obj): void {
  for (const key of Object.keys(body)) {
    if (!SITE_FIELDS.has(key) && !SETTINGS_FIELDS.has(key) && !READ_ONLY.has(key)) {
      throw bad(`Unknown field: ${key.slice(0, 40)}`);
    }
  }
}

/** A site id, or throws naming `field`. */
export function siteId(value: unknown, field = "id"): string {
  if (typeof value !== "string" || !SITE_ID.test(value)) {
    throw bad(
      `${field} must be 1 to ${MAX_SITE_ID} lowercase letters, digits or dashes, ` +
        "starting and ending with a letter or digit",
    );
  }
  return value;
}

function siteName(value: unknown): string {
  const name = typeof value === "string" ? value.trim() : null;
  if (name === null || name.length < 1 || name.length > MAX_SITE_NAME) {
    throw bad(`name must be a text of 1 to ${MAX_SITE_NAME} characters`);
  }
  return name;
}

function flag(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw bad(`${field} must be true or false`);
  return value;
}

/**
 * `allowedOrigins`: each an origin `http(s)://host[:port]` with no path, query or credentials,
 * normalised as browsers send it in `Origin` (lowercase host, no default port), duplicates
 * dropped.
 */
export function allowedOrigins(value: unknown): string[] {
  if (!Array.isArray(value)) throw bad("allowedOrigins must be a list of origins");
  if (value.length > MAX_ALLOWED_ORIGINS) {
    throw bad(`allowedOrigins must have at most ${MAX_ALLOWED_ORIGINS} entries`);
  }
  const out: string[] = [];
  value.forEach((entry, i) => {
    const field = `allowedOrigins[${i}]`;
    if (typeof entry !== "string" || entry.length > 300) throw bad(`${field} must be an origin`);
    let url: URL;
    try {
      url = new URL(entry.trim());
    } catch {
      throw bad(`${field} must be an origin such as https://shop.example.com`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw bad(`${field} must start with https:// or http://`);
    }
    if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
      throw bad(`${field} must be an origin only, without path, query or credentials`);
    }
    if (!out.includes(url.origin)) out.push(url.origin);
  });
  return out;
}

/** `#rgb` or `#rrggbb`, as lowercase `#rrggbb`. */
function color(value: unknown): string {
  const rgb = typeof value === "string" ? parseHexColor(value) : null;
  if (!rgb || value !== (value as string).trim()) {
    throw bad("color must be a hex colour such as #0b5cff");
  }
  return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

function locale(value: unknown): WidgetLocale {
  const found = WIDGET_LOCALES.find((l) => l === value);
  if (found === undefined) throw bad(`locale must be one of ${WIDGET_LOCALES.join(", ")}`);
  return found;
}

/**
 * A {@link LocalizedText}: a string, or an object of locale to string. Texts are trimmed; an
 * empty text (or an object of empty texts) is null, the widget's own default.
 */
function localizedText(value: unknown, field: TextField): LocalizedText | null {
  const max = TEXT_LIMITS[field];
  const text = (v: unknown, name: string): string => {
    if (typeof v !== "string") throw bad(`${name} must be a text`);
    const t = v.trim();
    if (t.length > max) throw bad(`${name} must have at most ${max} characters`);
    return t;
  };
  if (value === null) return null;
  if (typeof value === "string") return text(value, field) || null;
  if (!isObj(value)) throw bad(`${field} must be a text or an object of texts per locale`);
  const out: Partial<Record<WidgetLocale, string>> = {};
  for (const [key, v] of Object.entries(value)) {
    const loc = WIDGET_LOCALES.find((l) => l === key);
    if (loc === undefined) {
      throw bad(`${field} has an unknown locale: ${key.slice(0, 20)} (use ${WIDGET_LOCALES})`);
    }
    const t = text(v, `${field}.${loc}`);
    if (t) out[loc] = t;
  }
  return Object.keys(out).length > 0 ? out : null;
}

const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/**
 * `businessHours`: null, or `{timezone, days}` with a zone `Intl` knows and, per weekday, at most
 * {@link MAX_RANGES_PER_DAY} `["HH:MM","HH:MM"]` ranges, each starting before it ends, that do
 * not overlap once sorted. Stored with each day's ranges sorted and empty days left out.
 */
export function businessHours(value: unknown): BusinessHours | null {
  if (value === null) return null;
  if (!isObj(value)) throw bad("businessHours must be null or {timezone, days}");
  for (const key of Object.keys(value)) {
    if (key !== "timezone" && key !== "days") {
      throw bad(`businessHours has an unknown field: ${key.slice(0, 40)}`);
    }
  }
  const tz = value.timezone;
  if (typeof tz !== "string" || tz.length > 64 || !isTimeZone(tz)) {
    throw bad("businessHours.timezone must be an IANA time zone such as Europe/Paris");
  }
  if (!isObj(value.days)) throw bad("businessHours.days must be an object of weekdays");
  const days: Partial<Record<Weekday, [string, string][]>> = {};
  for (const [key, list] of Object.entries(value.days)) {
    const day = WEEKDAYS.find((d) => d === key);
    if (day === undefined) {
      throw bad(`businessHours.days has an unknown day: ${key.slice(0, 20)} (use ${WEEKDAYS})`);
    }
    const field = `businessHours.days.${day}`;
    if (!Array.isArray(list)) throw bad(`${field} must be a list of ["HH:MM","HH:MM"] ranges`);
    if (list.length > MAX_RANGES_PER_DAY) {
      throw bad(`${field} must have at most ${MAX_RANGES_PER_DAY} ranges`);
    }
    const ranges = list.map((range: unknown, i): [string, string] => {
      const name = `${field}[${i}]`;
      if (
        !Array.isArray(range) || range.length !== 2 ||
        !range.every((t) => typeof t === "string" && TIME.test(t))
      ) {
        throw bad(`${name} must be ["HH:MM","HH:MM"] between 00:00 and 24:00`);
      }
      const [start, end] = range as [string, string];
      if (minutesOf(start) >= minutesOf(end)) throw bad(`${name} must start before it ends`);
      return [start, end];
    }).sort((a, b) => minutesOf(a[0]) - minutesOf(b[0]));
    for (let i = 1; i < ranges.length; i++) {
      if (minutesOf(ranges[i][0]) < minutesOf(ranges[i - 1][1])) {
        throw bad(`${field} has overlapping ranges`);
      }
    }
    if (ranges.length > 0) days[day] = ranges;
  }
  return { timezone: tz, days };
}

/** The widget settings present in `body`, validated. */
function settings(body: Obj): Partial<WidgetSettings> {
  const out: Partial<WidgetSettings> = {};
  const has = (key: string) => Object.hasOwn(body, key) && body[key] !== undefined;
  if (has("color")) out.color = color(body.color);
  if (has("position")) {
    if (body.position !== "right" && body.position !== "left") {
      throw bad("position must be right or left");
    }
    out.position = body.position;
  }
  for (const field of Object.keys(TEXT_LIMITS) as TextField[]) {
    if (has(field)) out[field] = localizedText(body[field], field);
  }
  if (has("locale")) out.locale = locale(body.locale);
  if (has("matchBrowserLocale")) {
    out.matchBrowserLocale = flag(body.matchBrowserLocale, "matchBrowserLocale");
  }
  if (has("askEmail")) out.askEmail = flag(body.askEmail, "askEmail");
  if (has("businessHours")) out.businessHours = businessHours(body.businessHours);
  return out;
}

/** `retentionDays`: null (the server's default) or a whole number of days. */
function retentionDays(v: unknown): number | null {
  if (v === null) return null;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MAX_RETENTION_DAYS) {
    throw bad(
      `retentionDays must be null or a whole number of days from 1 to ${MAX_RETENTION_DAYS}`,
    );
  }
  return v;
}

/** Longest sender name (the From's display name). */
export const MAX_SENDER_NAME = 80;

/**
 * `senderName`: null or a one-line text of at most {@link MAX_SENDER_NAME} characters. CR, LF
 * and other control characters are refused, not stripped: in a header they would start another.
 */
function senderName(v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== "string") throw bad("senderName must be a text or null");
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) {
    throw bad("senderName must be one line, without control characters");
  }
  const t = v.trim();
  if (t.length > MAX_SENDER_NAME) {
    throw bad(`senderName must have at most ${MAX_SENDER_NAME} characters`);
  }
  return t === "" ? null : t;
}

/** A plain address `local@domain` (no display name, no spaces, one line): null when empty. */
export function emailAddress(v: unknown, field: string): string | null {
  if (v === null) return null;
  if (typeof v !== "string") throw bad(`${field} must be an email address or null`);
  const t = v.trim();
  if (t === "") return null;
  if (t.length > 254 || !PLAIN_ADDRESS.test(t)) {
    throw bad(`${field} must be an email address such as support@example.com`);
  }
  return t;
}

/** `local@domain.tld` with none of the characters that would make a header say more. */
const PLAIN_ADDRESS = /^[^\s@<>",;:()\\]+@[^\s@<>",;:()\\]+\.[^\s@<>",;:()\\.]+$/;

/** The site fields (not settings) present in `body`, validated. */
function siteFields(body: Obj): Omit<SitePatch, "settings"> {
  const out: Omit<SitePatch, "settings"> = {};
  if (body.name !== undefined) out.name = siteName(body.name);
  if (body.allowedOrigins !== undefined) out.allowedOrigins = allowedOrigins(body.allowedOrigins);
  if (body.requireVerified !== undefined) {
    out.requireVerified = flag(body.requireVerified, "requireVerified");
  }
  if (body.autoAssign !== undefined) out.autoAssign = flag(body.autoAssign, "autoAssign");
  if (body.retentionDays !== undefined) out.retentionDays = retentionDays(body.retentionDays);
  if (body.senderName !== undefined) out.senderName = senderName(body.senderName);
  if (body.replyTo !== undefined) out.replyTo = emailAddress(body.replyTo, "replyTo");
  if (body.notificationEmail !== undefined) {
    out.notificationEmail = emailAddress(body.notificationEmail, "notificationEmail");
  }
  return out;
}

/** Validates a `POST /api/sites` body. */
export function parseNewSite(body: Obj): NewSiteInput {
  checkKnown(body);
  const id = body.id === undefined || body.id === null ? null : siteId(body.id);
  if (body.name === undefined) throw bad("name is required");
  const { name, ...rest } = siteFields(body);
  return { id, name: name ?? siteName(body.name), ...rest, settings: settings(body) };
}

/**
 * Validates a `PATCH /api/sites/:id` body. `id` cannot change: a body may carry the site's own
 * id (a record sent back whole), any other is refused.
 */
export function parseSitePatch(body: Obj, currentId: string): SitePatch {
  checkKnown(body);
  if (body.id !== undefined && body.id !== currentId) throw bad("id cannot be changed");
  const patch: SitePatch = siteFields(body);
  const s = settings(body);
  if (Object.keys(s).length > 0) patch.settings = s;
  return patch;
}

/**
 * A site id made from a name: lowercase ASCII letters and digits, other runs of characters as
 * one dash, accents dropped ("Café Noir" -> "cafe-noir"); "site" when nothing is left.
 */
export function slugify(name: string, maxLength = MAX_SITE_ID): string {
  const slug = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").slice(0, maxLength).replace(/^-+|-+$/g, "");
  return slug || "site";
}
