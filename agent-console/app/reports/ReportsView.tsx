/**
 * The Reports view: period and filters, the headline figures, the charts with their tables, the
 * per-agent table and the CSV downloads. Loaded on demand (`mod.ts`, a chunk of its own): most
 * visits to the console never open it. Admins see everyone and pick an agent; an agent sees their
 * own figures (the server enforces it; the view only leaves out the picker).
 *
 * @module
 */

import { useEffect, useMemo, useRef } from "preact/hooks";
import { useSignal } from "@preact/signals";
import { apiRequest } from "../api.ts";
import type { Session } from "../session.ts";
import { Field } from "../components/Field.tsx";
import { decimal, humanDuration, percent } from "./duration.ts";
import { createReportsModel, type ReportData, type ReportsModel } from "./model.ts";
import {
  PERIOD_LABELS,
  type PeriodChoice,
  PERIODS,
  type ReportQuery,
  reportUrl,
} from "./period.ts";
import { Charts } from "./ReportCharts.tsx";
import { AgentsTable } from "./AgentsTable.tsx";

/** Props of {@link ReportsView}. */
export interface ReportsViewProps {
  session: Session;
  /** Back to the conversations. */
  onClose(): void;
  /** The time zone days and hours are counted in (default: the browser's). */
  tz?: string;
}

/** The Reports view (see the module comment). */
export function ReportsView({ session, onClose, tz }: ReportsViewProps) {
  const reports = useMemo(
    () =>
      createReportsModel({
        request: (method, path, body) => apiRequest(method, path, body),
        tz: tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC",
        now: Date.now,
      }),
    [],
  );
  useEffect(() => () => reports[Symbol.dispose](), [reports]);
  // Like opening a conversation: focus goes to the view's heading, so a screen reader says where
  // the agent is and Tab continues from the top of the view.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const isAdmin = session.model.me.value.role === "admin";
  const q = reports.query.value;
  const data = reports.data.value;
  return (
    <section class="reports" aria-labelledby="reports-heading">
      <div class="reports-head">
        <h2 id="reports-heading" tabIndex={-1} ref={heading}>Reports</h2>
        <button type="button" class="button ghost" onClick={onClose}>
          Back to conversations
        </button>
      </div>
      <Filters reports={reports} session={session} isAdmin={isAdmin} />
      <p class="muted report-status" role="status">
        {reports.loading.value ? "Loading…" : data && q ? periodText(q) : ""}
      </p>
      {reports.error.value && (
        <p role="alert" class="report-error">
          {reports.error.value}{" "}
          <button type="button" class="button" onClick={reports.reload}>Try again</button>
        </p>
      )}
      {data && q && (
        <>
          <Figures data={data} q={q} />
          {isAdmin && <TargetForm reports={reports} />}
          <Charts data={data} q={q} />
          <AgentsTable rows={data.agents} csv={reportUrl("agents", q, true)} />
          <p class="report-downloads">
            <a class="button" href={reportUrl("conversations", q, true)} download>
              Conversations (CSV)
            </a>
            <span class="muted">
              One row per conversation with its timings, rating, labels and status.
            </span>
          </p>
        </>
      )}
    </section>
  );
}

function periodText(q: ReportQuery): string {
  return `Figures for ${q.from} to ${q.to} (${q.tz})`;
}

