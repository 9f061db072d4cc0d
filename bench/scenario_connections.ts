/**
 * `connections` and `storm`. Connections: 10,000 visitor sockets say hello and then sit idle,
 * answering the server's heartbeats; reports the connect rate and the server memory each socket
 * adds (measured over the last 5,000, after the first 5,000 warmed the server up; RSS is the
 * lowest seen while idle, i.e. just after the garbage collector ran). Storm, on the same sockets: every visitor has a conversation and one message in flight,
 * an agent keeps replying, then all visitor sockets drop at once and reconnect with their token
 * and last seq (resending the unacknowledged message, as the widget's outbox does); reports the
 * time until all have resumed, and checks each visitor's received seqs against its history.
 *
 * @module
 */

import { type BenchContext, sleep } from "./context.ts";
import type { ParleyProcess } from "../tests/helpers/parley_process.ts";
import { CpuMeter } from "./cpu.ts";
import { Histogram } from "./histogram.ts";
import { idleResult, merged, type ScenarioResult } from "./result.ts";

/** Options of {@link runConnections}. */
export interface ConnectionsOptions {
  sockets: number;
  /** Load processes sharing the sockets. */
  workers: number;
  idleMs: number;
  /** Also run the storm on the same sockets. */
  storm: boolean;
  /** Agent replies per second while the storm runs. */
  stormReplyRate: number;
  /** Visitors with a conversation in the storm (most widget sockets are idle visitors). */
  stormConversations: number;
}

