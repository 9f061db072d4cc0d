/**
 * The schemas of the reports in the public API (`/api/v1/reports/...`, docs/api.md "Reports"):
 * the query every report takes and the answers, the very bodies of the console's routes
 * (`protocol/reports.ts`, docs/http_api.md "Reports"). The routes assign the service's typed
 * answers to these schemas' static types, so the document cannot describe another shape than
 * the one sent.
 *
 * @module
 */

import { type TSchema, Type } from "@sinclair/typebox";
import { MAX_REPORT_DAYS } from "../core/reports/mod.ts";

const closed = { additionalProperties: false } as const;
const nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const count = (description?: string) =>
  Type.Integer({ minimum: 0, ...(description ? { description } : {}) });
const seconds = (description: string) => nullable(Type.Integer({ minimum: 0, description }));
const day = (description: string) =>
  Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$", description });
const filter = (description: string) => Type.Optional(Type.String({ maxLength: 100, description }));

/** The query of every report: the period, its zone and the filters. */
export const ReportQuery = Type.Object({
  from: day("First day of the period, inclusive, YYYY-MM-DD in `tz`"),
  to: day(`Last day, inclusive; not before \`from\`, at most ${MAX_REPORT_DAYS} days in all`),
  tz: Type.Optional(Type.String({
    maxLength: 64,
    description: "IANA time zone of the days and of the heat map's hours (default UTC)",
  })),
  siteId: filter("Only this site (a token limited to sites: one of them, else 403)"),
  agentId: filter("Only conversations assigned to this agent now"),
  labelId: filter("Only conversations carrying this label"),
}, closed);

/** `GET /api/v1/reports/summary`. */
export const ReportSummary = Type.Object({
  period: Type.Object({ from: Type.String(), to: Type.String(), tz: Type.String() }, closed),
  conversations: Type.Object({
    created: count(),
    resolved: count("Resolved now"),
    reopened: count("Reopened at least once"),
    missed: count("No agent reply, and resolved or older than 24 h"),
  }, closed),
  firstResponse: Type.Object({
    count: count(),
    medianSeconds: seconds("Median first response (business hours only where set)"),
    p90Seconds: seconds("90th percentile first response"),
    targetSeconds: Type.Integer({ minimum: 1, description: "The first response target" }),
    withinTargetShare: nullable(Type.Number({
      minimum: 0,
      maximum: 1,
      description: "Share answered within the target (4 decimals)",
    })),
  }, closed),
  resolution: Type.Object({
    count: count(),
    medianSeconds: seconds("Median time from creation to the latest resolution"),
    p90Seconds: seconds("90th percentile resolution time"),
  }, closed),
  repliesPerConversation: nullable(Type.Number({
    minimum: 0,
    description: "Agent replies per conversation with at least one (2 decimals)",
  })),
  csat: Type.Object({
    count: count(),
    average: nullable(Type.Number({ minimum: 1, maximum: 5, description: "2 decimals" })),
    distribution: Type.Object({
      "1": count(),
      "2": count(),
      "3": count(),
      "4": count(),
      "5": count(),
    }, closed),
  }, closed),
}, { ...closed, title: "ReportSummary" });

/** One day of `GET /api/v1/reports/daily`. */
export const ReportDay = Type.Object({
  date: Type.String({ description: "YYYY-MM-DD in the report's zone" }),
  created: count(),
  resolved: count("Created that day and resolved now"),
  firstResponseMedianSeconds: seconds("Median first response"),
  firstResponseP90Seconds: seconds("90th percentile first response"),
  csatAverage: nullable(Type.Number({ minimum: 1, maximum: 5 })),
  csatCount: count(),
}, { ...closed, title: "ReportDay" });

/** `GET /api/v1/reports/daily`: every day of the period. */
export const ReportDaily = Type.Object({ days: Type.Array(ReportDay) }, closed);

/** `GET /api/v1/reports/heatmap`: 7 × 24 cells, Monday 00h first. */
export const ReportHeatmap = Type.Object({
  cells: Type.Array(
    Type.Object({
      weekday: Type.Integer({ minimum: 0, maximum: 6, description: "0 Monday … 6 Sunday" }),
      hour: Type.Integer({ minimum: 0, maximum: 23 }),
      count: count("Conversations created then"),
    }, closed),
  ),
}, closed);

/** One row of `GET /api/v1/reports/agents`. */
export const ReportAgentRow = Type.Object({
  agentId: Type.String(),
  name: Type.String(),
  conversations: count("Conversations of the period assigned to the agent now"),
  resolved: count(),
  replies: count("Agent replies (anyone's, not notes) in those conversations"),
  firstResponseMedianSeconds: seconds("Over the conversations whose first reply they wrote"),
  resolutionMedianSeconds: seconds("Median resolution time"),
  csatAverage: nullable(Type.Number({ minimum: 1, maximum: 5 })),
  csatCount: count(),
  openNow: count("Open conversations assigned to the agent now, whatever their creation day"),
}, { ...closed, title: "ReportAgentRow" });

/** `GET /api/v1/reports/agents`. */
export const ReportAgents = Type.Object({ agents: Type.Array(ReportAgentRow) }, closed);
