/**
 * The fake server's sites: the public settings `GET /api/widget/sites/:id` answers, resolved as
 * the real server resolves them (its own `core/sites/public_settings.ts`), with
 * CORS, 403 for an origin a site does not allow, 404 for an unknown site, and an ETag with
 * `no-cache`. Business hours are given as their outcome, not computed.
 *
 * @module
 */

import type { HoursInfo } from "../protocol/frames.ts";
import {
  DEFAULT_WIDGET_SETTINGS,
  type PublicWidgetSettings,
  type WidgetSettings,
} from "../protocol/site_settings.ts";
import { publicSettings, resolveLocale } from "../core/sites/public_settings.ts";
import type { Site } from "../db/store.ts";

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

/**
 * The public settings of `site` for a visitor, resolved by the real server's own functions;
 * only business hours are the test's stated outcome instead of computed from the clock.
 */
function publicSettingsOf(
  id: string,
  site: FakeSite,
  locale: string | null,
  languages: string[],
): PublicWidgetSettings {
  const record: Site = {
    id,
    name: id,
    identitySecret: "",
    allowedOrigins: site.allowedOrigins ?? [],
    requireVerified: false,
    autoAssign: false,
    settings: settingsOf(site),
    createdAt: new Date(0).toISOString(),
  };
  const resolved = publicSettings(record, resolveLocale(record, { locale, languages }), new Date());
  return { ...resolved, ...(site.hours ?? { open: true, nextOpen: null }) };
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
    publicSettingsOf(id, site, locale || null, (languages ?? "").split(",").filter(Boolean)),
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
