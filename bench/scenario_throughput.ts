/**
 * `throughput`: 1,000 conversations; the send rate climbs in stages until p99 (visitor send →
 * agent receipt) passes 50 ms or the server stops keeping up; the sustained rate is the highest
 * stage that stayed under both limits.
 *
 * @module
 */

import { measurePhase, startChatLoad } from "./chat_load.ts";
import type { BenchContext } from "./context.ts";
import type { Percentiles } from "./histogram.ts";
import type { ScenarioResult } from "./result.ts";

/** Options of {@link runThroughput}. */
export interface ThroughputOptions {
  conversations: number;
  /** Send rates tried in order, messages per second. */
  stages: number[];
  stageMs: number;
  p99LimitMs: number;
}

interface Stage {
  rate: number;
  achieved: number;
  latencyMs: Percentiles;
  ackLatencyMs: Percentiles;
  cpuPercent: Record<string, number>;
  unacked: number;
  passed: boolean;
}

/** Runs the ramp on a fresh server. */
export async function runThroughput(
  ctx: BenchContext,
  o: ThroughputOptions,
): Promise<ScenarioResult> {
  const deployment = await ctx.deploy(1);
  try {
    const load = await startChatLoad(ctx, deployment, {
      conversations: o.conversations,
      visitorServer: 0,
      agentServer: 0,
    });
    await load.visitors.send({ cmd: "load", rate: 500, durationMs: 2000, drainMs: 2000 });

    const stages: Stage[] = [];
    let errors = 0;
    let lost = 0;
    let duplicated = 0;
    for (const rate of o.stages) {
      // The first second of a stage is the ramp; it is not measured.
      const { recv, ack, v, a, run, cpuPercent } = await measurePhase(ctx, deployment, load, {
        rate,
        durationMs: o.stageMs,
        drainMs: 3000,
        skipMs: 1000,
      });
      const achieved = Math.round(ack.count / ((o.stageMs - 1000) / 1000));
      const latencyMs = recv.summary();
      const unacked = run.outstanding ?? 0;
      errors += (v.errors ?? 0) + (a.errors ?? 0);
      lost += Math.max(0, (v.acked ?? 0) - (a.agentDistinct ?? 0));
      duplicated += a.agentDup ?? 0;
      const passed = latencyMs.p99 <= o.p99LimitMs && achieved >= rate * 0.95 && unacked === 0;
      stages.push({
        rate,
        achieved,
        latencyMs,
        ackLatencyMs: ack.summary(),
        cpuPercent,
        unacked,
        passed,
      });
      console.error(
        `  throughput ${rate}/s: achieved ${achieved}/s, p99 ${latencyMs.p99} ms, ` +
          `cpu ${JSON.stringify(cpuPercent)}${passed ? "" : " (limit reached)"}`,
      );
      if (!passed) break;
    }
    const best = stages.filter((s) => s.passed).at(-1) ?? stages[0];
    return {
      scenario: "throughput",
      backend: ctx.backend,
      connections: o.conversations + 1,
      messagesPerSecond: best.passed ? best.achieved : 0,
      latencyMs: best.latencyMs,
      latencyOf: "visitor send → agent receipt, at the sustained rate",
      ackLatencyMs: best.ackLatencyMs,
      rssBytes: await deployment.servers[0].rss(),
      rssBytesPerConnection: null,
      errors,
      lost,
      duplicated,
      cpuPercent: best.cpuPercent,
      details: { p99LimitMs: o.p99LimitMs, stages },
    };
  } finally {
    await ctx.cleanup();
  }
}
