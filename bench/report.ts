/**
 * The bench's output: a table with each result next to its target, and the JSON document
 * written to `bench/results/latest.json`.
 *
 * @module
 */

import type { ScenarioResult } from "./result.ts";

/** A target from the issue and whether a result meets it. */
export interface Verdict {
  target: string;
  met: boolean;
}

/** Judges a result against the targets (on this 2-core machine). */
export function verdict(r: ScenarioResult): Verdict {
  const clean = r.lost === 0 && r.duplicated === 0;
  // A comparison's rows are `old:latency`, `new:latency`…
  switch (r.scenario.replace(/^(old|new):/, "")) {
    case "latency":
      return {
        target: "p50 ≤ 2 ms, p99 ≤ 10 ms at 1,000 msg/s",
        met: r.latencyMs.p50 <= 2 && r.latencyMs.p99 <= 10 && r.messagesPerSecond >= 950 && clean,
      };
    case "throughput":
      return { target: "≥ 5,000 msg/s sustained", met: r.messagesPerSecond >= 5000 && clean };
    case "connections":
      return {
        target: "10,000 idle sockets at ≤ 25 KB each",
        met: r.connections >= 10_000 && (r.rssBytesPerConnection ?? Infinity) <= 25_000,
      };
    case "storm":
      return {
        target: "10,000 resumed within 10 s, 0 lost, 0 duplicated",
        met: r.connections >= 10_000 && r.latencyMs.max <= 10_000 && clean && r.errors === 0,
      };
    case "cross-instance":
      return { target: "p99 ≤ 20 ms", met: r.latencyMs.p99 <= 20 && clean };
    case "new-visitors":
      // The embedded database syncs each group commit to disk in-process: its bound is looser.
      return r.backend === "postgres"
        ? {
          target: "p50 ≤ 3 ms, p99 ≤ 10 ms at 1,000 msg/s",
          met: r.latencyMs.p50 <= 3 && r.latencyMs.p99 <= 10 && r.messagesPerSecond >= 950 &&
            clean,
        }
        : {
          target: "p99 ≤ 20 ms at 1,000 msg/s",
          met: r.latencyMs.p99 <= 20 && r.messagesPerSecond >= 950 && clean,
        };
    case "new-visitors-sustained":
      return r.backend === "postgres"
        ? { target: "≥ 4,000 msg/s sustained", met: r.messagesPerSecond >= 4000 && clean }
        : { target: "reported", met: r.duplicated === 0 };
    case "idle":
      return {
        target: "≤ 18 KB per idle visitor socket",
        // Negative (PGlite's start-up garbage collected meanwhile) measures nothing: not met.
        met: r.errors === 0 && (r.rssBytesPerConnection ?? 0) > 0 &&
          (r.rssBytesPerConnection ?? Infinity) <= 18_000,
      };
    default:
      return { target: "", met: true };
  }
}

const kb = (b: number | null) => b === null ? "" : `${(b / 1024).toFixed(1)} KiB`;
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MiB`;

/** Renders results as a fixed-width table. */
export function table(results: ScenarioResult[]): string {
  const head = [
    "scenario",
    "backend",
    "conns",
    "msg/s",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
    "ack p99",
    "RSS",
    "RSS/conn",
    "err",
    "lost",
    "dup",
    "loadgen CPU",
    "target",
    "",
  ];
  const rows = results.map((r) => {
    const v = verdict(r);
    return [
      r.scenario,
      r.backend,
      String(r.connections),
      String(r.messagesPerSecond),
      String(r.latencyMs.p50),
      String(r.latencyMs.p90),
      String(r.latencyMs.p99),
      String(r.latencyMs.max),
      r.ackLatencyMs ? String(r.ackLatencyMs.p99) : "",
      mb(r.rssBytes),
      kb(r.rssBytesPerConnection),
      String(r.errors),
      String(r.lost),
      String(r.duplicated),
      r.cpuPercent.loadgen === undefined ? "" : `${r.cpuPercent.loadgen}%`,
      v.target,
      v.met ? "met" : "MISSED",
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Gzipped widget sizes from the build manifest, when a build exists. */
export async function widgetSizes(): Promise<
  { loadGzipBytes: number; openGzipBytes: number } | null
> {
  try {
    const text = await Deno.readTextFile(new URL("../dist/manifest.json", import.meta.url));
    const assets = JSON.parse(text)?.assets;
    const load = assets?.["widget-loader"]?.gzipBytes;
    const open = assets?.["widget-total"]?.gzipBytes;
    return typeof load === "number" && typeof open === "number"
      ? { loadGzipBytes: load, openGzipBytes: open }
      : null;
  } catch {
    return null;
  }
}

/** The current commit (with `-dirty` when the tree has changes), or null outside git. */
export async function gitCommit(): Promise<string | null> {
  try {
    const run = async (args: string[]) => {
      const out = await new Deno.Command("git", { args, stdout: "piped", stderr: "null" }).output();
      return new TextDecoder().decode(out.stdout).trim();
    };
    const head = await run(["rev-parse", "HEAD"]);
    if (!head) return null;
    const dirty = await run(["status", "--porcelain", "--untracked-files=no"]);
    return dirty ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}
