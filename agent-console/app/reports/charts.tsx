/**
 * The Reports view's charts, drawn as plain SVG (no charting library: four small chart kinds do
 * not earn a dependency). Each chart is a `<figure>` with a title, axis titles, a short text
 * summary as the image's name, and its data as a `<table>` under "Show as table", so a screen
 * reader or a keyboard user gets every figure the picture shows. Colours come from CSS variables
 * (`--chart-*` in styles.css) so light and dark schemes each get readable ones; the p90 line is
 * also dashed, so the two lines differ without colour.
 *
 * @module
 */

import type { ComponentChildren } from "preact";

const W = 480;
const H = 210;
const M = { left: 68, right: 10, top: 12, bottom: 44 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

/** A round number ≥ `max` for the top of an axis (1, 2 or 5 × 10^k; at least 1). */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** A chart with its title and table equivalent (its text summary is the SVG's name). */
export function ChartFigure(props: {
  id: string;
  title: string;
  table: ComponentChildren;
  children: ComponentChildren;
  legend?: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <figure class="report-chart panel" aria-labelledby={`${props.id}-title`}>
      <figcaption class="report-chart-head">
        <h3 id={`${props.id}-title`}>{props.title}</h3>
        {props.actions}
      </figcaption>
      {props.legend}
      {props.children}
      <details class="report-table">
        <summary>Show as table</summary>
        <div class="table-scroll">{props.table}</div>
      </details>
    </figure>
  );
}

/**
 * Indexes of the x-axis labels: every `step`-th point from the first, `step` the smallest whole
 * number giving at most `max` labels, so the labels are evenly spaced days (a fractional step
 * rounded would drop one day of seven and keep its neighbours).
 */
export function labelIndexes(n: number, max = 7): number[] {
  const step = Math.max(1, Math.ceil(n / max));
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(i);
  return out;
}

/** Axis lines, y ticks with their labels, x labels and both axis titles. */
function Axes(props: {
  top: number;
  format(v: number): string;
  xLabels: { x: number; text: string }[];
  xTitle: string;
  yTitle: string;
}) {
  const ticks = [0, props.top / 2, props.top];
  return (
    <g class="chart-axes">
      {ticks.map((t) => {
        const y = M.top + PH - (t / props.top) * PH;
        return (
          <g key={t}>
            <line class="chart-grid" x1={M.left} x2={W - M.right} y1={y} y2={y} />
            <text x={M.left - 6} y={y + 4} text-anchor="end">{props.format(t)}</text>
          </g>
        );
      })}
      {props.xLabels.map((l) => (
        <text key={l.x} x={l.x} y={H - M.bottom + 16} text-anchor="middle">{l.text}</text>
      ))}
      <text class="chart-axis-title" x={M.left + PW / 2} y={H - 6} text-anchor="middle">
        {props.xTitle}
      </text>
      <text
        class="chart-axis-title"
        x={-(M.top + PH / 2)}
        y={12}
        transform="rotate(-90)"
        text-anchor="middle"
      >
        {props.yTitle}
      </text>
    </g>
  );
}

/** One series of a chart. */
export interface Series {
  name: string;
  /** CSS class of its marks (`chart-s1`, `chart-s2`). */
  class: string;
  values: (number | null)[];
}

/** Bars, one per x point, of one series. */
export function BarChart(props: {
  label: string;
  xs: string[];
  values: number[];
  xTitle: string;
  yTitle: string;
  format?(v: number): string;
}) {
  const n = Math.max(props.values.length, 1);
  const top = niceMax(Math.max(0, ...props.values));
  const band = PW / n;
  const barW = Math.max(1, band * 0.7);
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.label}>
      <Axes
        top={top}
        format={props.format ?? String}
        xLabels={labelIndexes(props.values.length).map((i) => ({
          x: M.left + band * (i + 0.5),
          text: props.xs[i],
        }))}
        xTitle={props.xTitle}
        yTitle={props.yTitle}
      />
      {props.values.map((v, i) => {
        const h = (v / top) * PH;
        return (
          <rect
            key={i}
            class="chart-s1"
            x={M.left + band * i + (band - barW) / 2}
            y={M.top + PH - h}
            width={barW}
            height={h}
          />
        );
      })}
    </svg>
  );
}

