/**
 * The site editor's form state as plain data, and the pure conversions between it and the
 * records of `/api/sites`. Kept apart from the components so the rules (per-language texts,
 * business hours, origins one per line) are unit-tested without a browser.
 *
 * @module
 */

import type { SiteRecord } from "../../protocol/api.ts";
import { parseHexColor } from "../../protocol/color.ts";
import {
  type BusinessHours,
  DEFAULT_WIDGET_SETTINGS,
  type LocalizedText,
  type Weekday,
  WEEKDAYS,
  WIDGET_LOCALES,
  type WidgetLocale,
  type WidgetPosition,
} from "../../protocol/site_settings.ts";
import type { SiteFields } from "./api.ts";

/** The visitor-facing texts a site may give per language, in form order. */
export const TEXT_FIELDS = [
  "launcherLabel",
  "greeting",
  "teamName",
  "replyTime",
  "awayMessage",
] as const;
/** One of {@link TEXT_FIELDS}. */
export type TextField = typeof TEXT_FIELDS[number];

/** Labels (and accessible names) of the text fields. */
export const TEXT_LABELS: Record<TextField, string> = {
  launcherLabel: "Launcher label",
  greeting: "Greeting",
  teamName: "Team name",
  replyTime: "Reply time",
  awayMessage: "Away message",
};

/** Length limits the server enforces (`SPEC-11`); the inputs enforce them too. */
export const TEXT_MAX: Record<TextField, number> = {
  launcherLabel: 80,
  greeting: 500,
  teamName: 80,
  replyTime: 80,
  awayMessage: 500,
};

/** Each widget locale's name in its own language, for the language pickers. */
export const LANGUAGE_NAMES: Record<WidgetLocale, string> = {
  en: "English",
  fr: "Français",
  de: "Deutsch",
  es: "Español",
  pt: "Português",
  it: "Italiano",
  nl: "Nederlands",
  ar: "العربية",
  he: "עברית",
};

/** Weekday names for the business-hours editor. */
export const WEEKDAY_NAMES: Record<Weekday, string> = {
  mon: "Monday",
  tue: "Tuesday",
  wed: "Wednesday",
  thu: "Thursday",
  fri: "Friday",
  sat: "Saturday",
  sun: "Sunday",
};

/** A text per language; the site's default language's entry also serves every other language. */
export type TextDraft = Partial<Record<WidgetLocale, string>>;

/** Everything the site editor holds while the admin types. */
export interface SiteDraft {
  /** Empty on creation: the server derives it from the name. */
  id: string;
  name: string;
  /** One origin per line, as typed. */
  origins: string;
  requireVerified: boolean;
  autoAssign: boolean;
  /** Days resolved conversations are kept, as typed; empty: the server's default. */
  retention: string;
  /** The emails' sender name, Reply-To and digest address, as typed; empty: none. */
  senderName: string;
  replyTo: string;
  notificationEmail: string;
  /** As typed in the hex field; the colour input and the preview use it once it parses. */
  color: string;
  position: WidgetPosition;
  locale: WidgetLocale;
  matchBrowserLocale: boolean;
  askEmail: boolean;
  texts: Record<TextField, TextDraft>;
  /** False: no business hours (the team may answer any time). */
  hoursOn: boolean;
  timezone: string;
  days: Record<Weekday, [string, string][]>;
}

