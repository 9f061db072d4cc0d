/**
 * The fake server's sites: the public settings `GET /api/widget/sites/:id` answers, resolved as
 * the real server resolves them (locale, texts, launcher labels, direction, contrast), with
 * CORS, 403 for an origin a site does not allow, 404 for an unknown site, and an ETag with
 * `no-cache`. Business hours are given as their outcome, not computed.
 *
 * @module
 */

import { readableTextColor } from "../protocol/color.ts";
import type { HoursInfo } from "../protocol/frames.ts";
import {
  DEFAULT_WIDGET_SETTINGS,
  LAUNCHER_LABELS,
  localizedText,
  pickLocale,
  type PublicWidgetSettings,
  RTL_LOCALES,
  type WidgetLocale,
  type WidgetSettings,
} from "../protocol/site_settings.ts";

/** A site the fake server knows. */
export interface FakeSite {
  /** Origins allowed to embed it; empty or absent: any origin. */
  allowedOrigins?: string[];
  /** Merged over {@link DEFAULT_WIDGET_SETTINGS}. */
  settings?: Partial<WidgetSettings>;
  /**
   * Business hours as the server would compute them from `settings.businessHours` now (the fake
   * does not compute them; tests say the outcome). Default: open.
   */
  hours?: HoursInfo;
}

/** The sites every fake server knows unless a test says otherwise: `demo`, any origin. */
export const DEFAULT_SITES: Record<string, FakeSite> = {
  demo: { settings: { teamName: "Fernhill Coffee" } },
};

/** One `GET /api/widget/sites/:id` the fake server answered. */
export interface SettingsRequest {
  site: string;
  origin: string | null;
  locale: string | null;
  languages: string | null;
  status: number;
}

/** A site's settings: its own over the defaults. */
export function settingsOf(site: FakeSite): WidgetSettings {
  return { ...DEFAULT_WIDGET_SETTINGS, ...site.settings };
}

/** The public settings of `site` for a visitor, resolved as the real server does. */
function publicSettings(
  id: string,
  site: FakeSite,
  locale: string | null,
  languages: string[],
): PublicWidgetSettings {
  const s = settingsOf(site);
  const lang: WidgetLocale = pickLocale([locale]) ??
    (s.matchBrowserLocale ? pickLocale(languages) : null) ?? s.locale;
  const text = (t: WidgetSettings["greeting"]) => localizedText(t, lang, s.locale);
  const launcherLabel = text(s.launcherLabel);
  const hours = site.hours ?? { open: true, nextOpen: null };
  return {
    site: id,
    locale: lang,
    dir: RTL_LOCALES.includes(lang) ? "rtl" : "ltr",
    color: s.color,
    colorText: readableTextColor(s.color),
    position: s.position,
    openLabel: launcherLabel ?? LAUNCHER_LABELS[lang][0],
    closeLabel: LAUNCHER_LABELS[lang][1],
    launcherLabel,
    greeting: text(s.greeting),
    teamName: text(s.teamName),
    replyTime: text(s.replyTime),
    awayMessage: text(s.awayMessage),
    askEmail: s.askEmail,
    businessHours: s.businessHours,
    open: hours.open,
    nextOpen: hours.nextOpen,
  };
}

async function etagOf(body: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  return `"${Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16)).join("")}"`;
}

/** `GET /api/widget/sites/:id` as `docs/http_api.md` specifies it. */
export async function settingsResponse(
  req: Request,
  url: URL,
  sites: Record<string, FakeSite>,
  log: SettingsRequest[],
): Promise<Response> {
  const id = decodeURIComponent(url.pathname.slice("/api/widget/sites/".length));
  const origin = req.headers.get("origin");
  const headers = new Headers({ "cache-control": "no-cache", vary: "Origin" });
  // Errors carry the CORS header too, so the loader can read why it shows no chat.
  if (origin) headers.set("access-control-allow-origin", origin);
  const locale = url.searchParams.get("locale");
  const languages = url.searchParams.get("languages");
  const answer = (status: number, body: unknown) => {
    log.push({ site: id, origin, locale, languages, status });
    headers.set("content-type", "application/json; charset=utf-8");
    return new Response(JSON.stringify(body), { status, headers });
  };
  const site = sites[id];
  if (!site) {
    return answer(404, { error: { code: "site_not_found", message: `Unknown site: ${id}` } });
  }
  const allowed = site.allowedOrigins ?? [];
  if (origin && allowed.length > 0 && !allowed.includes(origin)) {
    return answer(403, {
      error: { code: "forbidden", message: `This site does not allow ${origin}` },
    });
  }
  const body = JSON.stringify(
    publicSettings(id, site, locale || null, (languages ?? "").split(",").filter(Boolean)),
  );
  const etag = await etagOf(body);
  headers.set("etag", etag);
  if (req.headers.get("if-none-match") === etag) {
    log.push({ site: id, origin, locale, languages, status: 304 });
    return new Response(null, { status: 304, headers });
  }
  log.push({ site: id, origin, locale, languages, status: 200 });
  headers.set("content-type", "application/json; charset=utf-8");
  return new Response(body, { headers });
}
