/**
 * The reports' answers (`GET /api/reports/...`, docs/http_api.md "Reports"), shared by the server
 * and the console's Reports view, with the decoders the console reads them with: untrusted JSON
 * into these types, so a malformed answer fails loudly instead of drawing a wrong chart.
 * Durations are whole seconds; a median, p90, average or share is null when no conversation
 * counts towards it.
 *
 * @module
 */

import { type Obj, object, ValidationError } from "./validate.ts";

/** The period a report covers: inclusive days in `tz`. */
export interface ReportPeriod {
  from: string;
  to: string;
  tz: string;
}

/** `GET /api/reports/summary`. */
export interface ReportSummary {
  period: ReportPeriod;
  conversations: { created: number; resolved: number; reopened: number; missed: number };
  firstResponse: {
    count: number;
    medianSeconds: number | null;
    p90Seconds: number | null;
    targetSeconds: number;
    withinTargetShare: number | null;
  };
  resolution: { count: number; medianSeconds: number | null; p90Seconds: number | null };
  /** Agent replies per conversation with at least one reply (2 decimals); null with none. */
  repliesPerConversation: number | null;
  csat: {
    count: number;
    /** 2 decimals. */
    average: number | null;
    distribution: Record<"1" | "2" | "3" | "4" | "5", number>;
  };
}

/** One day of `GET /api/reports/daily`. */
export interface ReportDay {
  /** `YYYY-MM-DD` in the report's zone. */
  date: string;
  created: number;
  /** Conversations created that day and resolved now (so the days add up to the summary). */
  resolved: number;
  firstResponseMedianSeconds: number | null;
  firstResponseP90Seconds: number | null;
  csatAverage: number | null;
  csatCount: number;
}

/** One cell of `GET /api/reports/heatmap`: `weekday` 0 Monday … 6 Sunday, `hour` 0 … 23. */
export interface ReportHeatCell {
  weekday: number;
  hour: number;
  count: number;
}

/** One row of `GET /api/reports/agents`. */
export interface ReportAgentRow {
  agentId: string;
  name: string;
  /** Conversations of the period assigned to the agent now. */
  conversations: number;
  resolved: number;
  /** Agent replies (anyone's, not notes) in those conversations. */
  replies: number;
  /** Over the conversations whose first reply the agent wrote. */
  firstResponseMedianSeconds: number | null;
  resolutionMedianSeconds: number | null;
  csatAverage: number | null;
  csatCount: number;
  /** Open conversations assigned to the agent now, whatever their creation day. */
  openNow: number;
}

/** `GET|PUT /api/reports/settings`. */
export interface ReportSettings {
  firstResponseTargetSeconds: number;
}

/** Bounds and default of {@link ReportSettings.firstResponseTargetSeconds}. */
export const FIRST_RESPONSE_TARGET = { min: 10, max: 86_400, default: 300 } as const;

function num(o: Obj, key: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new ValidationError(`${key} must be a number`);
  }
  return v;
}

function numOrNull(o: Obj, key: string): number | null {
  return o[key] === null || o[key] === undefined ? null : num(o, key);
}

function str(o: Obj, key: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new ValidationError(`${key} must be a string`);
  return v;
}

function list(value: unknown, key: string): unknown[] {
  const v = object(value)[key];
  if (!Array.isArray(v)) throw new ValidationError(`${key} must be a list`);
  return v;
}

/** Decodes `GET /api/reports/summary`; stars missing from the distribution count as none. */
export function decodeReportSummary(value: unknown): ReportSummary {
  const o = object(value);
  const p = object(o.period, "period");
  const c = object(o.conversations, "conversations");
  const f = object(o.firstResponse, "firstResponse");
  const r = object(o.resolution, "resolution");
  const s = object(o.csat, "csat");
  const d = object(s.distribution, "distribution");
  return {
    period: { from: str(p, "from"), to: str(p, "to"), tz: str(p, "tz") },
    conversations: {
      created: num(c, "created"),
      resolved: num(c, "resolved"),
      reopened: num(c, "reopened"),
      missed: num(c, "missed"),
    },
    firstResponse: {
      count: num(f, "count"),
      medianSeconds: numOrNull(f, "medianSeconds"),
      p90Seconds: numOrNull(f, "p90Seconds"),
      targetSeconds: num(f, "targetSeconds"),
      withinTargetShare: numOrNull(f, "withinTargetShare"),
    },
    resolution: {
      count: num(r, "count"),
      medianSeconds: numOrNull(r, "medianSeconds"),
      p90Seconds: numOrNull(r, "p90Seconds"),
    },
    repliesPerConversation: numOrNull(o, "repliesPerConversation"),
    csat: {
      count: num(s, "count"),
      average: numOrNull(s, "average"),
      distribution: {
        "1": numOrNull(d, "1") ?? 0,
        "2": numOrNull(d, "2") ?? 0,
        "3": numOrNull(d, "3") ?? 0,
        "4": numOrNull(d, "4") ?? 0,
        "5": numOrNull(d, "5") ?? 0,
      },
    },
  };
}

/** Decodes `GET /api/reports/daily` (`{ days }`). */
export function decodeReportDays(value: unknown): ReportDay[] {
  return list(value, "days").map((v) => {
    const o = object(v, "day");
    return {
      date: str(o, "date"),
      created: num(o, "created"),
      resolved: num(o, "resolved"),
      firstResponseMedianSeconds: numOrNull(o, "firstResponseMedianSeconds"),
      firstResponseP90Seconds: numOrNull(o, "firstResponseP90Seconds"),
      csatAverage: numOrNull(o, "csatAverage"),
      csatCount: num(o, "csatCount"),
    };
  });
}

/** Decodes `GET /api/reports/heatmap` (`{ cells }`), leaving out cells off the 7 × 24 grid. */
export function decodeReportHeatCells(value: unknown): ReportHeatCell[] {
  const cells: ReportHeatCell[] = [];
  for (const v of list(value, "cells")) {
    const o = object(v, "cell");
    const weekday = num(o, "weekday");
    const hour = num(o, "hour");
    if (Number.isInteger(weekday) && weekday < 7 && Number.isInteger(hour) && hour < 24) {
      cells.push({ weekday, hour, count: num(o, "count") });
    }
  }
  return cells;
}

/** Decodes `GET /api/reports/agents` (`{ agents }`). */
export function decodeReportAgents(value: unknown): ReportAgentRow[] {
  return list(value, "agents").map((v) => {
    const o = object(v, "agent");
    return {
      agentId: str(o, "agentId"),
      name: str(o, "name"),
      conversations: num(o, "conversations"),
      resolved: num(o, "resolved"),
      replies: num(o, "replies"),
      firstResponseMedianSeconds: numOrNull(o, "firstResponseMedianSeconds"),
      resolutionMedianSeconds: numOrNull(o, "resolutionMedianSeconds"),
      csatAverage: numOrNull(o, "csatAverage"),
      csatCount: num(o, "csatCount"),
      openNow: num(o, "openNow"),
    };
  });
}

/** Decodes `GET`/`PUT /api/reports/settings`. */
export function decodeReportSettings(value: unknown): ReportSettings {
  return { firstResponseTargetSeconds: num(object(value), "firstResponseTargetSeconds") };
}
