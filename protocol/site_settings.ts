/**
 * A site's widget settings: the shapes admins edit through `/api/sites` and the resolved,
 * public form the widget loader reads from `GET /api/widget/sites/:id`. Browser-safe: shared
 * by the server, the widget and the agent console. See `docs/http_api.md` and `docs/widget.md`.
 *
 * @module
 */

/** Locales the widget ships, one lazily loaded UI bundle each; the first is the default. */
export const WIDGET_LOCALES = ["en", "fr", "de", "es", "pt", "it", "nl", "ar", "he"] as const;
/** A locale the widget ships. */
export type WidgetLocale = typeof WIDGET_LOCALES[number];
/** Locales written right to left: the widget mirrors its layout for them. */
export const RTL_LOCALES: readonly WidgetLocale[] = ["ar", "he"];

/** True when `value` is one of {@link WIDGET_LOCALES}. */
export function isWidgetLocale(value: unknown): value is WidgetLocale {
  return typeof value === "string" && (WIDGET_LOCALES as readonly string[]).includes(value);
}

/**
 * The first of `tags` (BCP 47, e.g. `fr-CA`, `pt-BR`) whose language the widget ships, or null.
 * Matching is by primary language subtag, case-insensitively.
 */
export function pickLocale(tags: readonly (string | null | undefined)[]): WidgetLocale | null {
  for (const tag of tags) {
    const lang = tag?.split(/[-_]/)[0].toLowerCase();
    if (isWidgetLocale(lang)) return lang;
  }
  return null;
}

/** The launcher's accessible names per locale, `[open, close]`: the server resolves them. */
export const LAUNCHER_LABELS: Record<WidgetLocale, readonly [open: string, close: string]> = {
  en: ["Open chat", "Close chat"],
  fr: ["Ouvrir le chat", "Fermer le chat"],
  de: ["Chat öffnen", "Chat schließen"],
  es: ["Abrir el chat", "Cerrar el chat"],
  pt: ["Abrir o chat", "Fechar o chat"],
  it: ["Apri la chat", "Chiudi la chat"],
  nl: ["Chat openen", "Chat sluiten"],
  ar: ["فتح الدردشة", "إغلاق الدردشة"],
  he: ["פתיחת הצ'אט", "סגירת הצ'אט"],
};

/** Weekday keys of {@link BusinessHours}, Monday first. */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
/** A weekday key. */
export type Weekday = typeof WEEKDAYS[number];

/**
 * Opening hours in one IANA time zone. Each day lists `["HH:MM", "HH:MM"]` ranges (start before
 * end, `24:00` allowed as an end, ranges of one day not overlapping); a missing or empty day is
 * closed all day.
 */
export interface BusinessHours {
  /** IANA time zone, e.g. `Europe/Paris`. */
  timezone: string;
  days: Partial<Record<Weekday, [string, string][]>>;
}

/**
 * A visitor-facing text: one string for every locale, or one per locale
 * (`{ "en": "Hi!", "fr": "Bonjour !" }`). Resolved for a visitor's locale, then the site's
 * default locale; with neither, the widget shows its own locale table's default.
 */
export type LocalizedText = string | Partial<Record<WidgetLocale, string>>;

/** Which bottom corner holds the launcher and the panel. */
export type WidgetPosition = "right" | "left";

/** The widget settings of a site, as admins edit them (flat fields of a site in `/api/sites`). */
export interface WidgetSettings {
  /** Brand colour, `#rrggbb`. */
  color: string;
  position: WidgetPosition;
  /** Accessible name of the launcher; null: the locale's "Open chat". */
  launcherLabel: LocalizedText | null;
  /** First words the visitor sees in an empty conversation; null: the locale's greeting. */
  greeting: LocalizedText | null;
  /** Shown in the panel header; null: the locale's default team name. */
  teamName: LocalizedText | null;
  /** E.g. "Typically replies in a few minutes"; null: the locale's default. */
  replyTime: LocalizedText | null;
  /** The site's default locale. */
  locale: WidgetLocale;
  /** Use the visitor's browser language when the widget ships it (else always `locale`). */
  matchBrowserLocale: boolean;
  /** Null: no hours, the team may answer any time. */
  businessHours: BusinessHours | null;
  /** Shown when nobody is online or outside business hours; null: the locale's default. */
  awayMessage: LocalizedText | null;
  /** Ask for an email when nobody is online or outside business hours. */
  askEmail: boolean;
}

/** The settings a new site starts with. */
export const DEFAULT_WIDGET_SETTINGS: WidgetSettings = {
  color: "#3b4fd8",
  position: "right",
  launcherLabel: null,
  greeting: null,
  teamName: null,
  replyTime: null,
  locale: "en",
  matchBrowserLocale: true,
  businessHours: null,
  awayMessage: null,
  askEmail: true,
};

/**
 * `GET /api/widget/sites/:id`: a site's settings resolved for one visitor, as the loader reads
 * them. Public (no secrets), sent with `Cache-Control: no-cache` and an `ETag`.
 */
export interface PublicWidgetSettings {
  site: string;
  /** The locale the widget uses: `data-locale`, else the browser's (when allowed), else the site's. */
  locale: WidgetLocale;
  dir: "ltr" | "rtl";
  color: string;
  /** Text and icon colour on `color`: `#000000` or `#ffffff`, whichever contrasts more. */
  colorText: string;
  position: WidgetPosition;
  /** The launcher's accessible name while closed: `launcherLabel`, else the locale's "Open chat". */
  openLabel: string;
  /** The launcher's accessible name while open: the locale's "Close chat". */
  closeLabel: string;
  /** Text shown beside the launcher's icon; null: an icon-only launcher. */
  launcherLabel: string | null;
  /** The texts below are resolved for `locale`; null means the widget's own default. */
  greeting: string | null;
  teamName: string | null;
  replyTime: string | null;
  awayMessage: string | null;
  askEmail: boolean;
  businessHours: BusinessHours | null;
  /** Within business hours now (always true without hours). */
  open: boolean;
  /** When closed: the next opening, ISO 8601 (UTC); null when open or never. */
  nextOpen: string | null;
  /**
   * What a visitor may attach (`PARLEY_MAX_UPLOAD_BYTES`, `PARLEY_UPLOAD_TYPES`), so the widget
   * refuses a file it knows the server would refuse before sending a byte. Added by the HTTP
   * route, which knows the server's configuration; absent from older servers.
   */
  uploads?: UploadLimits;
}

/** The server's upload limits as the widget reads them. */
export interface UploadLimits {
  /** Largest file, in bytes. */
  maxBytes: number;
  /** Accepted kinds (`image`, `pdf`, `text`, `office`, `html`, `svg`, `xml`, `zip`, `other`) and MIME types. */
  types: string[];
}

/** Resolves a {@link LocalizedText} for `locale`, falling back to `fallback`, else null. */
export function localizedText(
  text: LocalizedText | null,
  locale: WidgetLocale,
  fallback: WidgetLocale,
): string | null {
  if (text === null) return null;
  if (typeof text === "string") return text || null;
  return text[locale] || text[fallback] || null;
}