/** A time zone to start business hours with: the admin's own, which is usually the shop's. */
export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function emptyDays(): Record<Weekday, [string, string][]> {
  return { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
}

function textsFrom(site: Pick<SiteRecord, TextField | "locale">): Record<TextField, TextDraft> {
  const l = site.locale;
  return {
    launcherLabel: textDraft(site.launcherLabel, l),
    greeting: textDraft(site.greeting, l),
    teamName: textDraft(site.teamName, l),
    replyTime: textDraft(site.replyTime, l),
    awayMessage: textDraft(site.awayMessage, l),
  };
}

/**
 * A stored text as per-language entries. One string for every language is shown as the default
 * language's entry: resolution falls back to it for every other language, so both mean the same.
 */
export function textDraft(text: LocalizedText | null, locale: WidgetLocale): TextDraft {
  if (text === null) return {};
  if (typeof text === "string") return text === "" ? {} : { [locale]: text };
  return { ...text };
}

/**
 * Per-language entries as the API's text: null when all are empty, one string when only the
 * default language has one (it applies to every language), else one entry per language.
 */
export function textValue(draft: TextDraft, locale: WidgetLocale): LocalizedText | null {
  const entries = WIDGET_LOCALES.flatMap((l) => {
    const v = draft[l]?.trim() ?? "";
    return v === "" ? [] : [[l, v] as const];
  });
  if (entries.length === 0) return null;
  if (entries.length === 1 && entries[0][0] === locale) return entries[0][1];
  return Object.fromEntries(entries);
}

/** The draft of a new site: the widget defaults, no origins, no hours. */
export function newSiteDraft(): SiteDraft {
  const d = DEFAULT_WIDGET_SETTINGS;
  return {
    id: "",
    name: "",
    origins: "",
    requireVerified: false,
    autoAssign: false,
    retention: "",
    senderName: "",
    replyTo: "",
    notificationEmail: "",
    color: d.color,
    position: d.position,
    locale: d.locale,
    matchBrowserLocale: d.matchBrowserLocale,
    askEmail: d.askEmail,
    texts: textsFrom(d),
    hoursOn: false,
    timezone: localTimeZone(),
    days: emptyDays(),
  };
}

/** The draft of an existing site. */
export function siteDraft(site: SiteRecord): SiteDraft {
  const days = emptyDays();
  for (const day of WEEKDAYS) {
    days[day] = (site.businessHours?.days[day] ?? []).map(([a, b]) => [a, b]);
  }
  return {
    id: site.id,
    name: site.name,
    origins: site.allowedOrigins.join("\n"),
    requireVerified: site.requireVerified,
    autoAssign: site.autoAssign,
    retention: site.retentionDays ? String(site.retentionDays) : "",
    senderName: site.senderName ?? "",
    replyTo: site.replyTo ?? "",
    notificationEmail: site.notificationEmail ?? "",
    color: site.color,
    position: site.position,
    locale: site.locale,
    matchBrowserLocale: site.matchBrowserLocale,
    askEmail: site.askEmail,
    texts: textsFrom(site),
    hoursOn: site.businessHours !== null,
    timezone: site.businessHours?.timezone ?? localTimeZone(),
    days,
  };
}

/** Origins typed one per line (or separated by spaces or commas), blanks dropped. */
export function parseOrigins(text: string): string[] {
  return text.split(/[\s,]+/).map((o) => o.trim()).filter((o) => o !== "");
}

/** The colour a draft shows: its hex text as `#rrggbb` once it parses, else `fallback`. */
export function draftColor(text: string, fallback = DEFAULT_WIDGET_SETTINGS.color): string {
  const rgb = parseHexColor(text);
  if (!rgb) return fallback;
  return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

function hoursValue(d: SiteDraft): BusinessHours | null {
  if (!d.hoursOn) return null;
  const days: BusinessHours["days"] = {};
  for (const day of WEEKDAYS) {
    // A range left blank on both ends is an unused row, not an error.
    const ranges = d.days[day]
      .map(([a, b]) => [a.trim(), b.trim()] as [string, string])
      .filter(([a, b]) => a !== "" || b !== "");
    if (ranges.length > 0) days[day] = ranges;
  }
  return { timezone: d.timezone.trim(), days };
}

/**
 * The fields to send for a draft: every editable field (a PATCH then states the whole form, so
 * what the admin sees is what is stored). The server validates; the console does not guess.
 */
export function draftFields(d: SiteDraft): SiteFields {
  return {
    name: d.name.trim(),
    allowedOrigins: parseOrigins(d.origins),
    requireVerified: d.requireVerified,
    autoAssign: d.autoAssign,
    retentionDays: d.retention.trim() === "" ? null : Number(d.retention),
    senderName: d.senderName.trim() || null,
    replyTo: d.replyTo.trim() || null,
    notificationEmail: d.notificationEmail.trim() || null,
    color: d.color.trim().toLowerCase(),
    position: d.position,
    locale: d.locale,
    matchBrowserLocale: d.matchBrowserLocale,
    askEmail: d.askEmail,
    launcherLabel: textValue(d.texts.launcherLabel, d.locale),
    greeting: textValue(d.texts.greeting, d.locale),
    teamName: textValue(d.texts.teamName, d.locale),
    replyTime: textValue(d.texts.replyTime, d.locale),
    awayMessage: textValue(d.texts.awayMessage, d.locale),
    businessHours: hoursValue(d),
  };
}

/** The embed snippet of a site, served from `origin` (the console's own origin). */
export function siteSnippet(origin: string, id: string): string {
  return `<script src="${origin}/widget.js" data-site="${id}" async></script>`;
}

/**
 * The time zones to offer: every zone the browser knows, plus `current` when the browser does
 * not list it (some list no `UTC`), sorted.
 */
export function timeZones(current: string): readonly string[] {
  if (!knownZones) {
    const intl = Intl as { supportedValuesOf?(key: string): string[] };
    knownZones = [...new Set([...(intl.supportedValuesOf?.("timeZone") ?? []), "UTC"])].sort();
  }
  // The editor re-renders on every keystroke: the usual case returns the one cached list.
  if (!current || knownZones.includes(current)) return knownZones;
  return [...knownZones, current].sort();
}

/** The browser's time zones, listed once. */
let knownZones: string[] | null = null;
