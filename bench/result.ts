/**
 * One scenario's outcome, as written to `bench/results/latest.json`.
 *
 * @module
 */

import { Histogram, type HistogramData, type Percentiles } from "./histogram.ts";
import type { Backend } from "./context.ts";

/** The fields the issue asks for, plus context that helps read them. */
export interface ScenarioResult {
  scenario: string;
  backend: Backend;
  /** Sockets open during the measurement. */
  connections: number;
  /** Messages stored (acknowledged) per second during the measurement. */
  messagesPerSecond: number;
  /** The scenario's headline latency (see `latencyOf`). */
  latencyMs: Percentiles;
  /** What `latencyMs` measures. */
  latencyOf: string;
  /** Visitor send → visitor ack (the message is committed), where measured. */
  ackLatencyMs: Percentiles | null;
  /** Server resident memory at the end (sum over instances). */
  rssBytes: number;
  /** Memory added per socket (connections scenario), else null. */
  rssBytesPerConnection: number | null;
  errors: number;
  lost: number;
  duplicated: number;
  /** CPU as % of one core over the measurement: load generator, server(s), Postgres. */
  cpuPercent: Record<string, number>;
  /** Scenario-specific numbers (connect rate, resume time, ramp stages…). */
  details: Record<string, unknown>;
}

/** Merges histograms sent by several workers. */
export function merged(parts: (HistogramData | undefined)[]): Histogram {
  const h = new Histogram();
  for (const p of parts) if (p) h.merge(p);
  return h;
}

/** What an idle-socket measurement says: memory, with no latency or traffic. */
export interface IdleMeasurement {
  scenario: string;
  backend: Backend;
  connections: number;
  /** Server RSS at the end. */
  rssBytes: number;
  /** RSS before the measured sockets, and how many there were. */
  rssBeforeBytes: number;
  measured: number;
  errors: number;
  cpuPercent: Record<string, number>;
  details: Record<string, unknown>;
}

/** The result of an idle-socket scenario: the RSS each measured socket added. */
export function idleResult(m: IdleMeasurement): ScenarioResult {
  return {
    scenario: m.scenario,
    backend: m.backend,
    connections: m.connections,
    messagesPerSecond: 0,
    latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
    latencyOf: "not measured (idle sockets)",
    ackLatencyMs: null,
    rssBytes: m.rssBytes,
    rssBytesPerConnection: m.measured > 0
      ? Math.round((m.rssBytes - m.rssBeforeBytes) / m.measured)
      : null,
    errors: m.errors,
    lost: 0,
    duplicated: 0,
    cpuPercent: m.cpuPercent,
    details: m.details,
  };
}
