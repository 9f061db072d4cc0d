/**
 * Business hours as the visitor sees them: whether the team is open now and, when closed, when
 * it is back, in the visitor's own time zone. The server computes `open` / `nextOpen` from the
 * site's hours (in the site's zone); the widget only formats the instant.
 *
 * @module
 */

import type { HoursInfo } from "../../protocol/frames.ts";

/**
 * The freshest hours known: the `welcome` frame's (computed at hello time) over the settings
 * the loader fetched at page load; open when neither says (no hours, or an older server).
 */
export function currentHours(welcome: HoursInfo | null, settings: Partial<HoursInfo>): HoursInfo {
  return welcome ?? { open: settings.open ?? true, nextOpen: settings.nextOpen ?? null };
}

/**
 * "Monday 9:00 AM" (a weekday and time within the coming week, else a date and time), in the
 * widget's `locale` and the visitor's time zone (or `timeZone`, for tests); "" for a bad date.
 */
export function formatNextOpen(
  iso: string,
  locale: string,
  now: Date = new Date(),
  timeZone?: string,
): string {
  const date = new Date(iso);
  const ms = date.getTime();
  if (Number.isNaN(ms)) return "";
  const soon = ms - now.getTime() < 6 * 86_400_000;
  return date.toLocaleString(locale, {
    timeZone,
    ...(soon ? { weekday: "long" } : { day: "numeric", month: "long" }),
    hour: "numeric",
    minute: "2-digit",
  });
}
