/**
 * HTTP fallback benchmark (issue 19, docs/bench.md "HTTP fallback (issue 19)"): the fallback's
 * latency next to the WebSocket's, on one Parley process. Rounds alternate socket, fallback,
 * socket, fallback…; in each, `--visitors=N` new visitors connect over that transport with the
 * widget's own client code (`browserSocket`, `fallbackSocket` from `protocol/client/`: the real
 * wire, SSE padding and parsing, numbered frame posts, one post in flight with frames queued
 * meanwhile going in the next) and each sends `--messages=M` messages, one every `--think-ms`
 * (± 50 %) without waiting for the ack. `--agents=A` sockets of the admin (default 5) receive
 * every message; each visitor's messages are answered at once by one of them. Measured per
 * message: send → the visitor's own ack, send → the first agent socket's receipt, and agent reply
 * → the visitor's receipt; per visitor: factory call → `welcome`. Then, alternating the same way
 * on a fresh server each time, `--idle=K` visitors of one transport connect and stay idle
 * (answering heartbeats), and the server's VmRSS gives the memory per connected visitor.
 *
 * No threshold but a sanity check: every message acknowledged once, acks in send order with
 * rising seqs, every message at every agent socket once and in order, every reply at its visitor
 * once;
 * otherwise the run exits with 1.
 *
 * ```sh
 * deno run -A bench/fallback.ts                    # Postgres from DATABASE_URL (or the default)
 * deno run -A bench/fallback.ts --backend=pglite
 * deno run -A bench/fallback.ts --visitors=50 --messages=20 --think-ms=500 --rounds=3 --idle=1000 \
 *   --agents=5
 * ```
 *
 * Results go to stdout and to `bench/results/fallback.json`.
 *
 * @module
 */

import { type Backend, BenchContext } from "./context.ts";
import { Histogram, type Percentiles } from "./histogram.ts";
import { cpuSeconds } from "./cpu.ts";
import { gitCommit } from "./report.ts";
import { count } from "./args.ts";
import { browserSocket, type SocketFactory, type SocketHandle } from "../protocol/client/socket.ts";
import { fallbackSocket } from "../protocol/client/fallback_socket.ts";
import type { ParleyProcess } from "../tests/helpers/parley_process.ts";

/** Visitors chatting per round (`--visitors=N`). */
const VISITORS = count("visitors", 50);
/** Messages each chatting visitor sends (`--messages=M`). */
const MESSAGES = count("messages", 20);
/** Mean pause between a visitor's messages, ms (`--think-ms=T`); each is drawn in T × [0.5, 1.5). */
const THINK_MS = count("think-ms", 500);
/** Rounds of each transport (`--rounds=R`). */
const ROUNDS = Math.max(1, count("rounds", 3));
/**
 * Agent sockets (`--agents=A`, the admin's, as tabs): the first measures receipts, and the replies
 * are spread over all of them, since a socket's frames are handled one at a time and one socket
 * replying to every visitor would measure its own queue.
 */
const AGENTS = Math.max(1, count("agents", 5));
/** Idle visitors connected per round for the memory reading (`--idle=K`; 0: none). */
const IDLE = count("idle", 1000);
/** How long the idle visitors stay connected before RSS is read (lowest reading in it). */
const IDLE_SETTLE_MS = 3000;
/** The longest a round may wait for its acks, receipts and replies. */
const DRAIN_MS = 30_000;
const ECHO = Deno.args.includes("--echo");

const backendArg = Deno.args.find((a) => a.startsWith("--backend="))?.slice(10) ?? "postgres";
if (backendArg !== "postgres" && backendArg !== "pglite") {
  throw new TypeError("--backend must be postgres or pglite");
}
const backend: Backend = backendArg;

type Transport = "socket" | "fallback";
const TRANSPORTS: readonly Transport[] = ["socket", "fallback"];
const FACTORIES: Record<Transport, SocketFactory> = {
  socket: browserSocket,
  fallback: fallbackSocket(),
};

