/**
 * `deno task bench`: starts Parley, drives it with load worker processes over loopback, and
 * reports latency, throughput, memory per socket, reconnect storms and cross-instance latency.
 *
 * ```sh
 * deno task bench                         # every scenario, PGlite and (when reachable) Postgres
 * deno task bench --backend=pglite        # or postgres, or both
 * deno task bench --scenarios=latency,storm --quick
 * deno task bench --scenarios=new-visitors --backend=postgres --compare=HEAD~3 --rounds=3
 * ```
 *
 * Postgres comes from `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`); each
 * scenario runs on a fresh `parley_test_<random>` database, dropped afterwards. Results go to
 * stdout as a table and to `bench/results/latest.json`. See `docs/bench.md`.
 *
 * @module
 */

import { postgresReachable, SERVER_URL } from "../tests/helpers/database.ts";
import { type Backend, BenchContext } from "./context.ts";
import { gitCommit, table, verdict, widgetSizes } from "./report.ts";
import type { ScenarioResult } from "./result.ts";
import { runConnections } from "./scenario_connections.ts";
import { runIdle } from "./scenario_idle.ts";
import { runLatency } from "./scenario_latency.ts";
import { runThroughput } from "./scenario_throughput.ts";
import { runNewVisitors } from "./scenario_new_visitors.ts";
import {
  type Build,
  type ComparedRun,
  compareRuns,
  comparisonTable,
  prepareOld,
  roundOrder,
} from "./compare.ts";

const SCENARIOS = [
  "latency",
  "throughput",
  "connections",
  "storm",
  "cross-instance",
  "new-visitors",
  "idle",
] as const;
type Scenario = typeof SCENARIOS[number];

interface Options {
  backends: Backend[];
  scenarios: Scenario[];
  quick: boolean;
  echo: boolean;
  /** `--inspect` on the (first) server, to attach a profiler. */
  inspect: boolean;
  /**
   * `--server-flags=A,B`: more `deno run` flags for the servers, e.g.
   * `--v8-flags=--perf-basic-prof` so `perf` can name JavaScript frames.
   */
  serverFlags: string[];
  /** `--compare=REV`: an older build to run alternately with this one. */
  compare: string | null;
  /** `--rounds=N` of the comparison (default 3). */
  rounds: number;
}

function parseArgs(args: string[], postgresUp: boolean): Options {
  const get = (name: string) =>
    args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const backend = get("backend") ?? "both";
  if (!["pglite", "postgres", "both"].includes(backend)) {
    throw new TypeError(`--backend must be pglite, postgres or both (got ${backend})`);
  }
  const scenarios = (get("scenarios") ?? SCENARIOS.join(",")).split(",").map((s) => {
    const found = SCENARIOS.find((x) => x === s.trim());
    if (!found) throw new TypeError(`Unknown scenario: ${s} (one of ${SCENARIOS.join(", ")})`);
    return found;
  });
  let backends: Backend[] = backend === "both" ? ["pglite", "postgres"] : [backend as Backend];
  if (!postgresUp && backends.includes("postgres")) {
    if (backend === "postgres") {
      throw new Error(`Postgres is not reachable at ${new URL(SERVER_URL).host}`);
    }
    console.error(
      `Postgres is not reachable at ${new URL(SERVER_URL).host}: running on PGlite only`,
    );
    backends = ["pglite"];
  }
  const rounds = Number(get("rounds") ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
    throw new TypeError(`--rounds must be 1 to 20 (got ${get("rounds")})`);
  }
  return {
    backends,
    scenarios,
    compare: get("compare") ?? null,
    serverFlags: (get("server-flags") ?? "").split(",").filter((f) => f !== ""),
    rounds,
    quick: args.includes("--quick"),
    echo: args.includes("--echo"),
    inspect: args.includes("--inspect"),
  };
}

