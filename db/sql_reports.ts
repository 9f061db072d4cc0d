/**
 * The reports' SQL (docs/http_api.md "Reports"): aggregates over the conversations created in a
 * period, read from the timings migration 0016 keeps on each conversation row (first visitor
 * message, first reply, business-hours first response, reply count, reopenings), so no report
 * reads messages. The period's bounds are computed in SQL from the days and the zone
 * (`AT TIME ZONE`), and the range scan uses `conversations_created_idx`.
 *
 * Who may see what is decided by the caller (`core/reports/`); this module filters as told.
 *
 * @module
 */

import type { Db, Row } from "./driver.ts";
import { integer, optStr, optTs, text, ts } from "./rows.ts";

/** The conversations a report covers. */
export interface ReportFilter {
  /** First day, `YYYY-MM-DD` (inclusive). */
  from: string;
  /** Last day, `YYYY-MM-DD` (inclusive). */
  to: string;
  /** IANA zone of the days (and of the heat map's hours). */
  tz: string;
  /** Only these sites; null: every site. */
  sites: readonly string[] | null;
  /** Only conversations assigned to this agent; null: anyone's. */
  agentId: string | null;
  /** Only conversations with this label; null: any. */
  labelId: string | null;
}

/** The raw figures of the summary, before rounding. */
export interface SummaryFigures {
  created: number;
  resolved: number;
  reopened: number;
  missed: number;
  firstResponseCount: number;
  firstResponseMedian: number | null;
  firstResponseP90: number | null;
  withinTarget: number;
  resolutionMedian: number | null;
  resolutionP90: number | null;
  replies: number;
  replied: number;
  csatCount: number;
  csatAverage: number | null;
  csat: [number, number, number, number, number];
}

/** One day's raw figures. */
export interface DayFigures {
  date: string;
  created: number;
  resolved: number;
  firstResponseMedian: number | null;
  firstResponseP90: number | null;
  csatAverage: number | null;
  csatCount: number;
}

/** One agent's raw figures. */
export interface AgentFigures {
  agentId: string;
  name: string;
  conversations: number;
  resolved: number;
  replies: number;
  firstResponseMedian: number | null;
  resolutionMedian: number | null;
  csatAverage: number | null;
  csatCount: number;
  openNow: number;
}

/** One conversation of the conversations export. */
export interface ConversationTimings {
  id: string;
  site: string;
  visitor: string;
  createdAt: string;
  firstResponseSeconds: number | null;
  resolvedAt: string | null;
  resolutionSeconds: number | null;
  assignee: string | null;
  replies: number;
  rating: number | null;
  labels: string;
  status: string;
}

/**
 * `$1` from day, `$2` to day, `$3` zone, `$4` sites (null: all), `$5` label (null: any). The
 * bounds are half-open instants: the start of `from` and of the day after `to`, in the zone.
 */
const SCOPE = `
  c.created_at >= ($1::date::timestamp AT TIME ZONE $3::text)
  AND c.created_at < (($2::date + 1)::timestamp AT TIME ZONE $3::text)
  AND ($4::text[] IS NULL OR c.site_id = ANY ($4::text[]))
  AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM conversation_labels l
    WHERE l.conversation_id = c.id AND l.label_id = $5::text))`;

/** {@link SCOPE} plus `$6` assignee (null: anyone's). */
const PERIOD = `WITH conv AS (
  SELECT c.* FROM conversations c
  WHERE ${SCOPE} AND ($6::text IS NULL OR c.assignee_id = $6::text)
)`;

const RESOLUTION = `CASE WHEN c.status = 'resolved'
  THEN extract(epoch FROM c.resolved_at - c.created_at)::float8 END`;

const SUMMARY = `${PERIOD}
SELECT count(*)::int AS created,
  count(*) FILTER (WHERE c.status = 'resolved')::int AS resolved,
  count(*) FILTER (WHERE c.reopen_count > 0)::int AS reopened,
  count(*) FILTER (WHERE c.agent_replies = 0
    AND (c.status = 'resolved' OR c.created_at < now() - interval '24 hours'))::int AS missed,
  count(c.first_response_seconds)::int AS fr_count,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY c.first_response_seconds) AS fr_median,
  percentile_cont(0.9) WITHIN GROUP (ORDER BY c.first_response_seconds) AS fr_p90,
  count(*) FILTER (WHERE c.first_response_seconds <= $7::float8)::int AS within_target,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY ${RESOLUTION}) AS res_median,
  percentile_cont(0.9) WITHIN GROUP (ORDER BY ${RESOLUTION}) AS res_p90,
  coalesce(sum(c.agent_replies), 0)::int AS replies,
  count(*) FILTER (WHERE c.agent_replies > 0)::int AS replied,
  count(c.rating)::int AS csat_count,
  avg(c.rating)::float8 AS csat_average,
  count(*) FILTER (WHERE c.rating = 1)::int AS r1,
  count(*) FILTER (WHERE c.rating = 2)::int AS r2,
  count(*) FILTER (WHERE c.rating = 3)::int AS r3,
  count(*) FILTER (WHERE c.rating = 4)::int AS r4,
  count(*) FILTER (WHERE c.rating = 5)::int AS r5
FROM conv c`;

