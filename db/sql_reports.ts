/**
 * The reports' SQL (docs/http_api.md "Reports"): aggregates over the conversations created in a
 * period, read from the timings migration 0016 keeps on each conversation row (first visitor
 * message, first reply, business-hours first response, reply count, reopenings), so no report
 * reads messages. The period's bounds are computed in SQL from the days and the zone
 * (`AT TIME ZONE`); a range scan uses `conversations_created_id_idx` (migration 0018), which the
 * planner skips for a long period (most of the table) in favour of one sequential scan. The
 * figures and plans on 100,000 conversations are in docs/bench.md "Reports".
 *
 * Who may see what is decided by the caller (`core/reports/`); this module filters as told.
 *
 * @module
 */

import type { Db, Row } from "./driver.ts";
import { integer, optStr, text } from "./rows.ts";

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

/** Where a page of the conversations export starts: after this conversation. */
export interface ExportCursor {
  /** Its `created_at` (ISO 8601, milliseconds: the column's precision). */
  createdAt: string;
  id: string;
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
 * Collects a statement's parameters: `add` binds one more value and returns its placeholder.
 * Reports build their WHERE from the filters that are set, so a plan never carries the branches
 * of an absent filter: PGlite plans prepared statements generically (`db/pglite_driver.ts`),
 * and an `$n IS NULL OR …` there keeps every branch, and on Postgres it hid the label filter
 * from the planner (a hashed subplan run over 75,000 rows instead of a join from the label's
 * conversations).
 */
class Params {
  readonly values: unknown[] = [];

