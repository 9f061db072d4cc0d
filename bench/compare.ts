/**
 * `--compare=REV`: runs the same scenarios on an older build and on this one in one session,
 * alternating (A B, B A, A B…), so the shared machine's noise falls on both alike; reports each
 * metric's median per build. The older build runs from a temporary git worktree of `REV`, with
 * its own dependencies and assets.
 *
 * @module
 */

import type { ScenarioResult } from "./result.ts";
import type { ServerBuild } from "../tests/helpers/parley_process.ts";

/** A build under comparison. */
export interface Build extends ServerBuild {
  /** `old` (the revision asked for) or `new` (this checkout). */
  label: "old" | "new";
  /** The revision, as given or `HEAD` (with `-dirty` for uncommitted changes). */
  rev: string;
}

/** One scenario result of one build in one round. */
export interface ComparedRun {
  build: "old" | "new";
  round: number;
  result: ScenarioResult;
}

const ROOT = new URL("../", import.meta.url).pathname;

async function run(cmd: string, args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).slice(-2000);
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${err}`);
  }
}

/**
 * Checks `rev` out into a temporary worktree and installs and builds it there; `remove` takes
 * the worktree away again.
 */
export async function prepareOld(rev: string): Promise<Build & { remove(): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "parley_bench_old_" });
  await run("git", ["worktree", "add", "--detach", "--force", dir, rev], ROOT);
  const remove = async () => {
    await run("git", ["worktree", "remove", "--force", dir], ROOT).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await run(Deno.execPath(), ["install", "--frozen"], dir);
    await run(Deno.execPath(), ["task", "build"], dir);
  } catch (err) {
    await remove();
    throw err;
  }
  const start = JSON.parse(await Deno.readTextFile(`${dir}/deno.json`))?.tasks?.start ?? "";
  // Its servers run with the V8 flags of its own start task (none before there were any).
  const v8Flags = String(start).match(/--v8-flags=(\S+)/)?.[1].split(",") ?? [];
  return { label: "old", rev, root: dir, v8Flags, remove };
}

/** The order of the builds in `round`: A B, then B A, and so on. */
export function roundOrder<T>(round: number, old: T, current: T): T[] {
  return round % 2 === 0 ? [old, current] : [current, old];
}

/** The median of `xs` (the mean of the middle two for an even count); NaN when empty. */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The metrics compared, read off a result. */
const METRICS: [string, (r: ScenarioResult) => number | null][] = [
  ["msg/s", (r) => r.messagesPerSecond],
  ["p50 ms", (r) => r.latencyMs.p50],
  ["p99 ms", (r) => r.latencyMs.p99],
  ["ack p99 ms", (r) => r.ackLatencyMs?.p99 ?? null],
  ["RSS/conn B", (r) => r.rssBytesPerConnection],
  ["dup", (r) => r.duplicated],
  ["server CPU %", (r) => r.cpuPercent.server ?? null],
];

/** One compared metric: medians per build and every run's value. */
export interface ComparedMetric {
  scenario: string;
  backend: string;
  metric: string;
  old: number;
  new: number;
  oldRuns: number[];
  newRuns: number[];
}

/** Medians per scenario, backend and metric, for the metrics both builds report. */
export function compareRuns(runs: ComparedRun[]): ComparedMetric[] {
  const keys = [...new Set(runs.map((r) => `${r.result.scenario}\u0000${r.result.backend}`))];
  const out: ComparedMetric[] = [];
  for (const key of keys) {
    const [scenario, backend] = key.split("\u0000");
    const of = (build: "old" | "new") =>
      runs.filter((r) =>
        r.build === build && r.result.scenario === scenario && r.result.backend === backend
      );
    for (const [metric, read] of METRICS) {
      const values = (build: "old" | "new") =>
        of(build).map((r) => read(r.result)).filter((v): v is number => v !== null);
      const oldRuns = values("old");
      const newRuns = values("new");
      if (oldRuns.length === 0 && newRuns.length === 0) continue;
      out.push({
        scenario,
        backend,
        metric,
        old: median(oldRuns),
        new: median(newRuns),
        oldRuns,
        newRuns,
      });
    }
  }
  return out;
}

/** Renders {@link compareRuns} as a fixed-width table. */
export function comparisonTable(rows: ComparedMetric[]): string {
  const fmt = (n: number) => Number.isNaN(n) ? "-" : String(Math.round(n * 100) / 100);
  const head = [
    "scenario",
    "backend",
    "metric",
    "old median",
    "new median",
    "old runs",
    "new runs",
  ];
  const cells = rows.map((r) => [
    r.scenario,
    r.backend,
    r.metric,
    fmt(r.old),
    fmt(r.new),
    r.oldRuns.map(fmt).join(" "),
    r.newRuns.map(fmt).join(" "),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