const now = () => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms until it holds or `ms` passed; resolves with whether it held. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = now() + ms;
  while (!cond()) {
    if (now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/** The fields of inbound frames this benchmark reads. */
interface InFrame {
  type: string;
  clientId?: string;
  seq?: number;
  conversationId?: string;
  code?: string;
  message?: { seq: number; authorKind: string; body: string; conversationId: string };
}

/** What one round of one transport measured. */
interface Measures {
  connect: Histogram;
  ack: Histogram;
  agent: Histogram;
  reply: Histogram;
}

const newMeasures = (): Measures => ({
  connect: new Histogram(),
  ack: new Histogram(),
  agent: new Histogram(),
  reply: new Histogram(),
});

/** Sanity problems found (each one a line of the report; any fails the run). */
const problems: string[] = [];

/** Send times of visitor messages by client id, and of the agent's replies by the same id. */
const sentAt = new Map<string, number>();
const replySentAt = new Map<string, number>();
/** Where the first agent socket records its receipts: the measures of the round in progress. */
let current: Measures = newMeasures();

/** A visitor on either transport, speaking the widget's protocol. */
class Visitor {
  readonly handle: SocketHandle;
  readonly welcomed: Promise<void>;
  #onWelcome: () => void = () => {};
  /** Client ids in send order. */
  readonly sent: string[] = [];
  /** Client ids in ack order, and the acks' seqs. */
  readonly acked: string[] = [];
  readonly ackSeqs: number[] = [];
  /** Replies received, by the client id they answer. */
  readonly replies = new Map<string, number>();
  closeCode: number | null = null;
  conversationId: string | null = null;

  constructor(
    readonly name: string,
    readonly transport: Transport,
    url: string,
    readonly measures: Measures,
  ) {
    const started = now();
    this.welcomed = new Promise((resolve) => this.#onWelcome = resolve);
    this.handle = FACTORIES[transport](`${url}/ws/visitor`, {
      open: () => this.handle.send(JSON.stringify({ type: "hello", site: "demo" })),
      message: (data) => this.#frame(data, started),
      close: (code) => {
        this.closeCode = code;
      },
    });
  }

  #frame(data: string, started: number): void {
    const at = now();
    const f: InFrame = JSON.parse(data);
    switch (f.type) {
      case "ping":
        this.handle.send('{"type":"pong"}');
        return;
      case "welcome":
        this.measures.connect.record(at - started);
        this.#onWelcome();
        return;
      case "ack": {
        const id = f.clientId ?? "";
        const t = sentAt.get(id);
        if (t === undefined) return;
        if (this.acked.includes(id)) problems.push(`${this.name}: ${id} acknowledged twice`);
        this.acked.push(id);
        this.ackSeqs.push(f.seq ?? -1);
        this.conversationId = f.conversationId ?? null;
        this.measures.ack.record(at - t);
        return;
      }
      case "message": {
        const m = f.message;
        if (!m || m.authorKind !== "agent" || !m.body.startsWith("re ")) return;
        const id = m.body.slice(3);
        const t = replySentAt.get(id);
        const seen = this.replies.get(id) ?? 0;
        this.replies.set(id, seen + 1);
        if (seen > 0) problems.push(`${this.name}: reply to ${id} received twice`);
        else if (t !== undefined) this.measures.reply.record(at - t);
        return;
      }
      case "error":
        problems.push(`${this.name}: error ${f.code}`);
        return;
    }
  }

  /** Sends a message stamped with its send time. */
  send(i: number): void {
    const id = `${this.name}-${i}`;
    this.sent.push(id);
    sentAt.set(id, now());
    this.handle.send(JSON.stringify({ type: "message", clientId: id, body: `fb ${id}` }));
  }

  close(): void {
    try {
      this.handle.close(1000);
    } catch {
      // Already closed.
    }
  }
}

/**
 * Agent socket `index` (the admin's): checks each visitor message comes once and in order per
 * conversation, records send → receipt (the first socket only), and replies at once to the
 * visitors {@link replier} gives it.
 */
async function connectAgent(server: ParleyProcess, cookie: string, index: number) {
  const seen = new Set<string>();
  /** The last message index received per visitor. */
  const lastIndex = new Map<string, number>();
  let acks = 0;
  let replies = 0;
  let closed: number | null = null;
  // Deno takes request headers as a second-argument option (non-standard).
  const ws = new WebSocket(
    `${server.wsUrl}/ws/agent`,
    { headers: { cookie } } as unknown as string[],
  );
  await new Promise<void>((resolve, reject) => {
    ws.onmessage = (e) => {
      const f: InFrame = JSON.parse(String(e.data));
      if (f.type === "welcome") resolve();
    };
    ws.onerror = () => reject(new Error("agent socket failed"));
  });
  ws.onclose = (e) => closed = e.code;
  ws.onmessage = (e) => {
    const at = now();
    const data = String(e.data);
    if (data.startsWith('{"type":"conversation"')) return;
    const f: InFrame = JSON.parse(data);
    if (f.type === "ping") return ws.send('{"type":"pong"}');
    if (f.type === "ack") {
      acks++;
      return;
    }
    if (f.type === "error") return void problems.push(`agent ${index}: error ${f.code}`);
    const m = f.message;
    if (f.type !== "message" || !m || m.authorKind !== "visitor" || !m.body.startsWith("fb ")) {
      return;
    }
    const id = m.body.slice(3);
    if (seen.has(id)) return void problems.push(`agent ${index}: ${id} received twice`);
    seen.add(id);
    const dash = id.lastIndexOf("-");
    const visitor = id.slice(0, dash);
    const n = Number(id.slice(dash + 1));
    if ((lastIndex.get(visitor) ?? -1) >= n) problems.push(`agent ${index}: ${id} out of order`);
    lastIndex.set(visitor, n);
    const t = sentAt.get(id);
    if (index === 0 && t !== undefined) current.agent.record(at - t);
    if (replier(visitor) !== index) return;
    replySentAt.set(id, now());
    replies++;
    ws.send(JSON.stringify({
      type: "message",
      conversationId: m.conversationId,
      clientId: `r-${id}`,
      body: `re ${id}`,
    }));
  };
  return {
    received: (id: string) => seen.has(id),
    get acks() {
      return acks;
    },
    get replies() {
      return replies;
    },
    get closed() {
      return closed;
    },
    close: () => ws.close(),
  };
}

type Agent = Awaited<ReturnType<typeof connectAgent>>;

/** Which agent socket answers `visitor`. */
function replier(visitor: string): number {
  let h = 0;
  for (let i = 0; i < visitor.length; i++) h = (h * 31 + visitor.charCodeAt(i)) >>> 0;
  return h % AGENTS;
}

/** Reads `parley_sockets{kind="visitor"}` and `parley_fallback_streams` from `/metrics`. */
async function openVisitors(server: ParleyProcess): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const gauge = (re: RegExp) => Number(text.match(re)?.[1] ?? 0);
  return gauge(/^parley_sockets\{kind="visitor"\} (\S+)$/m) +
    gauge(/^parley_fallback_streams (\S+)$/m);
}

/** Waits until the server holds no visitor socket or stream. */
async function allGone(server: ParleyProcess): Promise<void> {
  let open = -1;
  const deadline = now() + DRAIN_MS;
  while ((open = await openVisitors(server)) > 0 && now() < deadline) await sleep(50);
  if (open > 0) problems.push(`${open} visitor sockets or streams still open after closing`);
}

/** The lowest VmRSS over `ms` (sampled every 100 ms): the reading just after a collection. */
async function lowestRss(server: ParleyProcess, ms: number): Promise<number> {
  let low = Infinity;
  const end = now() + ms;
  do {
    low = Math.min(low, await server.rss());
    await sleep(100);
  } while (now() < end);
  return low;
}

/** Connects `n` visitors of `transport`, 100 at a time, each until its `welcome`. */
async function connect(
  server: ParleyProcess,
  transport: Transport,
  prefix: string,
  n: number,
  measures: Measures,
): Promise<Visitor[]> {
  const visitors: Visitor[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from(
      { length: Math.min(100, n - i) },
      (_, j) => new Visitor(`${prefix}${i + j}`, transport, server.wsUrl, measures),
    );
    const ok = await Promise.race([
      Promise.all(batch.map((v) => v.welcomed)).then(() => true),
      sleep(DRAIN_MS).then(() => false),
    ]);
    visitors.push(...batch);
    if (!ok) throw new Error(`${transport}: visitors not welcomed within ${DRAIN_MS} ms`);
  }
  return visitors;
}

/** One round of one transport. */
interface Round {
  transport: Transport;
  round: number;
  measures: Measures;
  messages: number;
  seconds: number;
  /** Server CPU time per message, ms (the agent's reply included). */
  serverCpuMsPerMessage: number;
}

/** One memory reading: `visitors` idle visitors of `transport` on a fresh server. */
interface IdleReading {
  transport: Transport;
  round: number;
  visitors: number;
  rssBefore: number;
  rssAfter: number;
  perVisitor: number;
}

/**
 * RSS per idle visitor on a fresh server (in one long-lived process, memory freed by the previous
 * round's visitors is reused without RSS growing, and the readings would say nothing): five
 * visitors of `transport` connect and leave first, then RSS (the lowest over 1 s) before `IDLE`
 * visitors connect and the lowest over {@link IDLE_SETTLE_MS} with them connected, answering
 * heartbeats.
 */
async function idleMemory(transport: Transport, round: number): Promise<IdleReading> {
  const deployment = await ctx.deploy(1);
  try {
    const server = deployment.servers[0];
    const tag = `${transport[0]}${round}`;
    const warm = await connect(server, transport, `${tag}w`, 5, newMeasures());
    for (const v of warm) v.close();
    await allGone(server);
    const rssBefore = await lowestRss(server, 1000);
    const idlers = await connect(server, transport, `${tag}i`, IDLE, newMeasures());
    const rssAfter = await lowestRss(server, IDLE_SETTLE_MS);
    for (const v of idlers) {
      if (v.closeCode !== null) problems.push(`${v.name} (idle): closed with ${v.closeCode}`);
      v.close();
    }
    await allGone(server);
    return {
      transport,
      round,
      visitors: IDLE,
      rssBefore,
      rssAfter,
      perVisitor: (rssAfter - rssBefore) / IDLE,
    };
  } finally {
    await deployment.close();
  }
}

async function runRound(
  server: ParleyProcess,
  agents: Agent[],
  transport: Transport,
  round: number,
): Promise<Round> {
  const received = (id: string) => agents.every((a) => a.received(id));
  const measures = newMeasures();
  current = measures;
  const tag = `${transport[0]}${round}`;
  const visitors = await connect(server, transport, `${tag}v`, VISITORS, measures);
  const cpuBefore = await cpuSeconds(server.pid);
  const started = now();
  await Promise.all(visitors.map(async (v) => {
    // A random phase, so the visitors do not send in step.
    await sleep(Math.random() * THINK_MS);
    for (let i = 0; i < MESSAGES; i++) {
      v.send(i);
      if (i < MESSAGES - 1) await sleep(THINK_MS * (0.5 + Math.random()));
    }
  }));
  const total = VISITORS * MESSAGES;
  const complete = () =>
    visitors.every((v) =>
      v.acked.length >= MESSAGES && v.sent.every((id) => v.replies.has(id) && received(id))
    );
  const done = await until(complete, DRAIN_MS);
  const seconds = (now() - started) / 1000;
  const cpu = (await cpuSeconds(server.pid)) - cpuBefore;
  for (const v of visitors) {
    if (v.closeCode !== null) problems.push(`${v.name}: closed with ${v.closeCode}`);
    if (v.acked.length !== v.sent.length) {
      problems.push(`${v.name}: ${v.acked.length} acks for ${v.sent.length} messages`);
    }
    if (v.acked.some((id, i) => id !== v.sent[i])) problems.push(`${v.name}: acks out of order`);
    if (v.ackSeqs.some((s, i) => i > 0 && s <= v.ackSeqs[i - 1])) {
      problems.push(`${v.name}: ack seqs not rising`);
    }
    const missing = v.sent.filter((id) => !received(id)).length;
    if (missing) problems.push(`${v.name}: ${missing} messages missed an agent socket`);
    const unanswered = v.sent.filter((id) => !v.replies.has(id)).length;
    if (unanswered) problems.push(`${v.name}: ${unanswered} replies never arrived`);
  }
  if (!done) problems.push(`${transport} round ${round + 1}: not complete in ${DRAIN_MS} ms`);
  for (const v of visitors) v.close();
  await allGone(server);

  return {
    transport,
    round,
    measures,
    messages: total,
    seconds,
    serverCpuMsPerMessage: (cpu * 1000) / total,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const ms = (x: number) => x.toFixed(2).padStart(7);
const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const pct = (p: Percentiles) => `${ms(p.p50)} ${ms(p.p90)} ${ms(p.p99)} ${ms(p.max)}`;

const ctx = new BenchContext(backend, ECHO);
const rounds: Round[] = [];
const idle: IdleReading[] = [];
try {
  const deployment = await ctx.deploy(1);
  const server = deployment.servers[0];
  const cookie = await deployment.login();
  const agents: Agent[] = [];
  for (let i = 0; i < AGENTS; i++) agents.push(await connectAgent(server, cookie, i));
  // A warm-up of each transport (code paths compiled, statements prepared), not measured.
  for (const t of TRANSPORTS) {
    const warm = await connect(server, t, `w${t[0]}`, 5, newMeasures());
    for (const v of warm) v.send(0);
    await until(() => warm.every((v) => v.replies.size > 0), DRAIN_MS);
    for (const v of warm) v.close();
    await allGone(server);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of TRANSPORTS) {
      console.error(`round ${round + 1}/${ROUNDS}: ${t}…`);
      rounds.push(await runRound(server, agents, t, round));
    }
  }
  for (const [i, agent] of agents.entries()) {
    if (agent.closed !== null) problems.push(`agent ${i}: socket closed with ${agent.closed}`);
    if (agent.acks !== agent.replies) {
      problems.push(`agent ${i}: ${agent.acks} acks for ${agent.replies} replies`);
    }
    agent.close();
  }
  await ctx.cleanup();
  if (IDLE > 0) {
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of TRANSPORTS) {
        console.error(`memory ${round + 1}/${ROUNDS}: ${IDLE} idle ${t} visitors…`);
        idle.push(await idleMemory(t, round));
      }
    }
  }
} finally {
  await ctx.cleanup();
}