function Filters(
  { reports, session, isAdmin }: { reports: ReportsModel; session: Session; isAdmin: boolean },
) {
  const sites = session.sites.sites.value;
  const agents = [...session.model.agents.value.values()].sort((a, b) =>
    a.name.localeCompare(b.name)
  );
  const labels = reports.labels.value;
  const orNull = (v: string) => (v === "" ? null : v);
  return (
    <form class="report-filters" onSubmit={(e) => e.preventDefault()}>
      <Field label="Period">
        <select
          value={reports.period.value}
          onChange={(e) => reports.setPeriod(e.currentTarget.value as PeriodChoice)}
        >
          {PERIODS.map((p) => <option key={p} value={p}>{PERIOD_LABELS[p]}</option>)}
        </select>
      </Field>
      {reports.period.value === "custom" && (
        <>
          <Field label="From">
            <input
              type="date"
              value={reports.customFrom.value}
              onChange={(e) => (reports.customFrom.value = e.currentTarget.value)}
            />
          </Field>
          <Field label="To">
            <input
              type="date"
              value={reports.customTo.value}
              onChange={(e) => (reports.customTo.value = e.currentTarget.value)}
            />
          </Field>
        </>
      )}
      {sites.length > 1 && (
        <Field label="Site">
          <select
            value={reports.siteId.value ?? ""}
            onChange={(e) => (reports.siteId.value = orNull(e.currentTarget.value))}
          >
            <option value="">All sites</option>
            {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
        </Field>
      )}
      {isAdmin && (
        <Field label="Agent">
          <select
            value={reports.agentId.value ?? ""}
            onChange={(e) => (reports.agentId.value = orNull(e.currentTarget.value))}
          >
            <option value="">Everyone</option>
            {agents.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
        </Field>
      )}
      {labels && (
        <Field label="Label">
          <select
            value={reports.labelId.value ?? ""}
            onChange={(e) => (reports.labelId.value = orNull(e.currentTarget.value))}
          >
            <option value="">All labels</option>
            {labels.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
          </select>
        </Field>
      )}
      {reports.problem.value && <p role="alert" class="report-error">{reports.problem.value}</p>}
    </form>
  );
}

/** The headline figures as a description list of cards. */
function Figures({ data, q }: { data: ReportData; q: ReportQuery }) {
  const s = data.summary;
  const fr = s.firstResponse;
  const cards: [string, string, string?][] = [
    ["Created", String(s.conversations.created)],
    ["Resolved", String(s.conversations.resolved)],
    ["Reopened", String(s.conversations.reopened)],
    ["Missed", String(s.conversations.missed), "left unanswered"],
    ["First response, median", humanDuration(fr.medianSeconds), `${fr.count} answered`],
    ["First response, p90", humanDuration(fr.p90Seconds)],
    [
      "Answered within target",
      percent(fr.withinTargetShare),
      `target ${humanDuration(fr.targetSeconds)}`,
    ],
    [
      "Resolution, median",
      humanDuration(s.resolution.medianSeconds),
      `${s.resolution.count} resolved`,
    ],
    ["Resolution, p90", humanDuration(s.resolution.p90Seconds)],
    ["Replies per conversation", decimal(s.repliesPerConversation)],
    [
      "CSAT average",
      s.csat.average === null ? "—" : `${decimal(s.csat.average)} / 5`,
      `${s.csat.count} ratings`,
    ],
  ];
  return (
    <section class="report-figures" aria-labelledby="report-figures-title">
      <div class="report-chart-head">
        <h3 id="report-figures-title">Summary</h3>
        <a class="button ghost" href={reportUrl("summary", q, true)} download>Summary (CSV)</a>
      </div>
      <dl class="report-cards">
        {cards.map(([name, value, note]) => (
          <div key={name} class="report-card">
            <dt>{name}</dt>
            <dd>
              <span class="report-value">{value}</span>
              {note && <span class="muted report-note">{note}</span>}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** Admins: the first response target the "answered within target" share is measured against. */
function TargetForm({ reports }: { reports: ReportsModel }) {
  const problem = useSignal<string | null>(null);
  const saved = useSignal(false);
  const target = reports.target.value;
  return (
    <form
      class="report-target"
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const seconds = Number(f.get("target"));
        saved.value = false;
        problem.value = await reports.saveTarget(seconds);
        saved.value = problem.value === null;
      }}
    >
      <Field label="First response target (seconds)">
        <input
          name="target"
          type="number"
          min={10}
          max={86400}
          step={1}
          required
          key={target ?? "none"}
          defaultValue={target === null ? "" : String(target)}
        />
      </Field>
      <button type="submit" class="button">Save target</button>
      <span role="status" class="muted">
        {problem.value
          ? ""
          : saved.value && target !== null
          ? `Saved: ${humanDuration(target)}`
          : ""}
      </span>
      {problem.value && <p role="alert" class="report-error">Could not save: {problem.value}</p>}
    </form>
  );
}
