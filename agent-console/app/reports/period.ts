/**
 * The Reports view's query: a period (last 7, 30 or 90 days, or custom days), a time zone and
 * filters, and the URLs of `docs/http_api.md`'s report endpoints it asks. Pure, so the unit tests
 * and the view share one definition.
 *
 * @module
 */

/** Preset periods, in days ending today; "custom" takes the from/to days as given. */
export const PERIODS = ["7", "30", "90", "custom"] as const;
/** One period choice. */
export type PeriodChoice = typeof PERIODS[number];

/** Labels of the period choices. */
export const PERIOD_LABELS: Record<PeriodChoice, string> = {
  "7": "Last 7 days",
  "30": "Last 30 days",
  "90": "Last 90 days",
  custom: "Custom",
};

/** What a report is asked for. Days are `YYYY-MM-DD` in `tz`, inclusive. */
export interface ReportQuery {
  from: string;
  to: string;
  tz: string;
  siteId: string | null;
  agentId: string | null;
  labelId: string | null;
}

/** The report endpoints (each also answers `format=csv`). */
export type ReportName = "summary" | "daily" | "heatmap" | "agents" | "conversations";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** True for a well-formed `YYYY-MM-DD` that is a real calendar day. */
export function isDay(s: string): boolean {
  if (!DAY.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Today's date in `tz` as `YYYY-MM-DD` (en-CA formats dates that way). */
export function todayIn(tz: string, now: number): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: tz,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
}

/** `day` moved by `n` calendar days. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The from/to days of a preset period ending today in `tz`. */
export function presetRange(days: number, tz: string, now: number): { from: string; to: string } {
  const to = todayIn(tz, now);
  return { from: addDays(to, -(days - 1)), to };
}

/**
 * Why a custom range cannot be asked for (the server's own limits: real days, `to` not before
 * `from`, at most 366 days), or null when it can.
 */
export function rangeProblem(from: string, to: string): string | null {
  if (!isDay(from) || !isDay(to)) return "Choose both days";
  if (to < from) return "The end day is before the start day";
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > 366) return "Choose at most 366 days";
  return null;
}

/** The query string of `q` (filters only when set), plus `format=csv` when asked. */
export function queryString(q: ReportQuery, csv = false): string {
  const p = new URLSearchParams({ from: q.from, to: q.to, tz: q.tz });
  if (q.siteId !== null) p.set("siteId", q.siteId);
  if (q.agentId !== null) p.set("agentId", q.agentId);
  if (q.labelId !== null) p.set("labelId", q.labelId);
  if (csv) p.set("format", "csv");
  return p.toString();
}

/** The URL of one report; `csv` for its download. */
export function reportUrl(name: ReportName, q: ReportQuery, csv = false): string {
  return `/api/reports/${name}?${queryString(q, csv)}`;
}

/** Short day label for chart axes ("Nov 3"), read in UTC since the day is already in `tz`. */
export function shortDay(day: string): string {
  return new Intl.DateTimeFormat("en", { month: "short", day: "numeric", timeZone: "UTC" })
    .format(new Date(`${day}T00:00:00Z`));
}
