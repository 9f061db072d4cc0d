/**
 * A site's settings as visitors get them: resolved for one locale (texts, launcher labels,
 * text direction), with the readable text colour on the brand colour and whether the team is
 * within business hours now. Feeds `GET /api/widget/sites/:id` and the visitor `welcome`.
 *
 * @module
 */

import type { SiteRecord } from "../../protocol/api.ts";
import { readableTextColor } from "../../protocol/color.ts";
import type { HoursInfo, TeamInfo } from "../../protocol/frames.ts";
import {
  LAUNCHER_LABELS,
  localizedText,
  pickLocale,
  type PublicWidgetSettings,
  RTL_LOCALES,
  type WidgetLocale,
} from "../../protocol/site_settings.ts";
import type { Site } from "../../db/store.ts";
import { hoursAt } from "./business_hours.ts";

/** What the widget loader tells about its visitor. */
export interface LocaleHints {
  /** The snippet's `data-locale`, when set: it wins whenever the widget ships it. */
  locale?: string | null;
  /** The browser's languages (`navigator.languages`), most preferred first. */
  languages?: readonly string[];
}

/**
 * The locale the widget uses: `data-locale` when shipped; else, when the site allows it, the
 * first browser language shipped; else the site's locale.
 */
export function resolveLocale(site: Site, hints: LocaleHints): WidgetLocale {
  return pickLocale([hints.locale]) ??
    (site.settings.matchBrowserLocale ? pickLocale(hints.languages ?? []) : null) ??
    site.settings.locale;
}

/** The public settings of `site` for a visitor using `locale`, at `now`. */
export function publicSettings(
  site: Site,
  locale: WidgetLocale,
  now: Date,
): PublicWidgetSettings {
  const s = site.settings;
  const text = (t: typeof s.greeting) => localizedText(t, locale, s.locale);
  const launcherLabel = text(s.launcherLabel);
  const [open, close] = LAUNCHER_LABELS[locale];
  const hours = hoursAt(s.businessHours, now);
  return {
    site: site.id,
    locale,
    dir: RTL_LOCALES.includes(locale) ? "rtl" : "ltr",
    color: s.color,
    colorText: readableTextColor(s.color),
    position: s.position,
    openLabel: launcherLabel ?? open,
    closeLabel: close,
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

/**
 * The `team` and `hours` of a visitor `welcome`. Texts are resolved for the hello's locale when
 * the widget ships it (else the site's locale); a text the site does not set falls back to the
 * server's (`PARLEY_TEAM_NAME`, `PARLEY_REPLY_TIME`), and "" lets the widget use its own.
 */
export function welcomeDetails(
  site: Site,
  helloLocale: string | undefined,
  fallback: TeamInfo,
  now: Date,
): { team: TeamInfo; hours: HoursInfo } {
  const s = site.settings;
  const locale = pickLocale([helloLocale]) ?? s.locale;
  return {
    team: {
      name: localizedText(s.teamName, locale, s.locale) ?? fallback.name,
      replyTime: localizedText(s.replyTime, locale, s.locale) ?? fallback.replyTime,
    },
    hours: hoursAt(s.businessHours, now),
  };
}

/** A site as admins see it: settings flat, never the identity secret. */
export function siteRecord(site: Site, conversationCount: number): SiteRecord {
  return {
    ...site.settings,
    id: site.id,
    name: site.name,
    allowedOrigins: site.allowedOrigins,
    requireVerified: site.requireVerified,
    autoAssign: site.autoAssign,
    retentionDays: site.retentionDays ?? null,
    senderName: site.senderName ?? null,
    replyTo: site.replyTo ?? null,
    notificationEmail: site.notificationEmail ?? null,
    createdAt: site.createdAt,
    conversationCount,
  };
}