/** Lines (with a dot on every point) of one or more series; null values break the line. */
export function LineChart(props: {
  label: string;
  xs: string[];
  series: Series[];
  xTitle: string;
  yTitle: string;
  format(v: number): string;
  /** A fixed top of the y axis (e.g. 5 for ratings); otherwise a round number over the data. */
  top?: number;
}) {
  const n = props.xs.length;
  const all = props.series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  const top = props.top ?? niceMax(Math.max(0, ...all));
  // Points sit mid-band, as the bars do, so the last day's label is not cut off at the edge.
  const x = (i: number) => M.left + ((i + 0.5) / Math.max(n, 1)) * PW;
  const y = (v: number) => M.top + PH - (v / top) * PH;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.label}>
      <Axes
        top={top}
        format={props.format}
        xLabels={labelIndexes(n).map((i) => ({ x: x(i), text: props.xs[i] }))}
        xTitle={props.xTitle}
        yTitle={props.yTitle}
      />
      {props.series.map((s) => {
        // A path of segments: "M" starts again after each gap.
        let d = "";
        let pen = false;
        s.values.forEach((v, i) => {
          if (v === null) pen = false;
          else {
            d += `${pen ? "L" : "M"}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
            pen = true;
          }
        });
        return (
          <g key={s.name} class={`chart-line ${s.class}`}>
            <path d={d} />
            {s.values.map((v, i) =>
              v === null ? null : <circle key={i} cx={x(i)} cy={y(v)} r={n > 45 ? 1.5 : 3} />
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** The legend of a line chart: a line sample (solid or dashed, in its colour) and the name. */
export function Legend({ series }: { series: Pick<Series, "name" | "class">[] }) {
  return (
    <ul class="chart-legend">
      {series.map((s) => (
        <li key={s.name}>
          <svg viewBox="0 0 24 8" aria-hidden="true" class={`chart-line ${s.class}`}>
            <path d="M0 4L24 4" />
          </svg>
          {s.name}
        </li>
      ))}
    </ul>
  );
}

/** Weekday names, Monday first (the heat map's rows). */
export const WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** A 7 × 24 heat map: darker cells had more new conversations. */
export function HeatMap({ label, grid }: { label: string; grid: number[][] }) {
  const cell = 17;
  const left = 36;
  const top = 6;
  const max = Math.max(1, ...grid.flat());
  const w = left + 24 * cell + 4;
  const h = top + 7 * cell + 40;
  return (
    <svg class="chart heatmap" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
      {grid.map((row, d) => (
        <g key={d}>
          <text x={left - 6} y={top + d * cell + cell * 0.7} text-anchor="end">
            {WEEKDAY_NAMES[d]}
          </text>
          {row.map((count, hour) => (
            <rect
              key={hour}
              class={count === 0 ? "heat-empty" : "chart-s1"}
              x={left + hour * cell + 1}
              y={top + d * cell + 1}
              width={cell - 2}
              height={cell - 2}
              rx={2}
              fill-opacity={count === 0 ? undefined : (0.15 + 0.85 * count / max).toFixed(2)}
            />
          ))}
        </g>
      ))}
      {[0, 3, 6, 9, 12, 15, 18, 21].map((hour) => (
        <text
          key={hour}
          x={left + hour * cell + cell / 2}
          y={top + 7 * cell + 14}
          text-anchor="middle"
        >
          {hour}
        </text>
      ))}
      <text class="chart-axis-title" x={left + 12 * cell} y={h - 6} text-anchor="middle">
        Hour of day
      </text>
    </svg>
  );
}
