/**
 * What the reports routes call: decides whose figures an actor may see, then shapes the raw
 * figures of `db/sql_reports.ts` into the answers of `protocol/reports.ts` (or CSV tables; the
 * conversations export streams, `export.ts`).
 *
 * Rights (docs/http_api.md "Reports"): an admin may ask about anyone or everyone; any other
 * agent always gets their own figures (another `agentId` is `forbidden`); an actor limited to
 * sites sees those sites only (another `siteId` is `forbidden`). An API token asks as an admin
 * limited to the token's sites (`routes/api_v1_reports.ts`).
 *
 * @module
 */

import type { AgentRecord } from "../../db/store.ts";
import { DbError } from "../../db/driver.ts";
import type { ReportFilter, ReportStore } from "../../db/sql_reports.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import {
  FIRST_RESPONSE_TARGET,
  type ReportAgentRow,
  type ReportDay,
  type ReportHeatCell,
  type ReportSettings,
  type ReportSummary,
} from "../../protocol/reports.ts";
import { requireAdmin } from "../accounts/agents.ts";
import { ParleyError } from "../errors.ts";
import { siteLimit } from "../chat/site_access.ts";
import type { ReportParams } from "./params.ts";
import { type CsvCell, toCsv } from "./csv.ts";
import { conversationsCsv } from "./export.ts";

/** A CSV table: its file name's report part, header and rows. */
export interface CsvTable {
  name: string;
  header: string[];
  rows: CsvCell[][];
}

/**
 * Who asks for a report: an agent ({@link agentReportActor}), or an API token acting as an admin
 * over its sites (`routes/api_v1_reports.ts`). `siteLimit`: the sites they may see, empty for
 * every site.
 */
export interface ReportActor {
  id: string;
  role: AgentRecord["role"];
  siteLimit: readonly string[];
}

/**
 * An agent as a report actor: their sites limit them as everywhere else ({@link siteLimit}), so
 * an admin is never limited, whatever sites are stored on them.
 */
export function agentReportActor(agent: AgentRecord): ReportActor {
  return { id: agent.id, role: agent.role, siteLimit: siteLimit(agent) };
}

/** Collaborators of {@link ReportService}. */
export interface ReportServiceDeps {
  reports: ReportStore;
  /** Records an admin action after it committed (the audit log). */
  audit: (actor: AgentRecord, details: Record<string, number>) => Promise<unknown>;
}

const secs = (n: number | null): number | null => n === null ? null : Math.round(n);
const round = (n: number | null, places: number): number | null =>
  n === null ? null : Math.round(n * 10 ** places) / 10 ** places;

/** Summary, daily, heat map, agents, the conversations export and the target setting. */
export class ReportService {
  readonly #deps: ReportServiceDeps;

  /** Creates the service. */
  constructor(deps: ReportServiceDeps) {
    this.#deps = deps;
  }

  /** The filter `actor` may run for `p`, or `forbidden`. */
  filterFor(actor: ReportActor, p: ReportParams): ReportFilter {
    const admin = actor.role === "admin";
    if (!admin && p.agentId !== null && p.agentId !== actor.id) {
      throw new ParleyError(ErrorCode.Forbidden, "Agents see their own figures only", {
        field: "agentId",
      });
    }
    const limited = actor.siteLimit.length > 0;
    if (limited && p.siteId !== null && !actor.siteLimit.includes(p.siteId)) {
      throw new ParleyError(ErrorCode.Forbidden, "Not one of your sites", { field: "siteId" });
    }
    const sites = p.siteId !== null ? [p.siteId] : limited ? [...actor.siteLimit] : null;
    return {
      from: p.from,
      to: p.to,
      tz: p.tz,
      sites,
      agentId: admin ? p.agentId : actor.id,
      labelId: p.labelId,
    };
  }

