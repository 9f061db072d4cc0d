/**
 * `deno task bench`: starts Parley, drives it with load worker processes over loopback, and
 * reports latency, throughput, memory per socket, reconnect storms and cross-instance latency.
 *
 * ```sh
 * deno task bench                         # every scenario, PGlite and (when reachable) Postgres
 * deno task bench --backend=pglite        # or postgres, or both
 * deno task bench --scenarios=latency,storm --quick
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

const SCENARIOS = [
  "latency",
  "throughput",
  "connections",
  "storm",
  "cross-instance",
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
  return {
    backends,
    scenarios,
    quick: args.includes("--quick"),
    echo: args.includes("--echo"),
    inspect: args.includes("--inspect"),
  };
}

async function runBackend(o: Options, backend: Backend): Promise<ScenarioResult[]> {
  const ctx = new BenchContext(backend, o.echo, o.inspect ? ["--inspect=127.0.0.1:9229"] : []);
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
  if (has("idle")) await step("idle", async () => [await runIdle(ctx)]);
  return results;
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const o = parseArgs(Deno.args, await postgresReachable());
  const results: ScenarioResult[] = [];
  for (const backend of o.backends) results.push(...await runBackend(o, backend));
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
  };
  const dir = new URL("./results/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(new URL("latest.json", dir), JSON.stringify(doc, null, 2) + "\n");
  console.log(table(results));
  if (doc.widget) {
    console.log(
      `\nwidget: ${doc.widget.loadGzipBytes} B gzipped at load, ${doc.widget.openGzipBytes} B once open`,
    );
  }
  console.log(`\nwrote bench/results/latest.json (${doc.gitCommit ?? "no git"})`);
}

if (import.meta.main) await main();
