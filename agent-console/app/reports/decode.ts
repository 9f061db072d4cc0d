/**
 * The report answers of `GET /api/reports/*` (`docs/http_api.md`), decoded from untrusted JSON
 * into typed values like every other response of the console: a malformed answer fails loudly
 * instead of drawing a wrong chart.
 *
 * @module
 */

import type { Label } from "../../../protocol/frames.ts";
import { type Obj, object, ValidationError } from "../../../protocol/validate.ts";

/** `GET /api/reports/summary`. Medians, p90s, averages and shares are null when their count is 0. */
export interface ReportSummary {
  conversations: { created: number; resolved: number; reopened: number; missed: number };
  firstResponse: {
    count: number;
    medianSeconds: number | null;
    p90Seconds: number | null;
    targetSeconds: number;
    withinTargetShare: number | null;
  };
  resolution: { count: number; medianSeconds: number | null; p90Seconds: number | null };
  repliesPerConversation: number | null;
  csat: { count: number; average: number | null; distribution: Record<1 | 2 | 3 | 4 | 5, number> };
}

/** One day of `GET /api/reports/daily`. */
export interface ReportDay {
  date: string;
  created: number;
  resolved: number;
  firstResponseMedianSeconds: number | null;
  firstResponseP90Seconds: number | null;
  csatAverage: number | null;
  csatCount: number;
}

/** One cell of `GET /api/reports/heatmap`: weekday 0 = Monday … 6 = Sunday, hour 0…23. */
export interface HeatCell {
  weekday: number;
  hour: number;
  count: number;
}

/** One row of `GET /api/reports/agents`. */
export interface AgentRow {
  agentId: string;
  name: string;
  conversations: number;
  resolved: number;
  replies: number;
  firstResponseMedianSeconds: number | null;
  resolutionMedianSeconds: number | null;
  csatAverage: number | null;
  csatCount: number;
  openNow: number;
}

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

/** Decodes a summary answer. */
export function decodeSummary(value: unknown): ReportSummary {
  const o = object(value);
  const c = object(o.conversations, "conversations");
  const f = object(o.firstResponse, "firstResponse");
  const r = object(o.resolution, "resolution");
  const s = object(o.csat, "csat");
  const d = object(s.distribution, "distribution");
  return {
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
      // Missing stars count as none: the server may leave out empty buckets.
      distribution: {
        1: numOrNull(d, "1") ?? 0,
        2: numOrNull(d, "2") ?? 0,
        3: numOrNull(d, "3") ?? 0,
        4: numOrNull(d, "4") ?? 0,
        5: numOrNull(d, "5") ?? 0,
      },
    },
  };
}

/** Decodes a daily answer. */
export function decodeDaily(value: unknown): ReportDay[] {
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

/** Decodes a heat map answer into a full 7 × 24 grid (`grid[weekday][hour]`), missing cells 0. */
export function decodeHeatmap(value: unknown): number[][] {
  const grid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  for (const v of list(value, "cells")) {
    const o = object(v, "cell");
    const w = num(o, "weekday");
    const h = num(o, "hour");
    if (Number.isInteger(w) && w < 7 && Number.isInteger(h) && h < 24) grid[w][h] = num(o, "count");
  }
  return grid;
}

/** Decodes an agents answer. */
export function decodeAgents(value: unknown): AgentRow[] {
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

/** Decodes `GET /api/labels` (`{ labels: Label[] }`). */
export function decodeLabels(value: unknown): Label[] {
  return list(value, "labels").map((v) => {
    const o = object(v, "label");
    return { id: str(o, "id"), name: str(o, "name"), color: str(o, "color") };
  });
}

/** Decodes `GET`/`PUT /api/reports/settings`: the first response target in seconds. */
export function decodeTarget(value: unknown): number {
  return num(object(value), "firstResponseTargetSeconds");
}