const metrics = ["connect", "ack", "agent", "reply"] as const;
const LABELS: Record<typeof metrics[number], string> = {
  connect: "connect → welcome",
  ack: "send → ack",
  agent: "send → agent",
  reply: "reply → visitor",
};
const merged = (t: Transport) => {
  const all = newMeasures();
  for (const r of rounds.filter((r) => r.transport === t)) {
    for (const m of metrics) all[m].merge(r.measures[m]);
  }
  return all;
};
const byTransport = { socket: merged("socket"), fallback: merged("fallback") };
const perRound = (t: Transport) => rounds.filter((r) => r.transport === t);

console.log(
  `HTTP fallback benchmark (${backend}): ${VISITORS} visitors × ${MESSAGES} messages, one every ` +
    `${THINK_MS} ms ± 50 %, ${AGENTS} agent sockets replying to each; ${ROUNDS} rounds per ` +
    `transport, alternating; ` +
    `${IDLE} idle visitors per round on a fresh server for memory`,
);
console.log(
  "\nAll rounds merged, ms:      p50     p90     p99     max  |  fallback ÷ socket: p50   p90   p99",
);
for (const m of metrics) {
  const s = byTransport.socket[m].summary();
  const f = byTransport.fallback[m].summary();
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : "-").padStart(5);
  console.log(`  ${LABELS[m].padEnd(18)} socket   ${pct(s)}`);
  console.log(
    `  ${"".padEnd(18)} fallback ${pct(f)}  |  ${"".padEnd(18)}${ratio(f.p50, s.p50)} ${
      ratio(f.p90, s.p90)
    } ${ratio(f.p99, s.p99)}`,
  );
}
console.log("\nPer round (p50 / p99 ms), server CPU per message:");
for (const r of rounds) {
  const cells = metrics.map((m) => {
    const s = r.measures[m].summary();
    return `${m} ${s.p50.toFixed(2)}/${s.p99.toFixed(2)}`;
  });
  console.log(
    `  ${r.round + 1} ${r.transport.padEnd(8)} ${cells.join("  ")}  cpu ${
      r.serverCpuMsPerMessage.toFixed(2)
    } ms/msg`,
  );
}
console.log(
  `\nMedian over rounds${IDLE > 0 ? `; RSS per visitor, ${IDLE} idle on a fresh server` : ""}:`,
);
for (const t of TRANSPORTS) {
  const rs = idle.filter((r) => r.transport === t).map((r) => r.perVisitor);
  const cpu = median(perRound(t).map((r) => r.serverCpuMsPerMessage));
  console.log(
    `  ${t.padEnd(8)} server CPU ${cpu.toFixed(2)} ms per message` +
      (rs.length ? `, RSS per idle visitor ${kib(median(rs))} (${rs.map(kib).join(", ")})` : ""),
  );
}

