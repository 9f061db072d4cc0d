/**
 * A small metrics registry in the Prometheus model: counters, gauges and histograms with labels,
 * rendered in the text exposition format 0.0.4. The core counts through it and `routes/metrics.ts`
 * serves the rendering; it knows nothing of HTTP. One registry per server, passed down: never a
 * module-level one, so several servers in one process (tests, a cluster test) never share counts.
 *
 * Series are kept in maps keyed by their label values, so counting is a map lookup and an add;
 * whatever is costly to keep current (sockets by kind, pool use, the queue) is read at scrape time
 * by a collector ({@link MetricsRegistry.collect}) instead.
 *
 * @module
 */

/** Label values of one series, by label name. */
export type Labels = Readonly<Record<string, string>>;

/** Prometheus's metric and label name syntax (label names may not contain `:`). */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The content type of {@link MetricsRegistry.render}'s output. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Escapes a `# HELP` text: backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** A sample value as the format spells it (`+Inf`, `-Inf`, `NaN`). */
export function formatValue(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

/** `{a="x",b="y"}` for the given names and values; empty without labels. */
function labelText(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return "";
  return `{${names.map((n, i) => `${n}="${escapeLabelValue(values[i])}"`).join(",")}}`;
}

/** What every metric kind shares: name, help, label names and series by label values. */
abstract class Metric<S> {
  /** The Prometheus type written in `# TYPE`. */
  abstract readonly type: "counter" | "gauge" | "histogram";
  readonly #series = new Map<string, { values: string[]; state: S }>();

  constructor(
    /** The metric's name, e.g. `parley_messages_stored_total`. */
    readonly name: string,
    /** One line saying what it measures. */
    readonly help: string,
    /** The label names every series of this metric carries, in output order. */
    readonly labelNames: readonly string[],
  ) {
    if (!METRIC_NAME.test(name)) throw new TypeError(`Invalid metric name: ${name}`);
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith("__")) {
        throw new TypeError(`Invalid label name for ${name}: ${l}`);
      }
    }
  }

  /** The state of the series with `labels`, created (by `fresh`) on first use. */
  protected series(labels: Labels, fresh: () => S): S {
    const values = this.labelNames.map((n) => {
      const v = labels[n];
      // A missing label is a programming error: a series without it would never be found again.
      if (v === undefined) throw new TypeError(`Metric ${this.name} needs label ${n}`);
      return v;
    });
    // U+0000 cannot be confused with text inside a value the way a comma could.
    const key = values.join("\u0000");
    let s = this.#series.get(key);
    if (!s) {
      s = { values, state: fresh() };
      this.#series.set(key, s);
    }
    return s.state;
  }

  /** Every series so far, with its label values. */
  protected entries(): Iterable<{ values: string[]; state: S }> {
    return this.#series.values();
  }

  /** Forgets every series (a gauge refreshed from scratch by a collector). */
  reset(): void {
    this.#series.clear();
  }

  /** The sample lines of this metric (without HELP and TYPE). */
  abstract samples(): string[];

  /** HELP, TYPE and the samples. */
  render(): string[] {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`]
      .concat(this.samples());
  }
}

/** A metric holding one number per series: the shared part of counters and gauges. */
abstract class ValueMetric extends Metric<{ value: number }> {
  /** The current value of one series (0 when never counted or set); for tests and collectors. */
  get(labels: Labels = {}): number {
    return this.slot(labels).value;
  }

  /** The state of one series, at 0 on first use. */
  protected slot(labels: Labels): { value: number } {
    return this.series(labels, () => ({ value: 0 }));
  }

  samples(): string[] {
    // An unlabelled metric exists from the start at 0, so a rate over it is defined at once.
    if (this.labelNames.length === 0) this.slot({});
    return [...this.entries()].map((s) =>
      `${this.name}${labelText(this.labelNames, s.values)} ${formatValue(s.state.value)}`
    );
  }
}

/** A value that only goes up (reset only by a restart). */
export class Counter extends ValueMetric {
  readonly type = "counter";

  /** Adds `by` (default 1, never negative) to the series with `labels`. */
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new RangeError(`Counter ${this.name} cannot add ${by}`);
    this.slot(labels).value += by;
  }
}

/** A value that goes up and down. */
export class Gauge extends ValueMetric {
  readonly type = "gauge";

  /** Sets the series with `labels` to `value`. */
  set(value: number, labels: Labels = {}): void {
    this.slot(labels).value = value;
  }

  /** Adds `by` (default 1; negative to subtract). */
  inc(labels: Labels = {}, by = 1): void {
    this.slot(labels).value += by;
  }
}

interface HistogramState {
  /** Observations per bucket, not cumulative (the last one is `+Inf`). */
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into buckets by upper bound, with their sum and count. */
export class Histogram extends Metric<HistogramState> {
  readonly type = "histogram";
  /** Upper bounds, ascending, without the implicit `+Inf`. */
  readonly buckets: readonly number[];

  constructor(name: string, help: string, buckets: readonly number[], labelNames: string[] = []) {
    super(name, help, labelNames);
    if (labelNames.includes("le")) throw new TypeError(`Histogram ${name} cannot use label le`);
    const sorted = [...buckets].filter((b) => Number.isFinite(b)).sort((a, b) => a - b);
    if (sorted.length === 0 || new Set(sorted).size !== sorted.length) {
      throw new TypeError(`Histogram ${name} needs distinct finite buckets`);
    }
    this.buckets = sorted;
  }

  /** Records one observation (seconds, bytes…) in the series with `labels`. */
  observe(value: number, labels: Labels = {}): void {
    const s = this.series(labels, () => this.#fresh());
    let i = this.buckets.findIndex((b) => value <= b);
    if (i < 0) i = this.buckets.length;
    s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  /** How many observations one series holds; for tests. */
  count(labels: Labels = {}): number {
    return this.series(labels, () => this.#fresh()).count;
  }

  #fresh(): HistogramState {
    return { counts: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }

  samples(): string[] {
    if (this.labelNames.length === 0) this.series({}, () => this.#fresh());
    const out: string[] = [];
    const names = [...this.labelNames, "le"];
    for (const { values, state } of this.entries()) {
      let cumulative = 0;
      const bounds = [...this.buckets, Infinity];
      bounds.forEach((b, i) => {
        cumulative += state.counts[i];
        out.push(
          `${this.name}_bucket${labelText(names, [...values, formatValue(b)])} ${cumulative}`,
        );
      });
      const plain = labelText(this.labelNames, values);
      out.push(`${this.name}_sum${plain} ${formatValue(state.sum)}`);
      out.push(`${this.name}_count${plain} ${state.count}`);
    }
    return out;
  }
}

/** Refreshes gauges just before a scrape is rendered. */
export type Collector = () => void | Promise<void>;

/** The metrics of one server, and their rendering. */
export class MetricsRegistry {
  readonly #metrics = new Map<string, Counter | Gauge | Histogram>();
  readonly #collectors: Collector[] = [];

  /** Registers a counter; names are unique per registry. */
  counter(name: string, help: string, labelNames: string[] = []): Counter {
    return this.#add(new Counter(name, help, labelNames));
  }

  /** Registers a gauge. */
  gauge(name: string, help: string, labelNames: string[] = []): Gauge {
    return this.#add(new Gauge(name, help, labelNames));
  }

  /** Registers a histogram with the given bucket upper bounds. */
  histogram(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: string[] = [],
  ): Histogram {
    return this.#add(new Histogram(name, help, buckets, labelNames));
  }

  /**
   * Adds a collector, run before every rendering to bring scrape-time gauges up to date. A
   * collector that throws leaves its gauges as they were; the scrape still succeeds.
   */
  collect(collector: Collector): void {
    this.#collectors.push(collector);
  }

  /** The text exposition of every metric, after running the collectors. */
  async render(): Promise<string> {
    await Promise.allSettled(this.#collectors.map(async (c) => await c()));
    const lines: string[] = [];
    for (const m of this.#metrics.values()) lines.push(...m.render());
    return lines.join("\n") + "\n";
  }

  #add<M extends Counter | Gauge | Histogram>(metric: M): M {
    if (this.#metrics.has(metric.name)) {
      throw new TypeError(`Metric ${metric.name} is already registered`);
    }
    this.#metrics.set(metric.name, metric);
    return metric;
  }
}
