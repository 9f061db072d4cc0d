/**
 * Reports for the console (docs/http_api.md "Reports"): `GET /api/reports/{summary,daily,
 * heatmap,agents,conversations}` with `from`, `to`, `tz`, `siteId`, `agentId`, `labelId` and
 * `format=csv`, and `GET|PUT /api/reports/settings`. The service decides who sees what.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { FIRST_RESPONSE_TARGET } from "../protocol/reports.ts";
import { ParleyError } from "../core/errors.ts";
import {
  agentReportActor,
  agentsTable,
  type CsvTable,
  dailyTable,
  heatmapTable,
  parseReportParams,
  type ReportParams,
  summaryTable,
  tableCsv,
} from "../core/reports/mod.ts";
import type { Handler } from "./context.ts";
import { requireAgent, requireCsrf } from "./guard.ts";
import { json, readJson } from "./http.ts";

/** The headers of a CSV download named after the report and the period (also `/api/v1`). */
export function csvHeaders(name: string, p: ReportParams): Record<string, string> {
  return {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="parley-${name}-${p.from}-${p.to}.csv"`,
    "cache-control": "no-store",
  };
}

/** The table as a CSV download. */
function csv(t: CsvTable, p: ReportParams): Response {
  return new Response(tableCsv(t), { headers: csvHeaders(t.name, p) });
}

/** `GET /api/reports/summary` */
export const reportSummary: Handler = async (req, ctx) => {
  const actor = agentReportActor(await requireAgent(req, ctx));
  const p = parseReportParams(ctx.url.searchParams);
  const summary = await ctx.app.reports.summary(actor, p);
  return p.format === "csv" ? csv(summaryTable(summary), p) : json(summary);
};

/** `GET /api/reports/daily` */
export const reportDaily: Handler = async (req, ctx) => {
  const actor = agentReportActor(await requireAgent(req, ctx));
  const p = parseReportParams(ctx.url.searchParams);
  const days = await ctx.app.reports.daily(actor, p);
  return p.format === "csv" ? csv(dailyTable(days), p) : json({ days });
};

/** `GET /api/reports/heatmap` */
export const reportHeatmap: Handler = async (req, ctx) => {
  const actor = agentReportActor(await requireAgent(req, ctx));
  const p = parseReportParams(ctx.url.searchParams);
  const cells = await ctx.app.reports.heatmap(actor, p);
  return p.format === "csv" ? csv(heatmapTable(cells), p) : json({ cells });
};

/** `GET /api/reports/agents` */
export const reportAgents: Handler = async (req, ctx) => {
  const actor = agentReportActor(await requireAgent(req, ctx));
  const p = parseReportParams(ctx.url.searchParams);
  const agents = await ctx.app.reports.agents(actor, p);
  return p.format === "csv" ? csv(agentsTable(agents), p) : json({ agents });
};

/**
 * `GET /api/reports/conversations` (CSV whatever `format` says: a table too large for JSON),
 * streamed: the body pulls a page of rows at a time, so the file is never whole in memory.
 */
export const reportConversations: Handler = async (req, ctx) => {
  const actor = agentReportActor(await requireAgent(req, ctx));
  const p = parseReportParams(ctx.url.searchParams);
  const chunks = await ctx.app.reports.conversationsCsv(actor, p);
  const body = ReadableStream.from(chunks).pipeThrough(new TextEncoderStream());
  return new Response(body, { headers: csvHeaders("conversations", p) });
};

/** `GET /api/reports/settings` */
export const getReportSettings: Handler = async (req, ctx) => {
  await requireAgent(req, ctx);
  return json(await ctx.app.reports.settings());
};

/** `PUT /api/reports/settings` (admins) */
export const putReportSettings: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const actor = await requireAgent(req, ctx);
  const body = await readJson(req, 1024);
  const target = body.firstResponseTargetSeconds;
  const { min, max } = FIRST_RESPONSE_TARGET;
  if (typeof target !== "number" || !Number.isInteger(target) || target < min || target > max) {
    throw new ParleyError(
      ErrorCode.BadFrame,
      `firstResponseTargetSeconds must be an integer from ${min} to ${max}`,
      { field: "firstResponseTargetSeconds" },
    );
  }
  return json(await ctx.app.reports.updateSettings(actor, { firstResponseTargetSeconds: target }));
};
