/**
 * The reports' common query parameters (`from`, `to`, `tz`, `siteId`, `agentId`, `labelId`,
 * `format`), validated into a typed value; a bad one is a `bad_frame` naming its `field`.
 *
 * @module
 */

import { ErrorCode } from "../../protocol/codes.ts";
import { ParleyError } from "../errors.ts";
import { isTimeZone } from "../sites/business_hours.ts";

/** The longest period, in days (a leap year). */
export const MAX_REPORT_DAYS = 366;

/** What a report is asked for, before the actor's rights narrow it. */
export interface ReportParams {
  from: string;
  to: string;
  tz: string;
  siteId: string | null;
  agentId: string | null;
  labelId: string | null;
  format: "json" | "csv";
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function bad(field: string, message: string): ParleyError {
  return new ParleyError(ErrorCode.BadFrame, message, { field });
}

/** Days since the epoch of a `YYYY-MM-DD` that names a real day, else null. */
function dayNumber(s: string): number | null {
  if (!DAY.test(s)) return null;
  const ms = Date.parse(`${s}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== s) return null;
  return ms / 86_400_000;
}

function id(q: URLSearchParams, field: string): string | null {
  const v = q.get(field);
  if (v === null || v === "") return null;
  if (v.length > 100) throw bad(field, `${field} is too long`);
  return v;
}

/** Validates the query of a report request. */
export function parseReportParams(q: URLSearchParams): ReportParams {
  const from = q.get("from") ?? "";
  const to = q.get("to") ?? "";
  const a = dayNumber(from);
  if (a === null) throw bad("from", "from must be a day, YYYY-MM-DD");
  const b = dayNumber(to);
  if (b === null) throw bad("to", "to must be a day, YYYY-MM-DD");
  if (b < a) throw bad("to", "to must not be before from");
  if (b - a + 1 > MAX_REPORT_DAYS) {
    throw bad("to", `A report covers at most ${MAX_REPORT_DAYS} days`);
  }
  const tz = q.get("tz") || "UTC";
  if (tz.length > 64 || !isTimeZone(tz)) throw bad("tz", "tz must be an IANA time zone");
  const format = q.get("format") || "json";
  if (format !== "json" && format !== "csv") throw bad("format", "format must be json or csv");
  return {
    from,
    to,
    tz,
    siteId: id(q, "siteId"),
    agentId: id(q, "agentId"),
    labelId: id(q, "labelId"),
    format,
  };
}
