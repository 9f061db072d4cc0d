/**
 * The per-agent table of the Reports view: who handled how much, how fast, and how customers
 * rated it; "open now" shows who is loaded at this moment.
 *
 * @module
 */

import type { ReportAgentRow } from "../../../protocol/reports.ts";
import { decimal, humanDuration } from "./duration.ts";

/** The per-agent table with its CSV download. */
export function AgentsTable({ rows, csv }: { rows: ReportAgentRow[]; csv: string }) {
  return (
    <section class="report-agents panel" aria-labelledby="report-agents-title">
      <div class="report-chart-head">
        <h3 id="report-agents-title">Agents</h3>
        <a class="button ghost" href={csv} download>Agents (CSV)</a>
      </div>
      {rows.length === 0
        ? <p class="muted">No agent activity in this period.</p>
        : (
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">Conversations</th>
                  <th scope="col">Resolved</th>
                  <th scope="col">Replies</th>
                  <th scope="col">First response (median)</th>
                  <th scope="col">Resolution (median)</th>
                  <th scope="col">CSAT</th>
                  <th scope="col">Open now</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.agentId}>
                    <th scope="row">{r.name}</th>
                    <td>{r.conversations}</td>
                    <td>{r.resolved}</td>
                    <td>{r.replies}</td>
                    <td>{humanDuration(r.firstResponseMedianSeconds)}</td>
                    <td>{humanDuration(r.resolutionMedianSeconds)}</td>
                    <td>
                      {r.csatAverage === null ? "—" : `${decimal(r.csatAverage)} (${r.csatCount})`}
                    </td>
                    <td>{r.openNow}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}