async function runBackend(
  o: Options,
  backend: Backend,
  build?: Build,
): Promise<ScenarioResult[]> {
  const flags = [...(o.inspect ? ["--inspect=127.0.0.1:9229"] : []), ...o.serverFlags];
  const ctx = new BenchContext(backend, o.echo, flags, build);
  const q = o.quick;
  const results: ScenarioResult[] = [];
  const has = (s: Scenario) => o.scenarios.includes(s);
  const step = async (name: string, run: () => Promise<ScenarioResult[]>) => {
    console.error(`${backend} ${name}…`);
    try {
      results.push(...await run());
    } catch (err) {
      console.error(`${backend} ${name} failed: ${err instanceof Error ? err.stack : err}`);
      await ctx.cleanup();
    }
  };
  // 1,000 conversations at one message a second each, on one instance or across two.
  const latency = (crossInstance: boolean) =>
    runLatency(ctx, {
      conversations: 1000,
      rate: 1000,
      warmupMs: q ? 2000 : 5000,
      measureMs: q ? 5000 : 20_000,
      crossInstance,
    });
  if (has("latency")) {
    await step("latency", async () => [await latency(false)]);
  }
  if (has("throughput")) {
    await step("throughput", async () => [
      await runThroughput(ctx, {
        conversations: 1000,
        stages: [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 10_000, 12_000],
        stageMs: q ? 3000 : 6000,
        p99LimitMs: 50,
      }),
    ]);
  }
  if (has("connections") || has("storm")) {
    await step(has("storm") ? "connections and storm" : "connections", async () => {
      const r = await runConnections(ctx, {
        sockets: 10_000,
        workers: 2,
        idleMs: q ? 8000 : 15_000,
        storm: has("storm"),
        stormReplyRate: 500,
        stormConversations: 2000,
      });
      return r.filter((x) => has(x.scenario as Scenario));
    });
  }
  if (has("cross-instance") && backend === "postgres") {
    await step("cross-instance", async () => [await latency(true)]);
  }
  if (has("new-visitors")) {
    await step("new-visitors", () =>
      runNewVisitors(ctx, {
        visitors: 1000,
        agents: 2,
        headline: { rate: 1000, durationMs: q ? 8000 : 20_000 },
        steps: [2000, 3000, 4000, 5000, 6000, 8000],
        stepMs: 8000,
        skipMs: 3000,
        p99LimitMs: 50,
        minDelivered: 0.95,
      }));
  }
  if (has("idle")) await step("idle", async () => [await runIdle(ctx)]);
  return results;
}

/** `--compare`: both builds, alternating, on every backend; prints the medians. */
async function runComparison(o: Options & { compare: string }) {
  const old = await prepareOld(o.compare);
  const current: Build = { label: "new", rev: (await gitCommit()) ?? "HEAD" };
  const runs: ComparedRun[] = [];
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const build of roundOrder<Build>(round, old, current)) {
        for (const backend of o.backends) {
          console.error(`round ${round + 1}/${o.rounds}: ${build.label} (${build.rev})`);
          for (const result of await runBackend(o, backend, build)) {
            runs.push({ build: build.label, round, result });
          }
        }
      }
    }
  } finally {
    await old.remove();
  }
  return { old: old.rev, new: current.rev, runs, medians: compareRuns(runs) };
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const o = parseArgs(Deno.args, await postgresReachable());
  const results: ScenarioResult[] = [];
  const comparison = o.compare !== null ? await runComparison({ ...o, compare: o.compare }) : null;
  // In a comparison every row says which build it ran (the verdicts read the scenario after it).
  if (comparison) {
    results.push(
      ...comparison.runs.map((r) => ({ ...r.result, scenario: `${r.build}:${r.result.scenario}` })),
    );
  } else for (const backend of o.backends) results.push(...await runBackend(o, backend));
  const doc = {
    gitCommit: await gitCommit(),
    startedAt,
    finishedAt: new Date().toISOString(),
    host: {
      cpus: navigator.hardwareConcurrency,
      memoryBytes: Deno.systemMemoryInfo().total,
      loadAverage: Deno.loadavg(),
      deno: Deno.version.deno,
    },
    widget: await widgetSizes(),
    scenarios: results.map((r) => ({ ...r, target: verdict(r).target, met: verdict(r).met })),
    ...(comparison ? { comparison } : {}),
  };
  const dir = new URL("./results/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(new URL("latest.json", dir), JSON.stringify(doc, null, 2) + "\n");
  console.log(table(results));
  if (comparison) {
    console.log(`\nold ${comparison.old} against new ${comparison.new}, ${o.rounds} rounds:\n`);
    console.log(comparisonTable(comparison.medians));
  }
  if (doc.widget) {
    console.log(
      `\nwidget: ${doc.widget.loadGzipBytes} B gzipped at load, ${doc.widget.openGzipBytes} B once open`,
    );
  }
  console.log(`\nwrote bench/results/latest.json (${doc.gitCommit ?? "no git"})`);
}

if (import.meta.main) await main();
