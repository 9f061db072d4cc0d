/**
 * The reports of the public API (`/api/v1/reports/...`, docs/api.md "Reports"): the console's
 * reports (docs/http_api.md "Reports") for a token, with the same query, validation and bodies.
 * A token asks as an admin limited to its sites: it sees every agent's figures, and only its
 * sites' conversations (another `siteId` is 403, as for an agent limited to sites).
 *
 * @module
 */

import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import { parseReportParams, type ReportActor, type ReportParams } from "../core/reports/mod.ts";
import type { ApiTokenRecord } from "../db/store.ts";
import { type ApiInput, type ApiRoute, defineRoute, tokenOf } from "./api_v1.ts";
import {
  ReportAgents,
  ReportDaily,
  ReportHeatmap,
  ReportQuery,
  ReportSummary,
} from "./api_v1_report_schemas.ts";
import { ErrorBody } from "./api_v1_schemas.ts";
import { csvHeaders } from "./api_reports.ts";

/** A token as the report service's actor: an admin over the token's sites. */
function reportActor(token: ApiTokenRecord): ReportActor {
  return { id: `token:${token.id}`, role: "admin", siteLimit: token.sites };
}

/**
 * The typed query, validated again by the console's rules (a real day, `to` not before `from`,
 * at most 366 days, a known zone) so both APIs accept and refuse the same periods.
 */
function paramsOf(query: Static<typeof ReportQuery>): ReportParams {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, v);
  return parseReportParams(q);
}

/** Who asks and what, for every report route. */
function request(
  input: ApiInput<unknown, Static<typeof ReportQuery>, unknown>,
): [ReportActor, ReportParams] {
  return [reportActor(tokenOf(input)), paramsOf(input.query)];
}

const forbidden = {
  403: {
    description: "A `siteId` the token may not see (`forbidden`)",
    schema: ErrorBody,
  },
};

const common = {
  tag: "Reports",
  scope: "read",
  query: ReportQuery,
} as const;

/** The report routes, in the order of the document. */
export const REPORT_ROUTES: ApiRoute[] = [
  defineRoute({
    ...common,
    method: "GET",
    path: "/api/v1/reports/summary",
    operationId: "getReportSummary",
    summary: "Conversations, first response, resolution, replies and CSAT over a period",
    responses: { 200: { description: "The summary", schema: ReportSummary }, ...forbidden },
    async handler(input) {
      const body: Static<typeof ReportSummary> = await input.ctx.app.reports.summary(
        ...request(input),
      );
      return { status: 200, body };
    },
  }),
  defineRoute({
    ...common,
    method: "GET",
    path: "/api/v1/reports/daily",
    operationId: "getReportDaily",
    summary: "The period's figures day by day (every day of the period)",
    responses: { 200: { description: "The days", schema: ReportDaily }, ...forbidden },
    async handler(input) {
      const body: Static<typeof ReportDaily> = {
        days: await input.ctx.app.reports.daily(...request(input)),
      };
      return { status: 200, body };
    },
  }),
  defineRoute({
    ...common,
    method: "GET",
    path: "/api/v1/reports/heatmap",
    operationId: "getReportHeatmap",
    summary: "Conversations created by weekday and hour in `tz` (7 × 24 cells)",
    responses: { 200: { description: "The heat map", schema: ReportHeatmap }, ...forbidden },
    async handler(input) {
      const body: Static<typeof ReportHeatmap> = {
        cells: await input.ctx.app.reports.heatmap(...request(input)),
      };
      return { status: 200, body };
    },
  }),
  defineRoute({
    ...common,
    method: "GET",
    path: "/api/v1/reports/agents",
    operationId: "getReportAgents",
    summary: "Each agent's figures over the period",
    responses: { 200: { description: "One row per agent", schema: ReportAgents }, ...forbidden },
    async handler(input) {
      const body: Static<typeof ReportAgents> = {
        agents: await input.ctx.app.reports.agents(...request(input)),
      };
      return { status: 200, body };
    },
  }),
  defineRoute({
    ...common,
    method: "GET",
    path: "/api/v1/reports/conversations",
    operationId: "exportReportConversations",
    summary: "The period's conversations with their timings, as CSV",
    description: "One row per conversation, oldest first (at most 200,000): id, site, visitor, " +
      "created_at, first_response_seconds, resolved_at, resolution_seconds, assignee, replies, " +
      "rating, labels, status. Streamed a page at a time, as the console's export.",
    responses: {
      200: {
        description: "CSV (RFC 4180, CRLF line ends), as an attachment",
        mediaType: "text/csv",
        schema: Type.String(),
      },
      ...forbidden,
    },
    async handler(input) {
      const [actor, p] = request(input);
      const chunks = await input.ctx.app.reports.conversationsCsv(actor, p);
      return {
        status: 200,
        stream: ReadableStream.from(chunks).pipeThrough(new TextEncoderStream()),
        headers: csvHeaders("conversations", p),
      };
    },
  }),
];
