/**
 * `new-visitors`: a storefront's Monday morning. Two agents are signed in, each receiving
 * everything; 1,000 visitors who have never chatted connect (100 handshakes in flight), say
 * `hello` without a token (so each is a new visitor) and then send one message every `P` ms from
 * a random phase, the first one opening their conversation. Latency is visitor send → the first
 * agent's receipt, and send → the visitor's ack; messages sent in the first 3 s (the connection
 * and conversation-opening burst) are left out.
 *
 * The headline run lasts 20 s at 1,000 msg/s; then rising steps of 8 s each, every one on a fresh
 * server, find the highest rate with p99 ≤ 50 ms and at least 95 % of the messages at the first
 * agent.
 *
 * @module
 */

import { type BenchContext, sleep } from "./context.ts";
import { CpuMeter } from "./cpu.ts";
import { merged, type ScenarioResult } from "./result.ts";

/** Options of {@link runNewVisitors}. */
export interface NewVisitorsOptions {
  visitors: number;
  agents: number;
  /** The headline run: rate (msg/s over all visitors) and length. */
  headline: { rate: number; durationMs: number };
  /** Rates of the steps that look for the sustained rate, each `stepMs` long. */
  steps: number[];
  stepMs: number;
  /** Sends at the start of each run left out of the percentiles. */
  skipMs: number;
  p99LimitMs: number;
  /** Share of the messages the first agent must get for a step to pass. */
  minDelivered: number;
}

/** One run: a fresh server, new visitors, one rate. */
interface RunResult {
  rate: number;
  result: ScenarioResult;
  delivered: number;
  passed: boolean;
}

async function runOnce(
  ctx: BenchContext,
  o: NewVisitorsOptions,
  rate: number,
  durationMs: number,
): Promise<RunResult> {
  const deployment = await ctx.deploy(1);
  const server = deployment.servers[0];
  try {
    const [visitors, agent] = ctx.workers(2);
    // The admin and then agents of their own: separate people, each with a console open.
    for (let i = 0; i < o.agents; i++) {
      await agent.send({
        cmd: "agents",
        url: server.wsUrl,
        cookie: i === 0 ? await deployment.login() : await deployment.agentLogin(i),
        count: 1,
      });
    }
    await visitors.send({
      cmd: "connect",
      urls: [server.wsUrl],
      count: o.visitors,
      offset: 0,
      concurrency: 100,
      track: true,
    });
    await Promise.all([visitors, agent].map((w) => w.send({ cmd: "report", reset: true })));
    const start = performance.timeOrigin + performance.now();
    await Promise.all(
      [visitors, agent].map((w) =>
        w.send({ cmd: "window", from: start + o.skipMs, to: start + durationMs })
      ),
    );
    const cpu = new CpuMeter({
      loadgen: () => [visitors.pid, agent.pid],
      server: () => [server.pid],
    }, ctx.backend === "postgres");
    await cpu.begin();
    const run = await visitors.send({
      cmd: "periodic",
      periodMs: (1000 * o.visitors) / rate,
      durationMs,
      drainMs: 5000,
    });
    const cpuPercent = await cpu.end();
    await sleep(300);
    const [v, a] = await Promise.all(
      [visitors, agent].map((w) => w.send({ cmd: "report", reset: false })),
    );
    const recv = merged([a.recv]);
    const ack = merged([v.ack]);
    const sent = run.sent ?? 0;
    const acked = v.acked ?? 0;
    const atAgent = a.agentDistinct ?? 0;
    const delivered = sent > 0 ? atAgent / sent : 0;
    const latency = recv.summary();
    const result: ScenarioResult = {
      scenario: "new-visitors",
      backend: ctx.backend,
      connections: o.visitors + o.agents,
      messagesPerSecond: Math.round(acked / (durationMs / 1000)),
      latencyMs: latency,
      latencyOf: "new visitor send → first agent's receipt",
      ackLatencyMs: ack.summary(),
      rssBytes: await server.rss(),
      rssBytesPerConnection: null,
      errors: (v.errors ?? 0) + (a.errors ?? 0) + (run.outstanding ?? 0),
      lost: Math.max(0, acked - atAgent),
      duplicated: (a.agentDup ?? 0) + (v.visitorDup ?? 0),
      cpuPercent,
      details: {
        targetRate: rate,
        durationMs,
        sent,
        acked,
        agentReceived: atAgent,
        delivered: Number(delivered.toFixed(4)),
        agentDuplicates: a.agentDup ?? 0,
        visitorDuplicates: v.visitorDup ?? 0,
        unackedAtEnd: run.outstanding,
        // p99 per second of the measured window: a tail that fades is the start's backlog.
        p99BySecond: (a.recvBySecond ?? []).map((p) => p?.p99 ?? null),
        errorCodes: { ...v.errorCodes, ...a.errorCodes },
      },
    };
    const passed = latency.p99 <= o.p99LimitMs && delivered >= o.minDelivered;
    return { rate, result, delivered, passed };
  } finally {
    await ctx.cleanup();
  }
}

/**
 * Runs the headline and then the steps; returns the headline (`new-visitors`) and the sustained
 * rate (`new-visitors-sustained`, with every step in its details).
 */
export async function runNewVisitors(
  ctx: BenchContext,
  o: NewVisitorsOptions,
): Promise<ScenarioResult[]> {
  const headline = await runOnce(ctx, o, o.headline.rate, o.headline.durationMs);
  console.error(
    `  new visitors at ${o.headline.rate} msg/s: p50 ${headline.result.latencyMs.p50} ms, ` +
      `p99 ${headline.result.latencyMs.p99} ms`,
  );
  console.error(`    p99 by second: ${JSON.stringify(headline.result.details.p99BySecond)}`);
  const stages: Record<string, unknown>[] = [];
  let best: RunResult | null = headline.passed ? headline : null;
  for (const rate of o.steps) {
    const step = await runOnce(ctx, o, rate, o.stepMs);
    const r = step.result;
    stages.push({
      rate,
      stored: r.messagesPerSecond,
      p50: r.latencyMs.p50,
      p99: r.latencyMs.p99,
      ackP99: r.ackLatencyMs?.p99,
      delivered: step.delivered,
      duplicated: r.duplicated,
      cpuPercent: r.cpuPercent,
      passed: step.passed,
    });
    console.error(`    p99 by second: ${JSON.stringify(r.details.p99BySecond)}`);
    console.error(
      `  step ${rate} msg/s: p99 ${r.latencyMs.p99} ms, ` +
        `${(step.delivered * 100).toFixed(1)} % delivered, ${r.duplicated} duplicated`,
    );
    if (!step.passed) break;
    best = step;
  }
  const sustained: ScenarioResult = {
    ...(best ?? headline).result,
    scenario: "new-visitors-sustained",
    messagesPerSecond: best?.rate ?? 0,
    latencyOf: "new visitor send → first agent's receipt, at the highest step that passed",
    duplicated: stages.reduce((n, s) => n + Number(s.duplicated), 0) +
      headline.result.duplicated,
    details: {
      p99LimitMs: o.p99LimitMs,
      minDelivered: o.minDelivered,
      stepMs: o.stepMs,
      stages,
    },
  };
  return [headline.result, sustained];
}
