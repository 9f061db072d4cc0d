/**
 * The reports' answers (`GET /api/reports/...`, docs/http_api.md "Reports"), shared by the server
 * and the console's Reports view. Durations are whole seconds; a median, p90, average or share is
 * null when no conversation counts towards it.
 *
 * @module
 */

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