  /** `GET /api/reports/summary`. */
  async summary(actor: ReportActor, p: ReportParams): Promise<ReportSummary> {
    const f = this.filterFor(actor, p);
    const target = await this.#target();
    const s = await zoneErrors(this.#deps.reports.summary(f, target));
    const [r1, r2, r3, r4, r5] = s.csat;
    return {
      period: { from: f.from, to: f.to, tz: f.tz },
      conversations: {
        created: s.created,
        resolved: s.resolved,
        reopened: s.reopened,
        missed: s.missed,
      },
      firstResponse: {
        count: s.firstResponseCount,
        medianSeconds: secs(s.firstResponseMedian),
        p90Seconds: secs(s.firstResponseP90),
        targetSeconds: target,
        withinTargetShare: s.firstResponseCount === 0
          ? null
          : round(s.withinTarget / s.firstResponseCount, 4),
      },
      resolution: {
        count: s.resolved,
        medianSeconds: secs(s.resolutionMedian),
        p90Seconds: secs(s.resolutionP90),
      },
      repliesPerConversation: s.replied === 0 ? null : round(s.replies / s.replied, 2),
      csat: {
        count: s.csatCount,
        average: round(s.csatAverage, 2),
        distribution: { "1": r1, "2": r2, "3": r3, "4": r4, "5": r5 },
      },
    };
  }

  /** `GET /api/reports/daily`. */
  async daily(actor: ReportActor, p: ReportParams): Promise<ReportDay[]> {
    const days = await zoneErrors(this.#deps.reports.daily(this.filterFor(actor, p)));
    return days.map((d) => ({
      date: d.date,
      created: d.created,
      resolved: d.resolved,
      firstResponseMedianSeconds: secs(d.firstResponseMedian),
      firstResponseP90Seconds: secs(d.firstResponseP90),
      csatAverage: round(d.csatAverage, 2),
      csatCount: d.csatCount,
    }));
  }

  /** `GET /api/reports/heatmap`: all 7 × 24 cells, Monday 00h first. */
  async heatmap(actor: ReportActor, p: ReportParams): Promise<ReportHeatCell[]> {
    const found = await zoneErrors(this.#deps.reports.heatmap(this.filterFor(actor, p)));
    const counts = new Map(found.map((c) => [c.weekday * 24 + c.hour, c.count]));
    const cells: ReportHeatCell[] = [];
    for (let weekday = 0; weekday < 7; weekday++) {
      for (let hour = 0; hour < 24; hour++) {
        cells.push({ weekday, hour, count: counts.get(weekday * 24 + hour) ?? 0 });
      }
    }
    return cells;
  }

  /** `GET /api/reports/agents`. */
  async agents(actor: ReportActor, p: ReportParams): Promise<ReportAgentRow[]> {
    const rows = await zoneErrors(this.#deps.reports.agents(this.filterFor(actor, p)));
    return rows.map((a) => ({
      agentId: a.agentId,
      name: a.name,
      conversations: a.conversations,
      resolved: a.resolved,
      replies: a.replies,
      firstResponseMedianSeconds: secs(a.firstResponseMedian),
      resolutionMedianSeconds: secs(a.resolutionMedian),
      csatAverage: round(a.csatAverage, 2),
      csatCount: a.csatCount,
      openNow: a.openNow,
    }));
  }

  /**
   * `GET /api/reports/conversations` (CSV only): the export as CSV chunks, read a page at a time
   * as they are taken (`export.ts`).
   */
  async conversationsCsv(actor: ReportActor, p: ReportParams): Promise<AsyncIterable<string>> {
    return await zoneErrors(conversationsCsv(this.#deps.reports, this.filterFor(actor, p)));
  }

  /** The stored settings (any agent: the console shows the target beside the share). */
  async settings(): Promise<ReportSettings> {
    return { firstResponseTargetSeconds: await this.#target() };
  }

  /** Changes the settings (admins), recorded in the audit log as `reports.settings`. */
  async updateSettings(actor: AgentRecord, next: ReportSettings): Promise<ReportSettings> {
    requireAdmin(actor);
    await this.#deps.reports.setFirstResponseTarget(next.firstResponseTargetSeconds);
    await this.#deps.audit(actor, { firstResponseTargetSeconds: next.firstResponseTargetSeconds });
    return next;
  }

  async #target(): Promise<number> {
    return (await this.#deps.reports.firstResponseTarget()) ?? FIRST_RESPONSE_TARGET.default;
  }
}

/**
 * A zone `Intl` knows but Postgres does not (their databases may differ by a release) is the
 * caller's bad `tz`, not a server fault.
 */
async function zoneErrors<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof DbError && err.code === "22023") {
      throw new ParleyError(ErrorCode.BadFrame, "tz must be an IANA time zone", {
        field: "tz",
        cause: err,
      });
    }
    throw err;
  }
}

/** The summary as a `metric,value` table. */
export function summaryTable(s: ReportSummary): CsvTable {
  const rows: CsvCell[][] = [
    ["conversations_created", s.conversations.created],
    ["conversations_resolved", s.conversations.resolved],
    ["conversations_reopened", s.conversations.reopened],
    ["conversations_missed", s.conversations.missed],
    ["first_response_count", s.firstResponse.count],
    ["first_response_median_seconds", s.firstResponse.medianSeconds],
    ["first_response_p90_seconds", s.firstResponse.p90Seconds],
    ["first_response_target_seconds", s.firstResponse.targetSeconds],
    ["first_response_within_target_share", s.firstResponse.withinTargetShare],
    ["resolution_count", s.resolution.count],
    ["resolution_median_seconds", s.resolution.medianSeconds],
    ["resolution_p90_seconds", s.resolution.p90Seconds],
    ["replies_per_conversation", s.repliesPerConversation],
    ["csat_count", s.csat.count],
    ["csat_average", s.csat.average],
  ];
  for (const k of ["1", "2", "3", "4", "5"] as const) {
    rows.push([`csat_${k}`, s.csat.distribution[k]]);
  }
  return { name: "summary", header: ["metric", "value"], rows };
}

/** The daily report as a table. */
export function dailyTable(days: ReportDay[]): CsvTable {
  return {
    name: "daily",
    header: [
      "date",
      "created",
      "resolved",
      "first_response_median_seconds",
      "first_response_p90_seconds",
      "csat_average",
      "csat_count",
    ],
    rows: days.map((d) => [
      d.date,
      d.created,
      d.resolved,
      d.firstResponseMedianSeconds,
      d.firstResponseP90Seconds,
      d.csatAverage,
      d.csatCount,
    ]),
  };
}

/** The heat map as a table. */
export function heatmapTable(cells: ReportHeatCell[]): CsvTable {
  return {
    name: "heatmap",
    header: ["weekday", "hour", "count"],
    rows: cells.map((c) => [c.weekday, c.hour, c.count]),
  };
}

/** The per-agent report as a table. */
export function agentsTable(agents: ReportAgentRow[]): CsvTable {
  return {
    name: "agents",
    header: [
      "agent_id",
      "name",
      "conversations",
      "resolved",
      "replies",
      "first_response_median_seconds",
      "resolution_median_seconds",
      "csat_average",
      "csat_count",
      "open_now",
    ],
    rows: agents.map((a) => [
      a.agentId,
      a.name,
      a.conversations,
      a.resolved,
      a.replies,
      a.firstResponseMedianSeconds,
      a.resolutionMedianSeconds,
      a.csatAverage,
      a.csatCount,
      a.openNow,
    ]),
  };
}

/** A table as a CSV document. */
export function tableCsv(t: CsvTable): string {
  return toCsv(t.header, t.rows);
}