const DAILY = `${PERIOD}, per_day AS (
  SELECT (c.created_at AT TIME ZONE $3::text)::date AS day,
    count(*)::int AS created,
    count(*) FILTER (WHERE c.status = 'resolved')::int AS resolved,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY c.first_response_seconds) AS fr_median,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY c.first_response_seconds) AS fr_p90,
    avg(c.rating)::float8 AS csat_average,
    count(c.rating)::int AS csat_count
  FROM conv c GROUP BY 1
)
SELECT to_char(d.day, 'YYYY-MM-DD') AS date, coalesce(p.created, 0) AS created,
  coalesce(p.resolved, 0) AS resolved, p.fr_median, p.fr_p90, p.csat_average,
  coalesce(p.csat_count, 0) AS csat_count
FROM generate_series($1::date::timestamp, $2::date::timestamp, interval '1 day') AS d(day)
LEFT JOIN per_day p ON p.day = d.day::date
ORDER BY d.day`;

const HEATMAP = `${PERIOD}
SELECT (extract(isodow FROM c.created_at AT TIME ZONE $3::text)::int - 1) AS weekday,
  extract(hour FROM c.created_at AT TIME ZONE $3::text)::int AS hour,
  count(*)::int AS count
FROM conv c GROUP BY 1, 2`;

/** `$6` only this agent's row (null: everyone's). Open conversations: sites and label only. */
const AGENTS = `WITH conv AS (
  SELECT c.* FROM conversations c WHERE ${SCOPE}
), by_assignee AS (
  SELECT c.assignee_id AS agent_id, count(*)::int AS conversations,
    count(*) FILTER (WHERE c.status = 'resolved')::int AS resolved,
    coalesce(sum(c.agent_replies), 0)::int AS replies,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY ${RESOLUTION}) AS res_median,
    avg(c.rating)::float8 AS csat_average, count(c.rating)::int AS csat_count
  FROM conv c WHERE c.assignee_id IS NOT NULL GROUP BY 1
), by_replier AS (
  SELECT c.first_reply_by AS agent_id,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY c.first_response_seconds) AS fr_median
  FROM conv c WHERE c.first_reply_by IS NOT NULL GROUP BY 1
), open_now AS (
  SELECT c.assignee_id AS agent_id, count(*)::int AS open_now
  FROM conversations c
  WHERE c.status = 'open' AND c.assignee_id IS NOT NULL
    AND ($4::text[] IS NULL OR c.site_id = ANY ($4::text[]))
    AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM conversation_labels l
      WHERE l.conversation_id = c.id AND l.label_id = $5::text))
  GROUP BY 1
)
SELECT a.id AS agent_id, a.name, coalesce(b.conversations, 0) AS conversations,
  coalesce(b.resolved, 0) AS resolved, coalesce(b.replies, 0) AS replies,
  r.fr_median, b.res_median, b.csat_average, coalesce(b.csat_count, 0) AS csat_count,
  coalesce(o.open_now, 0) AS open_now
FROM agents a
LEFT JOIN by_assignee b ON b.agent_id = a.id
LEFT JOIN by_replier r ON r.agent_id = a.id
LEFT JOIN open_now o ON o.agent_id = a.id
WHERE (b.agent_id IS NOT NULL OR r.agent_id IS NOT NULL OR o.agent_id IS NOT NULL)
  AND ($6::text IS NULL OR a.id = $6::text)
ORDER BY a.name, a.id`;

const CONVERSATIONS = `${PERIOD}
SELECT c.id, s.name AS site, v.name AS visitor, c.created_at, c.first_response_seconds,
  CASE WHEN c.status = 'resolved' THEN c.resolved_at END AS resolved_at,
  ${RESOLUTION} AS resolution_seconds, a.name AS assignee, c.agent_replies, c.rating::int AS rating,
  coalesce((SELECT string_agg(lb.name, '; ' ORDER BY lower(lb.name))
    FROM conversation_labels cl JOIN labels lb ON lb.id = cl.label_id
    WHERE cl.conversation_id = c.id), '') AS labels,
  c.status
FROM conv c
JOIN sites s ON s.id = c.site_id
JOIN visitors v ON v.id = c.visitor_id
LEFT JOIN agents a ON a.id = c.assignee_id
ORDER BY c.created_at, c.id
LIMIT $7::int`;

/** The settings row of the first-response target. */
const TARGET_KEY = "reports.first_response_target_seconds";

