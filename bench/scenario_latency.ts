/**
 * `latency` and `cross-instance`: 1,000 open conversations, each visitor sending one message a
 * second; measures visitor send → agent receipt, and visitor send → ack. Cross-instance puts the
 * visitors on one instance and the agent on another (Postgres only).
 *
 * @module
 */

import { measurePhase, startChatLoad } from "./chat_load.ts";
import type { BenchContext } from "./context.ts";
import type { ScenarioResult } from "./result.ts";

/** Options of {@link runLatency}. */
export interface LatencyOptions {
  conversations: number;
  /** Messages per second over all conversations. */
  rate: number;
  warmupMs: number;
  measureMs: number;
  crossInstance: boolean;
}

/** Runs the scenario on a fresh deployment. */
export async function runLatency(ctx: BenchContext, o: LatencyOptions): Promise<ScenarioResult> {
  const deployment = await ctx.deploy(o.crossInstance ? 2 : 1);
  try {
    const load = await startChatLoad(ctx, deployment, {
      conversations: o.conversations,
      visitorServer: 0,
      agentServer: o.crossInstance ? 1 : 0,
    });
    await load.visitors.send({ cmd: "load", rate: o.rate, durationMs: o.warmupMs, drainMs: 2000 });
    const { recv, ack, v, a, run, cpuPercent } = await measurePhase(ctx, deployment, load, {
      rate: o.rate,
      durationMs: o.measureMs,
      drainMs: 5000,
      skipMs: 0,
    });
    const acked = v.acked ?? 0;
    const rss = (await Promise.all(deployment.servers.map((s) => s.rss()))).reduce((x, y) => x + y);
    return {
      scenario: o.crossInstance ? "cross-instance" : "latency",
      backend: ctx.backend,
      connections: o.conversations + 1,
      messagesPerSecond: Math.round(ack.count / (o.measureMs / 1000)),
      latencyMs: recv.summary(),
      latencyOf: o.crossInstance
        ? "visitor send (instance A) → agent receipt (instance B)"
        : "visitor send → agent receipt",
      ackLatencyMs: ack.summary(),
      rssBytes: rss,
      rssBytesPerConnection: null,
      errors: (v.errors ?? 0) + (a.errors ?? 0) + (run.outstanding ?? 0),
      lost: Math.max(0, acked - (a.agentDistinct ?? 0)),
      duplicated: a.agentDup ?? 0,
      cpuPercent,
      details: {
        targetRate: o.rate,
        sent: run.sent,
        acked,
        agentReceived: a.agentDistinct,
        unackedAtEnd: run.outstanding,
        errorCodes: { ...v.errorCodes, ...a.errorCodes },
      },
    };
  } finally {
    await ctx.cleanup();
  }
}