  /** Binds `value` and returns its placeholder, cast to `type`. */
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

/**
 * The conversations of the period under the filters that are set (`c` is `conversations`): the
 * bounds are half-open instants, the start of `from` and of the day after `to` in the zone.
 * `assignee`: only this agent's conversations (null: anyone's).
 */
function scope(p: Params, f: ReportFilter, assignee: string | null): string {
  const tz = p.add(f.tz, "text");
  const where = [
    `c.created_at >= (${p.add(f.from, "date")}::timestamp AT TIME ZONE ${tz})`,
    `c.created_at < ((${p.add(f.to, "date")} + 1)::timestamp AT TIME ZONE ${tz})`,
    ...others(p, f),
  ];
  if (assignee !== null) where.push(`c.assignee_id = ${p.add(assignee, "text")}`);
  return where.join(" AND ");
}

/** The site and label filters, when set. */
function others(p: Params, f: ReportFilter): string[] {
  const where: string[] = [];
  if (f.sites !== null) where.push(`c.site_id = ANY (${p.add([...f.sites], "text[]")})`);
  // A semi-join the planner may drive from the label's index (a few thousand conversations).
  if (f.labelId !== null) {
    where.push(`c.id IN (SELECT l.conversation_id FROM conversation_labels l
      WHERE l.label_id = ${p.add(f.labelId, "text")})`);
  }
  return where;
}

/** The day of `c.created_at` in the report's zone. */
function localTime(p: Params, f: ReportFilter): string {
  return `(c.created_at AT TIME ZONE ${p.add(f.tz, "text")})`;
}

const RESOLUTION = `CASE WHEN c.status = 'resolved'
  THEN extract(epoch FROM c.resolved_at - c.created_at)::float8 END`;

function summarySql(p: Params, f: ReportFilter, targetSeconds: number): string {
  return `SELECT count(*)::int AS created,
  count(*) FILTER (WHERE c.status = 'resolved')::int AS resolved,
  count(*) FILTER (WHERE c.reopen_count > 0)::int AS reopened,
  count(*) FILTER (WHERE c.agent_replies = 0
    AND (c.status = 'resolved' OR c.created_at < now() - interval '24 hours'))::int AS missed,
  count(c.first_response_seconds)::int AS fr_count,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY c.first_response_seconds) AS fr_median,
  percentile_cont(0.9) WITHIN GROUP (ORDER BY c.first_response_seconds) AS fr_p90,
  count(*) FILTER (WHERE c.first_response_seconds <= ${p.add(targetSeconds, "float8")})::int
    AS within_target,
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
FROM conversations c
WHERE ${scope(p, f, f.agentId)}`;
}

function dailySql(p: Params, f: ReportFilter): string {
  const from = p.add(f.from, "date");
  const to = p.add(f.to, "date");
  return `WITH per_day AS (
  SELECT ${localTime(p, f)}::date AS day,
    count(*)::int AS created,
    count(*) FILTER (WHERE c.status = 'resolved')::int AS resolved,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY c.first_response_seconds) AS fr_median,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY c.first_response_seconds) AS fr_p90,
    avg(c.rating)::float8 AS csat_average,
    count(c.rating)::int AS csat_count
  FROM conversations c
  WHERE ${scope(p, f, f.agentId)}
  GROUP BY 1
)
SELECT to_char(d.day, 'YYYY-MM-DD') AS date, coalesce(p.created, 0) AS created,
  coalesce(p.resolved, 0) AS resolved, p.fr_median, p.fr_p90, p.csat_average,
  coalesce(p.csat_count, 0) AS csat_count
FROM generate_series(${from}::timestamp, ${to}::timestamp, interval '1 day') AS d(day)
LEFT JOIN per_day p ON p.day = d.day::date
ORDER BY d.day`;
}

function heatmapSql(p: Params, f: ReportFilter): string {
  const local = localTime(p, f);
  return `SELECT (extract(isodow FROM ${local})::int - 1) AS weekday,
  extract(hour FROM ${local})::int AS hour,
  count(*)::int AS count
FROM conversations c
WHERE ${scope(p, f, f.agentId)}
GROUP BY 1, 2`;
}

/** The median of a `float8[]` (null when empty). */
const MEDIAN_OF = (array: string) =>
  `(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(${array}) AS x)`;

/**
 * `f.agentId`: only this agent's row (null: everyone's). One scan of the period keeps the few
 * columns the figures need. Each agent's values are gathered into arrays by hashing, and a
 * median is taken of each agent's own array: a median per agent straight from the rows made
 * Postgres sort all the period's rows by agent id first (twice, by assignee and by first
 * replier), a third slower on the benchmark. Open conversations come from the partial index
 * `conversations_open_assignee_idx`, by sites and label only.
 */
function agentsSql(p: Params, f: ReportFilter): string {
  const only = f.agentId === null ? "" : `AND a.id = ${p.add(f.agentId, "text")}`;
  return `WITH conv AS MATERIALIZED (
  SELECT c.assignee_id, c.first_reply_by, c.status = 'resolved' AS resolved, c.agent_replies,
    c.rating, c.first_response_seconds, ${RESOLUTION} AS resolution
  FROM conversations c
  WHERE ${scope(p, f, null)}
), by_assignee AS (
  SELECT c.assignee_id AS agent_id, count(*)::int AS conversations,
    count(*) FILTER (WHERE c.resolved)::int AS resolved,
    coalesce(sum(c.agent_replies), 0)::int AS replies,
    array_agg(c.resolution) FILTER (WHERE c.resolution IS NOT NULL) AS resolutions,
    avg(c.rating)::float8 AS csat_average, count(c.rating)::int AS csat_count
  FROM conv c WHERE c.assignee_id IS NOT NULL GROUP BY 1
), by_replier AS (
  SELECT c.first_reply_by AS agent_id,
    array_agg(c.first_response_seconds) FILTER (WHERE c.first_response_seconds IS NOT NULL)
      AS first_responses
  FROM conv c WHERE c.first_reply_by IS NOT NULL GROUP BY 1
), open_now AS (
  SELECT c.assignee_id AS agent_id, count(*)::int AS open_now
  FROM conversations c
  WHERE ${["c.status = 'open'", "c.assignee_id IS NOT NULL", ...others(p, f)].join(" AND ")}
  GROUP BY 1
)
SELECT a.id AS agent_id, a.name, coalesce(b.conversations, 0) AS conversations,
  coalesce(b.resolved, 0) AS resolved, coalesce(b.replies, 0) AS replies,
  ${MEDIAN_OF("r.first_responses")} AS fr_median, ${MEDIAN_OF("b.resolutions")} AS res_median,
  b.csat_average, coalesce(b.csat_count, 0) AS csat_count, coalesce(o.open_now, 0) AS open_now
FROM agents a
LEFT JOIN by_assignee b ON b.agent_id = a.id
LEFT JOIN by_replier r ON r.agent_id = a.id
LEFT JOIN open_now o ON o.agent_id = a.id
WHERE (b.agent_id IS NOT NULL OR r.agent_id IS NOT NULL OR o.agent_id IS NOT NULL) ${only}
ORDER BY a.name, a.id`;
}

/**
 * An instant as the export writes it, ISO 8601 in UTC with milliseconds (the columns'
 * precision, so the text is exact and serves as the next page's cursor), made by Postgres: the
 * driver then passes text through instead of parsing 150,000 timestamps into dates to write
 * them back out (about 5 % of the export's time).
 */
const ISO_UTC = (col: string) =>
  `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One page of the export: the next `limit` conversations after `after` in (created_at, id)
 * order, a range scan of `conversations_created_id_idx` (migration 0018) that starts where the
 * previous page ended, so every page costs the same whatever its place in the period. Names and
 * labels are looked up for the page's rows only: the visitor by its key (a join let the planner
 * read all visitors for each page), the labels grouped once for the page (a subquery per row
 * cost twice as much).
 */
function conversationsSql(
  p: Params,
  f: ReportFilter,
  after: ExportCursor | null,
  limit: number,
): string {
  const where = [scope(p, f, f.agentId)];
  if (after !== null) {
    where.push(
      `(c.created_at, c.id) > (${p.add(after.createdAt, "timestamptz")}, ${
        p.add(after.id, "text")
      })`,
    );
  }
  return `WITH page AS MATERIALIZED (
  SELECT c.id, c.site_id, c.visitor_id, c.assignee_id, c.created_at, c.first_response_seconds,
    CASE WHEN c.status = 'resolved' THEN c.resolved_at END AS resolved_at,
    ${RESOLUTION} AS resolution_seconds, c.agent_replies, c.rating::int AS rating, c.status
  FROM conversations c
  WHERE ${where.join(" AND ")}
  ORDER BY c.created_at, c.id
  LIMIT ${p.add(limit, "int")}
), labelled AS (
  SELECT cl.conversation_id, string_agg(lb.name, '; ' ORDER BY lower(lb.name)) AS names
  FROM conversation_labels cl JOIN labels lb ON lb.id = cl.label_id
  WHERE cl.conversation_id IN (SELECT id FROM page)
  GROUP BY 1
)
SELECT c.id, s.name AS site, (SELECT v.name FROM visitors v WHERE v.id = c.visitor_id) AS visitor,
  ${ISO_UTC("c.created_at")} AS created_at, c.first_response_seconds,
  ${ISO_UTC("c.resolved_at")} AS resolved_at, c.resolution_seconds,
  a.name AS assignee, c.agent_replies, c.rating, coalesce(l.names, '') AS labels, c.status
FROM page c
JOIN sites s ON s.id = c.site_id
LEFT JOIN agents a ON a.id = c.assignee_id
LEFT JOIN labelled l ON l.conversation_id = c.id
ORDER BY c.created_at, c.id`;
}

/**
 * The settings of a report statement, for its transaction only (`set_config(…, true)` is
 * `SET LOCAL`, one round trip for both). JIT off: a report over a period is costed above
 * `jit_above_cost`, and Postgres then spent longer compiling it than running it (0.8 s of JIT
 * for the label-filtered summary, 2.1 s for the export, on the benchmark's data); the
 * statements are index probes and one scan of narrow rows, which JIT does not speed up.
 * `work_mem` 32 MB: the sorts by day and by agent of a 90-day period (75,000 rows) spilled to
 * disk at the default 4 MB and took longer than the scan; a few reports run at a time.
 */
const SETTINGS = "SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)";

/** The settings row of the first-response target. */
const TARGET_KEY = "reports.first_response_target_seconds";

function num(r: Row, col: string): number | null {
  const v = r[col];
  if (v === null || v === undefined) return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

/** The reports' queries over one database (both backends run the same SQL). */
export class ReportStore {
  readonly #db: Db;

  /** Wraps the driver. */
  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Runs one report statement in a transaction with {@link SETTINGS}, which end with it: the
   * pooled connection keeps its own.
   */
  async #run(build: (p: Params) => string): Promise<Row[]> {
    const p = new Params();
    const sql = build(p);
    return await this.#db.transaction(async (tx) => {
      await tx.query(SETTINGS);
      return await tx.query(sql, p.values);
    });
  }

  /** The summary's figures; `targetSeconds` counts first responses within the target. */
  async summary(f: ReportFilter, targetSeconds: number): Promise<SummaryFigures> {
    const [r] = await this.#run((p) => summarySql(p, f, targetSeconds));
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
    const rows = await this.#run((p) => dailySql(p, f));
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
    const rows = await this.#run((p) => heatmapSql(p, f));
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
    const rows = await this.#run((p) => agentsSql(p, f));
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

  /**
   * One page of the conversations of the period with their timings, oldest first: at most
   * `limit`, after `after` (null: from the start). The next page starts after the last row.
   */
  async conversations(
    f: ReportFilter,
    after: ExportCursor | null,
    limit: number,
  ): Promise<ConversationTimings[]> {
    const rows = await this.#run((p) => conversationsSql(p, f, after, limit));
    return rows.map((r) => ({
      id: text(r, "id"),
      site: text(r, "site"),
      visitor: text(r, "visitor"),
      createdAt: text(r, "created_at"),
      firstResponseSeconds: num(r, "first_response_seconds"),
      resolvedAt: optStr(r, "resolved_at"),
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
