/**
 * The Reports view's state: the chosen period and filters, the four report answers for them, the
 * labels to filter by and the first response target. Signals with actions (like the console's
 * other models) so the components stay dumb; the HTTP call is injected so unit tests need no
 * server.
 *
 * @module
 */

import { computed, createModel, effect, signal } from "@preact/signals";
import type { Label } from "../../../protocol/frames.ts";
import { errorText } from "../api.ts";
import {
  decodeReportAgents,
  decodeReportDays,
  decodeReportHeatCells,
  decodeReportSettings,
  decodeReportSummary,
  type ReportAgentRow,
  type ReportDay,
  type ReportSummary,
} from "../../../protocol/reports.ts";
import { decodeLabels, heatGrid } from "./decode.ts";
import {
  type PeriodChoice,
  presetRange,
  rangeProblem,
  type ReportQuery,
  reportUrl,
} from "./period.ts";

/** What the reports model needs. */
export interface ReportsDeps {
  /** One JSON request (`apiRequest`): the parsed body, or a thrown `ApiError`. */
  request(method: string, path: string, body?: unknown): Promise<unknown>;
  /** The IANA time zone days and hours are counted in (the browser's). */
  tz: string;
  /** The clock, for "last N days". */
  now(): number;
}

/** The four report answers for one query. */
export interface ReportData {
  summary: ReportSummary;
  days: ReportDay[];
  heat: number[][];
  agents: ReportAgentRow[];
}

const ReportsClass = createModel((deps: ReportsDeps) => {
  const period = signal<PeriodChoice>("7");
  const initial = presetRange(7, deps.tz, deps.now());
  const customFrom = signal(initial.from);
  const customTo = signal(initial.to);
  const siteId = signal<string | null>(null);
  const agentId = signal<string | null>(null);
  const labelId = signal<string | null>(null);
  const data = signal<ReportData | null>(null);
  const loading = signal(false);
  const error = signal<string | null>(null);
  /** Labels to filter by; null hides the filter (no labels yet, or no labels endpoint: 404). */
  const labels = signal<Label[] | null>(null);
  const target = signal<number | null>(null);

  /** Why the custom range cannot be asked for, or null. */
  const problem = computed(() =>
    period.value === "custom" ? rangeProblem(customFrom.value, customTo.value) : null
  );
  /** The query the figures are for; null while the custom range is unusable. */
  const query = computed<ReportQuery | null>(() => {
    if (problem.value !== null) return null;
    const range = period.value === "custom"
      ? { from: customFrom.value, to: customTo.value }
      : presetRange(Number(period.value), deps.tz, deps.now());
    return {
      ...range,
      tz: deps.tz,
      siteId: siteId.value,
      agentId: agentId.value,
      labelId: labelId.value,
    };
  });

  let loads = 0;
  /** Asks the four reports for `q`; an older answer arriving late is dropped. */
  async function load(q: ReportQuery): Promise<void> {
    const mine = ++loads;
    loading.value = true;
    try {
      const get = (name: "summary" | "daily" | "heatmap" | "agents") =>
        deps.request("GET", reportUrl(name, q));
      const [s, d, h, a] = await Promise.all([
        get("summary"),
        get("daily"),
        get("heatmap"),
        get("agents"),
      ]);
      if (mine !== loads) return;
      const summary = decodeReportSummary(s);
      data.value = {
        summary,
        days: decodeReportDays(d),
        heat: heatGrid(decodeReportHeatCells(h)),
        agents: decodeReportAgents(a),
      };
      target.value = summary.firstResponse.targetSeconds;
      error.value = null;
    } catch (err) {
      if (mine === loads) error.value = `Could not load the reports: ${errorText(err)}`;
    } finally {
      if (mine === loads) loading.value = false;
    }
  }

  // Every change of period or filter asks again.
  effect(() => {
    const q = query.value;
    if (q !== null) void load(q);
  });

  async function loadLabels(): Promise<void> {
    try {
      const list = decodeLabels(await deps.request("GET", "/api/labels"));
      labels.value = list.length > 0 ? list : null;
    } catch {
      // No labels endpoint on this server (404), or it failed: the filter stays hidden, since
      // the figures are worth showing without it.
      labels.value = null;
    }
  }

  function reload() {
    const q = query.peek();
    if (q !== null) void load(q);
  }
  void loadLabels();

  return {
    period,
    customFrom,
    customTo,
    siteId,
    agentId,
    labelId,
    data,
    loading,
    error,
    labels,
    target,
    problem,
    query,
    /** Chooses a period; "custom" keeps the last custom days. */
    setPeriod(p: PeriodChoice) {
      if (p === "custom" && period.peek() !== "custom") {
        const q = query.peek();
        if (q) [customFrom.value, customTo.value] = [q.from, q.to];
      }
      period.value = p;
    },
    /** Asks the same query again (after an error). */
    reload,
    /**
     * Saves the first response target (admins; `PUT /api/reports/settings`) and reloads the
     * figures, whose share within target depends on it. Returns an error text, or null.
     */
    async saveTarget(seconds: number): Promise<string | null> {
      try {
        const saved = await deps.request("PUT", "/api/reports/settings", {
          firstResponseTargetSeconds: seconds,
        });
        target.value = decodeReportSettings(saved).firstResponseTargetSeconds;
        reload();
        return null;
      } catch (err) {
        return errorText(err);
      }
    },
  };
});

/** The Reports view's model. Dispose with `model[Symbol.dispose]()`. */
export type ReportsModel = InstanceType<typeof ReportsClass>;

/** Creates the Reports view's model; it starts loading at once. */
export function createReportsModel(deps: ReportsDeps): ReportsModel {
  return new ReportsClass(deps);
}