const doc = {
  gitCommit: await gitCommit(),
  finishedAt: new Date().toISOString(),
  host: {
    cpus: navigator.hardwareConcurrency,
    loadAverage: Deno.loadavg(),
    deno: Deno.version.deno,
  },
  options: {
    backend,
    visitors: VISITORS,
    messages: MESSAGES,
    thinkMs: THINK_MS,
    rounds: ROUNDS,
    idle: IDLE,
    agents: AGENTS,
  },
  merged: Object.fromEntries(
    TRANSPORTS.map((t) => [
      t,
      Object.fromEntries(metrics.map((m) => [m, byTransport[t][m].summary()])),
    ]),
  ),
  rounds: rounds.map((r) => ({
    transport: r.transport,
    round: r.round + 1,
    messages: r.messages,
    seconds: r.seconds,
    serverCpuMsPerMessage: r.serverCpuMsPerMessage,
    latencyMs: Object.fromEntries(metrics.map((m) => [m, r.measures[m].summary()])),
  })),
  idle,
  problems,
};
const dir = new URL("./results/", import.meta.url);
await Deno.mkdir(dir, { recursive: true });
await Deno.writeTextFile(new URL("fallback.json", dir), JSON.stringify(doc, null, 2) + "\n");
console.log(`\nwrote bench/results/fallback.json (${doc.gitCommit ?? "no git"})`);

if (problems.length > 0) {
  console.error(`FAIL: ${problems.length} problems:\n  ${problems.slice(0, 30).join("\n  ")}`);
  Deno.exitCode = 1;
} else {
  console.log(
    `sanity: all ${rounds.reduce((n, r) => n + r.messages, 0)} messages acknowledged once and in ` +
      `order, received once by every agent socket, every reply received once`,
  );
}
