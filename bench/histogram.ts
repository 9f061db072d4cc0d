/**
 * A small HDR-style histogram: log-linear buckets over microseconds, 64 linear sub-buckets per
 * power of two, so any recorded value is known to within 1/64 (1.6 %) and memory stays fixed
 * whatever the count. Values below 64 µs are exact. Histograms from several load processes
 * merge by adding counts.
 *
 * @module
 */

const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
/** Values are clamped to 2^31 - 1 µs (about 36 minutes). */
const MAX_US = 2 ** 31 - 1;
const BUCKETS = (31 - SUB_BITS + 1) * SUB + SUB;

/** A histogram's counts, as sent between processes. */
export interface HistogramData {
  /** `[bucket index, count]` pairs for non-empty buckets. */
  counts: [number, number][];
  count: number;
  minUs: number;
  maxUs: number;
  sumUs: number;
}

/** Percentiles in milliseconds, as reported. */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function indexOf(us: number): number {
  if (us < SUB) return us;
  const e = 31 - Math.clz32(us);
  const mantissa = us >>> (e - SUB_BITS); // in [64, 128)
  return (e - SUB_BITS + 1) * SUB + (mantissa - SUB);
}

/** The highest value (µs) that lands in bucket `i`. */
function upperOf(i: number): number {
  if (i < SUB) return i;
  const group = Math.floor(i / SUB);
  const mantissa = (i % SUB) + SUB;
  const unit = 2 ** (group - 1);
  return (mantissa + 1) * unit - 1;
}

/** Records latencies; see the module docs for precision. */
export class Histogram {
  #counts = new Float64Array(BUCKETS);
  #count = 0;
  #min = Infinity;
  #max = 0;
  #sum = 0;

  /** Records one value in milliseconds (negative values count as 0). */
  record(ms: number): void {
    const us = Math.min(MAX_US, Math.max(0, Math.round(ms * 1000)));
    this.#counts[indexOf(us)]++;
    this.#count++;
    this.#sum += us;
    if (us < this.#min) this.#min = us;
    if (us > this.#max) this.#max = us;
  }

  /** Number of values recorded. */
  get count(): number {
    return this.#count;
  }

  /** Mean in milliseconds (0 when empty). */
  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count / 1000;
  }

  /** Largest value recorded, in milliseconds (exact). */
  get max(): number {
    return this.#max / 1000;
  }

  /**
   * The value at percentile `p` (0-100) in milliseconds: the upper end of the bucket holding
   * it, so the true value is at most this (and at least 1.6 % less), never above the max.
   */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i];
      if (seen >= rank) return Math.min(upperOf(i), this.#max) / 1000;
    }
    return this.#max / 1000;
  }

  /** p50, p90, p99 and max, in milliseconds rounded to 0.01. */
  summary(): Percentiles {
    const r = (x: number) => Math.round(x * 100) / 100;
    return {
      p50: r(this.percentile(50)),
      p90: r(this.percentile(90)),
      p99: r(this.percentile(99)),
      max: r(this.max),
    };
  }

  /** Adds another histogram's values to this one. */
  merge(other: Histogram | HistogramData): void {
    const data = other instanceof Histogram ? other.toJSON() : other;
    for (const [i, c] of data.counts) {
      if (!Number.isInteger(i) || i < 0 || i >= BUCKETS) throw new RangeError(`Bad bucket: ${i}`);
      this.#counts[i] += c;
    }
    this.#count += data.count;
    this.#sum += data.sumUs;
    if (data.count > 0) {
      this.#min = Math.min(this.#min, data.minUs);
      this.#max = Math.max(this.#max, data.maxUs);
    }
  }

  /** Forgets everything. */
  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#min = Infinity;
    this.#max = 0;
    this.#sum = 0;
  }

  /** The counts, for sending to another process. */
  toJSON(): HistogramData {
    const counts: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.#counts[i] > 0) counts.push([i, this.#counts[i]]);
    return {
      counts,
      count: this.#count,
      minUs: this.#count === 0 ? 0 : this.#min,
      maxUs: this.#max,
      sumUs: this.#sum,
    };
  }

  /** Rebuilds a histogram sent by {@link Histogram.toJSON}. */
  static from(data: HistogramData): Histogram {
    const h = new Histogram();
    h.merge(data);
    return h;
  }
}