function num(r: Row, col: string): number | null {
  const v = r[col];
  if (v === null || v === undefined) return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

function params(f: ReportFilter, agentId: string | null): unknown[] {
  return [f.from, f.to, f.tz, f.sites === null ? null : [...f.sites], f.labelId, agentId];
}

/** The reports' queries over one database (both backends run the same SQL). */
export class ReportStore {
  readonly #db: Db;

  /** Wraps the driver. */
  constructor(db: Db) {
    this.#db = db;
  }

  /** The summary's figures; `targetSeconds` counts first responses within the target. */
  async summary(f: ReportFilter, targetSeconds: number): Promise<SummaryFigures> {
    const [r] = await this.#db.query(SUMMARY, [...params(f, f.agentId), targetSeconds]);
    return {
      created: integer(r, "created"),
      resolved: integer(r, "resolved"),
      reopened: integer(r, "reopened"),
      missed: integer(r, "missed"),
      firstResponseCount: integer(r, "fr_count"),
      firstResponseMedian: num(r, "fr_median"),
      firstResponseP90: num(r, "fr_p90"),
      withinTarget: integer(r, "within_target"),
      resolutionMedian: num(r, "res_median"),
      resolutionP90: num(r, "res_p90"),
      replies: integer(r, "replies"),
      replied: integer(r, "replied"),
      csatCount: integer(r, "csat_count"),
      csatAverage: num(r, "csat_average"),
      csat: [
        integer(r, "r1"),
        integer(r, "r2"),
        integer(r, "r3"),
        integer(r, "r4"),
        integer(r, "r5"),
      ],
    };
  }

  /** Every day of the period, in order, empty days included. */
  async daily(f: ReportFilter): Promise<DayFigures[]> {
    const rows = await this.#db.query(DAILY, params(f, f.agentId));
    return rows.map((r) => ({
      date: text(r, "date"),
      created: integer(r, "created"),
      resolved: integer(r, "resolved"),
      firstResponseMedian: num(r, "fr_median"),
      firstResponseP90: num(r, "fr_p90"),
      csatAverage: num(r, "csat_average"),
      csatCount: integer(r, "csat_count"),
    }));
  }

  /** New conversations per (weekday 0 Monday, hour), the non-empty cells only. */
  async heatmap(f: ReportFilter): Promise<{ weekday: number; hour: number; count: number }[]> {
    const rows = await this.#db.query(HEATMAP, params(f, f.agentId));
    return rows.map((r) => ({
      weekday: integer(r, "weekday"),
      hour: integer(r, "hour"),
      count: integer(r, "count"),
    }));
  }

  /**
   * Per-agent figures: every agent with conversations of the period assigned, a first reply in
   * them, or open conversations now; `f.agentId` keeps that agent's row only.
   */
  async agents(f: ReportFilter): Promise<AgentFigures[]> {
    const rows = await this.#db.query(AGENTS, params(f, f.agentId));
    return rows.map((r) => ({
      agentId: text(r, "agent_id"),
      name: text(r, "name"),
      conversations: integer(r, "conversations"),
      resolved: integer(r, "resolved"),
      replies: integer(r, "replies"),
      firstResponseMedian: num(r, "fr_median"),
      resolutionMedian: num(r, "res_median"),
      csatAverage: num(r, "csat_average"),
      csatCount: integer(r, "csat_count"),
      openNow: integer(r, "open_now"),
    }));
  }

  /** The conversations of the period with their timings, oldest first, at most `limit`. */
  async conversations(f: ReportFilter, limit: number): Promise<ConversationTimings[]> {
    const rows = await this.#db.query(CONVERSATIONS, [...params(f, f.agentId), limit]);
    return rows.map((r) => ({
      id: text(r, "id"),
      site: text(r, "site"),
      visitor: text(r, "visitor"),
      createdAt: ts(r, "created_at"),
      firstResponseSeconds: num(r, "first_response_seconds"),
      resolvedAt: optTs(r, "resolved_at"),
      resolutionSeconds: num(r, "resolution_seconds"),
      assignee: optStr(r, "assignee"),
      replies: integer(r, "agent_replies"),
      rating: num(r, "rating"),
      labels: text(r, "labels"),
      status: text(r, "status"),
    }));
  }

  /** The stored first-response target in seconds, or null when never set. */
  async firstResponseTarget(): Promise<number | null> {
    const rows = await this.#db.query("SELECT value FROM settings WHERE key = $1", [TARGET_KEY]);
    if (rows.length === 0) return null;
    const n = Number(text(rows[0], "value"));
    return Number.isInteger(n) ? n : null;
  }

  /** Stores the first-response target. */
  async setFirstResponseTarget(seconds: number): Promise<void> {
    await this.#db.query(
      `INSERT INTO settings (key, value) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [TARGET_KEY, String(seconds)],
    );
  }
}