/** Runs connections (and storm) on a fresh server. */
export async function runConnections(
  ctx: BenchContext,
  o: ConnectionsOptions,
): Promise<ScenarioResult[]> {
  const deployment = await ctx.deploy(1);
  const server = deployment.servers[0];
  const results: ScenarioResult[] = [];
  try {
    const workers = ctx.workers(o.workers);
    const [agent] = ctx.workers(1);
    // Memory per socket is the marginal cost: the first half of the sockets warms the server up
    // (code gets compiled, and the allocations make V8 collect start-up garbage: PGlite leaves
    // some 200 MB of it), then the second half is measured.
    const warm = Math.floor(o.sockets / 2);
    const per = Math.ceil(warm / o.workers);
    await Promise.all(workers.map((w, i) =>
      w.send({
        cmd: "connect",
        urls: [server.wsUrl],
        count: Math.min(per, warm - i * per),
        offset: i * per,
        concurrency: 250,
        track: true,
      })
    ));
    const rssWarm = (await rssOver(server, o.idleMs)).min;
    const cpu = new CpuMeter({
      loadgen: () => [...workers, agent].map((w) => w.pid),
      server: () => [server.pid],
    }, ctx.backend === "postgres");
    await cpu.begin();
    const rest = o.sockets - warm;
    const perRest = Math.ceil(rest / o.workers);
    const started = performance.now();
    const replies = await Promise.all(workers.map((w, i) =>
      w.send({
        cmd: "connect",
        urls: [server.wsUrl],
        count: Math.min(perRest, rest - i * perRest),
        offset: warm + i * perRest,
        concurrency: 250,
        track: true,
      })
    ));
    const connectMs = performance.now() - started;
    const measured = replies.reduce((n, r) => n + (r.connected ?? 0), 0);
    const connected = warm + measured;
    const failed = replies.reduce((n, r) => n + (r.failed ?? 0), 0);
    const connectCpu = await cpu.end();
    console.error(
      `  connections: ${connected} (${measured} in ${Math.round(connectMs)} ms), idling`,
    );
    const idle = await rssOver(server, o.idleMs);
    const rssAfter = idle.min;
    const idleReport = await Promise.all(
      workers.map((w) => w.send({ cmd: "report", reset: true })),
    );
    results.push(idleResult({
      scenario: "connections",
      backend: ctx.backend,
      connections: connected,
      rssBytes: rssAfter,
      rssBeforeBytes: rssWarm,
      measured,
      errors: failed + idleReport.reduce((n, r) => n + (r.errors ?? 0), 0),
      cpuPercent: connectCpu,
      details: {
        connectMs: Math.round(connectMs),
        connectPerSecond: Math.round(measured / (connectMs / 1000)),
        rssWarmBytes: rssWarm,
        rssIdleMaxBytes: idle.max,
        warmSockets: warm,
        idleMs: o.idleMs,
        heartbeatMs: 5000,
        closedByServer: Object.assign({}, ...idleReport.map((r) => r.closeCodes ?? {})),
      },
    }));
    if (!o.storm) return results;

    // Storm: give every visitor a conversation, start agent replies, then drop everyone.
    const openStarted = performance.now();
    await Promise.all(workers.map((w) =>
      w.send({
        cmd: "open",
        timeoutMs: 120_000,
        limit: Math.ceil(o.stormConversations / o.workers),
      })
    ));
    const openMs = performance.now() - openStarted;
    const conversations = (await Promise.all(workers.map((w) => w.send({ cmd: "conversations" }))))
      .flatMap((r) => r.conversations ?? []);
    await agent.send({
      cmd: "agents",
      url: server.wsUrl,
      cookie: await deployment.login(),
      count: 1,
    });
    const replyMs = 14_000;
    const replying = agent.send({
      cmd: "agentSend",
      conversations,
      rate: o.stormReplyRate,
      durationMs: replyMs,
    });
    await sleep(2000);
    await cpu.begin();
    const stormStarted = performance.now();
    const storms = await Promise.all(
      workers.map((w) => w.send({ cmd: "storm", urls: [server.wsUrl], concurrency: 1000 })),
    );
    const stormCpu = await cpu.end();
    const resumeMs = Math.max(...storms.map((r) => r.ms ?? 0));
    const resumed = storms.reduce((n, r) => n + (r.resumed ?? 0), 0);
    console.error(`  storm: ${resumed} resumed in ${Math.round(resumeMs)} ms`);
    const sent = await replying;
    await sleep(1500);
    const checks = await Promise.all(workers.map((w) => w.send({ cmd: "verify" })));
    const reports = await Promise.all(workers.map((w) => w.send({ cmd: "report", reset: false })));
    const ack = new Histogram();
    for (const r of reports) if (r.ack) ack.merge(r.ack);
    results.push({
      scenario: "storm",
      backend: ctx.backend,
      connections: resumed,
      messagesPerSecond: Math.round((sent.sent ?? 0) / (replyMs / 1000)),
      latencyMs: merged(storms.map((r) => r.resume)).summary(),
      latencyOf: "drop → socket resumed (welcome); max = all resumed",
      ackLatencyMs: ack.summary(),
      rssBytes: await server.rss(),
      rssBytesPerConnection: null,
      errors: storms.reduce((n, r) => n + (r.failed ?? 0), 0) +
        reports.reduce((n, r) => n + (r.errors ?? 0), 0),
      lost: checks.reduce((n, r) => n + (r.lost ?? 0), 0),
      duplicated: checks.reduce((n, r) => n + (r.duplicated ?? 0), 0),
      cpuPercent: stormCpu,
      details: {
        resumeMs: Math.round(resumeMs),
        stormWallMs: Math.round(performance.now() - stormStarted),
        conversations: conversations.length,
        openConversationsMs: Math.round(openMs),
        agentReplies: sent.sent,
        visitorsChecked: checks.reduce((n, r) => n + (r.checked ?? 0), 0),
        unackedAfterResume: checks.reduce((n, r) => n + (r.unacked ?? 0), 0),
        errorCodes: Object.assign({}, ...reports.map((r) => r.errorCodes ?? {})),
        closedByServer: Object.assign({}, ...reports.map((r) => r.closeCodes ?? {})),
      },
    });
    return results;
  } finally {
    await ctx.cleanup();
  }
}

/**
 * Samples the server's RSS every 250 ms for `ms`. The minimum is what the sockets retain: RSS
 * also holds garbage until the collector runs (heartbeats keep adding a little), and right after
 * a collection it is closest to the live memory.
 */
async function rssOver(server: ParleyProcess, ms: number): Promise<{ min: number; max: number }> {
  let min = Infinity;
  let max = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const rss = await server.rss();
    if (rss > 0) {
      min = Math.min(min, rss);
      max = Math.max(max, rss);
    }
    await sleep(250);
  }
  return { min: Number.isFinite(min) ? min : 0, max };
}
