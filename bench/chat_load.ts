/**
 * What `latency`, `cross-instance` and `throughput` share: visitors with open conversations and
 * one signed-in agent in separate workers, and measured load phases over them.
 *
 * @module
 */

import type { Deployment } from "./context.ts";
import { type BenchContext, sleep } from "./context.ts";
import { CpuMeter } from "./cpu.ts";
import type { Histogram } from "./histogram.ts";
import { merged } from "./result.ts";
import type { Worker } from "./worker_client.ts";
import type { Reply } from "./worker_protocol.ts";

/** Visitors in one worker and the agent in another. */
export interface ChatLoad {
  visitors: Worker;
  agent: Worker;
}

/** Where {@link startChatLoad} puts the visitors and the agent. */
export interface ChatLoadOptions {
  conversations: number;
  /** The server the visitors connect to (index into `deployment.servers`). */
  visitorServer: number;
  /** The server the agent signs in on. */
  agentServer: number;
}

/** Connects the visitors, opens their conversations and signs in one agent. */
export async function startChatLoad(
  ctx: BenchContext,
  deployment: Deployment,
  o: ChatLoadOptions,
): Promise<ChatLoad> {
  const [visitors, agent] = ctx.workers(2);
  await visitors.send({
    cmd: "connect",
    urls: [deployment.servers[o.visitorServer].wsUrl],
    count: o.conversations,
    offset: 0,
    concurrency: 100,
    track: false,
  });
  await visitors.send({ cmd: "open", timeoutMs: 60_000 });
  await agent.send({
    cmd: "agents",
    url: deployment.servers[o.agentServer].wsUrl,
    cookie: await deployment.login(o.agentServer),
    count: 1,
  });
  return { visitors, agent };
}

/** One measured phase of {@link measurePhase}. */
export interface Phase {
  /** Visitor send → agent receipt. */
  recv: Histogram;
  /** Visitor send → ack. */
  ack: Histogram;
  /** The visitors' and the agent's reports. */
  v: Reply;
  a: Reply;
  /** The visitors' reply to the load command (sent, outstanding). */
  run: Reply;
  cpuPercent: Record<string, number>;
}

/** Timing of {@link measurePhase}. */
export interface PhaseOptions {
  rate: number;
  durationMs: number;
  drainMs: number;
  /** The part of the phase not recorded at its start (a ramp), ms; the rest is recorded. */
  skipMs: number;
}

/**
 * Sends at `rate` for `durationMs` and records only the window after its first `skipMs`, with the CPU of the workers, the servers and (on Postgres) the database.
 */
export async function measurePhase(
  ctx: BenchContext,
  deployment: Deployment,
  { visitors, agent }: ChatLoad,
  o: PhaseOptions,
): Promise<Phase> {
  await sleep(300);
  await Promise.all([visitors, agent].map((w) => w.send({ cmd: "report", reset: true })));
  const from = performance.timeOrigin + performance.now() + o.skipMs;
  const to = from + o.durationMs - o.skipMs;
  await Promise.all([visitors, agent].map((w) => w.send({ cmd: "window", from, to })));
  const cpu = new CpuMeter({
    loadgen: () => [visitors.pid, agent.pid],
    server: () => deployment.servers.map((s) => s.pid),
  }, ctx.backend === "postgres");
  await cpu.begin();
  const run = await visitors.send({
    cmd: "load",
    rate: o.rate,
    durationMs: o.durationMs,
    drainMs: o.drainMs,
  });
  const cpuPercent = await cpu.end();
  await sleep(300);
  const [v, a] = await Promise.all(
    [visitors, agent].map((w) => w.send({ cmd: "report", reset: false })),
  );
  return { recv: merged([a.recv]), ack: merged([v.ack]), v, a, run, cpuPercent };
}
