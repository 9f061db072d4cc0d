/**
 * The Reports view's four charts (volume, first response, CSAT per day, heat map) and the CSAT
 * distribution, each with its table and CSV download.
 *
 * @module
 */

import { BarChart, ChartFigure, HeatMap, Legend, LineChart, WEEKDAY_NAMES } from "./charts.tsx";
import type { ReportData } from "./model.ts";
import { decimal, humanDuration } from "./duration.ts";
import { type ReportQuery, reportUrl, shortDay } from "./period.ts";

/** A compact duration for an axis tick ("90 s", "5 min", "1.5 h"). */
function axisDuration(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${decimal(s / 3600)} h`;
}

/** A round duration ≥ `max` for the top of a time axis, so its ticks read "5 min", "1 h". */
function durationTop(max: number): number {
  for (const s of [60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400, 28_800, 86_400]) {
    if (s >= max) return s;
  }
  return Math.ceil(max / 86_400) * 86_400;
}

function Csv({ href, name }: { href: string; name: string }) {
  return <a class="button ghost" href={href} download>{name} (CSV)</a>;
}

const MEDIAN = { name: "Median", class: "chart-s1" };
const P90 = { name: "90th percentile", class: "chart-s2" };

/** The charts for one answer. */
export function Charts({ data, q }: { data: ReportData; q: ReportQuery }) {
  const { days, heat } = data;
  const xs = days.map((d) => shortDay(d.date));
  const dailyCsv = <Csv href={reportUrl("daily", q, true)} name="Daily figures" />;
  const created = days.reduce((n, d) => n + d.created, 0);
  const busiest = days.reduce<typeof days[number] | null>(
    (b, d) => (b === null || d.created > b.created ? d : b),
    null,
  );
  const heatTotal = heat.flat().reduce((a, b) => a + b, 0);
  let peak = { d: 0, h: 0, n: -1 };
  heat.forEach((row, d) => row.forEach((n, h) => n > peak.n && (peak = { d, h, n })));
  const dist = data.summary.csat.distribution;
  const stars = [1, 2, 3, 4, 5] as const;
  return (
    <div class="report-charts">
      <ChartFigure
        id="chart-volume"
        title="New conversations per day"
        actions={dailyCsv}
        table={
          <table>
            <caption class="sr-only">New and resolved conversations per day</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">New</th>
                <th scope="col">Resolved</th>
              </tr>
            </thead>
            <tbody>
              {days.map((d) => (
                <tr key={d.date}>
                  <th scope="row">{d.date}</th>
                  <td>{d.created}</td>
                  <td>{d.resolved}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      >
        <BarChart
          label={`Bar chart: ${created} new conversations over ${days.length} days` +
            (busiest && busiest.created > 0
              ? `, most on ${busiest.date} (${busiest.created})`
              : "")}
          xs={xs}
          values={days.map((d) => d.created)}
          xTitle="Day"
          yTitle="Conversations"
        />
      </ChartFigure>

      <ChartFigure
        id="chart-first-response"
        title="First response time per day"
        legend={<Legend series={[MEDIAN, P90]} />}
        table={
          <table>
            <caption class="sr-only">
              First response time per day, median and 90th percentile
            </caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Median</th>
                <th scope="col">90th percentile</th>
              </tr>
            </thead>
            <tbody>
              {days.map((d) => (
                <tr key={d.date}>
                  <th scope="row">{d.date}</th>
                  <td>{humanDuration(d.firstResponseMedianSeconds)}</td>
                  <td>{humanDuration(d.firstResponseP90Seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      >
        <LineChart
          label={`Line chart of the median and 90th percentile first response time per day; overall median ${
            humanDuration(data.summary.firstResponse.medianSeconds)
          }, 90th percentile ${humanDuration(data.summary.firstResponse.p90Seconds)}`}
          xs={xs}
          series={[
            { ...MEDIAN, values: days.map((d) => d.firstResponseMedianSeconds) },
            { ...P90, values: days.map((d) => d.firstResponseP90Seconds) },
          ]}
          xTitle="Day"
          yTitle="First response"
          format={axisDuration}
          top={durationTop(
            Math.max(
              0,
              ...days.flatMap((
                d,
              ) => [d.firstResponseP90Seconds ?? 0, d.firstResponseMedianSeconds ?? 0]),
            ),
          )}
        />
      </ChartFigure>

      <ChartFigure
        id="chart-csat"
        title="Customer satisfaction per day"
        table={
          <table>
            <caption class="sr-only">Average rating and number of ratings per day</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Average rating</th>
                <th scope="col">Ratings</th>
              </tr>
            </thead>
            <tbody>
              {days.map((d) => (
                <tr key={d.date}>
                  <th scope="row">{d.date}</th>
                  <td>{decimal(d.csatAverage)}</td>
                  <td>{d.csatCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      >
        <LineChart
          label={`Line chart of the average rating per day, out of 5; overall ${
            decimal(data.summary.csat.average)
          } from ${data.summary.csat.count} ratings`}
          xs={xs}
          series={[{
            name: "Average rating",
            class: "chart-s1",
            values: days.map((d) => d.csatAverage),
          }]}
          xTitle="Day"
          yTitle="Average rating"
          format={(v) => decimal(v)}
          top={5}
        />
      </ChartFigure>

      <ChartFigure
        id="chart-csat-distribution"
        title="Ratings by stars"
        table={
          <table>
            <caption class="sr-only">Number of ratings by stars</caption>
            <thead>
              <tr>
                <th scope="col">Stars</th>
                <th scope="col">Ratings</th>
              </tr>
            </thead>
            <tbody>
              {stars.map((s) => (
                <tr key={s}>
                  <th scope="row">{s}</th>
                  <td>{dist[s]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      >
        <BarChart
          label={`Bar chart of ratings by stars: ${
            stars.map((s) => `${dist[s]} × ${s}`).join(", ")
          }`}
          xs={stars.map((s) => `${s} ★`)}
          values={stars.map((s) => dist[s])}
          xTitle="Stars"
          yTitle="Ratings"
        />
      </ChartFigure>

      <ChartFigure
        id="chart-heatmap"
        title="New conversations by weekday and hour"
        actions={<Csv href={reportUrl("heatmap", q, true)} name="Heat map" />}
        table={
          <table class="heat-table">
            <caption class="sr-only">
              New conversations by weekday (rows) and hour (columns)
            </caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                {heat[0].map((_, h) => <th key={h} scope="col">{h}</th>)}
              </tr>
            </thead>
            <tbody>
              {heat.map((row, d) => (
                <tr key={d}>
                  <th scope="row">{WEEKDAY_NAMES[d]}</th>
                  {row.map((n, h) => <td key={h}>{n}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        }
      >
        <HeatMap
          label={`Heat map of ${heatTotal} new conversations by weekday and hour` +
            (peak.n > 0 ? `; busiest ${WEEKDAY_NAMES[peak.d]} ${peak.h}:00 (${peak.n})` : "")}
          grid={heat}
        />
      </ChartFigure>
    </div>
  );
}
