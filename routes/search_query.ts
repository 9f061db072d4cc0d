/**
 * Reads the filters of `GET /api/search` (`label`, `site`, `agent`, `status`, `from`, `to`) into
 * the store's {@link SearchFilters}. Every bad value is 400 `bad_frame` naming the parameter in
 * `field`, so a typo never widens a search silently.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import type { ConversationStatus } from "../protocol/frames.ts";
import { ParleyError } from "../core/errors.ts";
import type { SearchFilters } from "../db/store.ts";

const STATUSES: readonly ConversationStatus[] = ["queued", "open", "resolved"];
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Seconds and fractions optional; no offset means UTC (never the server's own zone).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?$/;

/** The filters of one search: the store's, plus the one site asked for (`?site=`). */
export interface SearchRequestFilters {
  /** The store filters; undefined when the request names none. */
  filters: SearchFilters | undefined;
  /** `?site=`, when given (the caller intersects it with the agent's sites). */
  site: string | undefined;
}

function invalid(field: string, message: string): ParleyError {
  return new ParleyError(ErrorCode.BadFrame, message, { field });
}

/** A parameter's value; absent and empty are the same (a form sends empty fields). */
function param(url: URL, name: string): string | undefined {
  const raw = url.searchParams.get(name);
  return raw === null || raw === "" ? undefined : raw;
}

function id(url: URL, name: string, what: string): string | undefined {
  const v = param(url, name);
  if (v !== undefined && !ID.test(v)) throw invalid(name, `${name} is not ${what}`);
  return v;
}

/**
 * A bound of the creation-time filter as an ISO instant. A plain date is a whole UTC day: `from`
 * starts at its midnight, `to` ends at the next one (so `to` takes the day in); a date-time is
 * taken as it is (`to` exclusive).
 */
function bound(url: URL, name: "from" | "to"): string | undefined {
  const v = param(url, name);
  if (v === undefined) return undefined;
  const day = DATE.exec(v);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const at = new Date(Date.UTC(y, m - 1, d + (name === "to" ? 1 : 0)));
    // Date.UTC rolls 2026-02-30 over to March: such a date does not exist.
    const check = new Date(Date.UTC(y, m - 1, d));
    if (check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d || y < 1970) {
      throw invalid(name, `${name} is not a valid date`);
    }
    return at.toISOString();
  }
  const ms = DATE_TIME.test(v) ? Date.parse(/(?:Z|[+-]\d{2}:\d{2})$/.test(v) ? v : `${v}Z`) : NaN;
  if (Number.isNaN(ms)) {
    throw invalid(name, `${name} must be a date (YYYY-MM-DD) or an ISO 8601 date-time`);
  }
  return new Date(ms).toISOString();
}

/** Reads the filters of a search request; throws `bad_frame` (400) on a bad one. */
export function searchFilters(url: URL, me: { id: string }): SearchRequestFilters {
  const filters: SearchFilters = {};
  const labelId = id(url, "label", "a label id");
  if (labelId !== undefined) filters.labelId = labelId;
  const site = id(url, "site", "a site id");
  const agent = param(url, "agent");
  if (agent === "none") filters.assigneeId = null;
  else if (agent === "me") filters.assigneeId = me.id;
  else if (agent !== undefined) {
    if (!ID.test(agent)) throw invalid("agent", "agent is not an agent id, me or none");
    filters.assigneeId = agent;
  }
  const status = param(url, "status");
  if (status !== undefined) {
    filters.statuses = [
      ...new Set(
        status.split(",").map((s) => {
          const found = STATUSES.find((x) => x === s.trim());
          if (!found) {
            throw invalid("status", `Unknown status: ${s.slice(0, 20)} (queued, open or resolved)`);
          }
          return found;
        }),
      ),
    ];
  }
  const from = bound(url, "from");
  const to = bound(url, "to");
  if (from !== undefined && to !== undefined && from >= to) {
    throw invalid("to", "to must be after from");
  }
  if (from !== undefined) filters.createdFrom = from;
  if (to !== undefined) filters.createdBefore = to;
  const any = Object.keys(filters).length > 0 || site !== undefined;
  return { filters: any ? filters : undefined, site };
}
