/**
 * A load-generating process for `deno task bench`: it holds visitor and agent sockets speaking
 * the real protocol and obeys commands from the orchestrator (`bench/mod.ts`), one JSON object
 * per line on stdin, answering one JSON line per command on stdout. Latencies are measured from
 * a send time written into each message body, so a visitor in one process and an agent in
 * another share the host's wall clock.
 *
 * @module
 */

import { Histogram } from "./histogram.ts";
import type { Command, Reply } from "./worker_protocol.ts";

const now = () => performance.timeOrigin + performance.now();
const PING = '{"type":"ping"}';
const PONG = '{"type":"pong"}';
const FILLER = "I would like to know where my order is, it was due yesterday";

interface Visitor {
  idx: number;
  ws: WebSocket | null;
  token: string;
  conversationId: string | null;
  maxSeq: number;
  /** Seqs received (message frames and welcome messages), when tracking. */
  seqs: Set<number> | null;
  /** Seqs received in `message` frames, when tracking: a second one is a duplicate delivery. */
  framed: Set<number> | null;
  /** Sent and not yet acknowledged: client id → send time. */
  pending: Map<string, number>;
  /** Bodies of unacknowledged messages, resent after a reconnect like the widget's outbox. */
  outbox: Map<string, string>;
  sent: number;
  onWelcome: (() => void) | null;
  onHistory: ((messages: { seq: number; clientId: string | null }[]) => void) | null;
}

const visitors: Visitor[] = [];
const agents: WebSocket[] = [];
const ackHist = new Histogram();
const recvHist = new Histogram();
const resumeHist = new Histogram();
/** Send → first agent's receipt per second of sending since the window opened (where it went). */
const recvBySecond: Histogram[] = [];
let windowFrom = Infinity;
let windowTo = Infinity;
let errors = 0;
let acked = 0;
const errorCodes = new Map<string, number>();
/** Close codes of visitor sockets the server closed. */
const closeCodes = new Map<number, number>();
// Distinct visitor messages the first agent socket received, and repeats on any agent socket
// (each socket is its own audience: two agents both getting a message is no repeat).
const agentSeen = new Set<string>();
const otherAgentsSeen = new Set<string>();
let agentDup = 0;
let agentAcked = 0;
/** `message` frames a visitor socket got for a seq it already had in one. */
let visitorDup = 0;

function countError(code: string): void {
  errors++;
  errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
}

function inWindow(t: number): boolean {
  return t >= windowFrom && t < windowTo;
}

// ---------------------------------------------------------------------------------------------
// Visitors
// ---------------------------------------------------------------------------------------------

/** Sends unless the socket is no longer open (a close may be in progress). */
function trySend(ws: WebSocket | null, text: string): void {
  if (ws?.readyState === WebSocket.OPEN) ws.send(text);
}

function onVisitorFrame(v: Visitor, data: string): void {
  if (data === PING) {
    trySend(v.ws, PONG);
    return;
  }
  const f = JSON.parse(data);
  switch (f.type) {
    case "ack": {
      const sentAt = v.pending.get(f.clientId);
      v.outbox.delete(f.clientId);
      v.conversationId = f.conversationId;
      if (f.seq > v.maxSeq) v.maxSeq = f.seq;
      v.seqs?.add(f.seq);
      if (sentAt === undefined) return; // an ack for a resend already counted
      v.pending.delete(f.clientId);
      acked++;
      if (inWindow(sentAt)) ackHist.record(now() - sentAt);
      return;
    }
    case "message": {
      const seq: number = f.message.seq;
      if (seq > v.maxSeq) v.maxSeq = seq;
      v.seqs?.add(seq);
      if (v.framed) {
        if (v.framed.has(seq)) visitorDup++;
        else v.framed.add(seq);
      }
      v.conversationId = f.message.conversationId;
      return;
    }
    case "welcome": {
      v.token = f.token;
      if (f.conversation) v.conversationId = f.conversation.id;
      for (const m of f.messages) {
        if (m.seq > v.maxSeq) v.maxSeq = m.seq;
        v.seqs?.add(m.seq);
      }
      const done = v.onWelcome;
      v.onWelcome = null;
      done?.();
      return;
    }
    case "history": {
      const done = v.onHistory;
      v.onHistory = null;
      done?.(f.messages);
      return;
    }
    case "error":
      countError(String(f.code));
      if (f.clientId) v.pending.delete(f.clientId);
      return;
  }
}

/** Opens (or reopens) a visitor socket and resolves on `welcome`. */
function connectVisitor(v: Visitor, url: string, timeoutMs = 30_000): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url}/ws/visitor`);
    v.ws = ws;
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    v.onWelcome = () => {
      // Like the widget's outbox: resend what was never acknowledged, same client ids.
      for (const [clientId, body] of v.outbox) {
        trySend(ws, JSON.stringify({ type: "message", clientId, body }));
      }
      finish(true);
    };
    ws.onopen = () => {
      const hello: Record<string, unknown> = { type: "hello", site: "demo" };
      if (v.token) {
        hello.token = v.token;
        hello.lastSeq = v.maxSeq;
      }
      trySend(ws, JSON.stringify(hello));
    };
    ws.onmessage = (e) => onVisitorFrame(v, e.data as string);
    ws.onerror = () => finish(false);
    ws.onclose = (e) => {
      if (v.ws === ws) {
        v.ws = null;
        // Closed by the server (not by a storm): worth counting.
        if (settled) closeCodes.set(e.code, (closeCodes.get(e.code) ?? 0) + 1);
      }
      finish(false);
    };
  });
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]);
  });
  await Promise.all(lanes);
}

function sendMessage(v: Visitor, clientId: string): void {
  const t = now();
  const body = `b ${t.toFixed(3)} ${FILLER}`;
  v.pending.set(clientId, t);
  v.outbox.set(clientId, body);
  v.sent++;
  trySend(v.ws, JSON.stringify({ type: "message", clientId, body }));
}

async function settle(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

// ---------------------------------------------------------------------------------------------
// Agents
// ---------------------------------------------------------------------------------------------

function onAgentFrame(ws: WebSocket, index: number, data: string): void {
  if (data === PING) {
    trySend(ws, PONG);
    return;
  }
  // Inbox rows come with every message; they are not measured.
  if (data.startsWith('{"type":"conversation"')) return;
  const f = JSON.parse(data);
  if (f.type === "ack") {
    agentAcked++;
    return;
  }
  if (f.type === "error") {
    countError(String(f.code));
    return;
  }
  if (f.type !== "message" || f.message.authorKind !== "visitor") return;
  const body: string = f.message.body;
  if (!body.startsWith("b ")) return;
  const key = `${f.message.conversationId}:${f.message.seq}`;
  if (index > 0) {
    // Latency is the first agent's; the others only count repeats.
    const own = `${index}:${key}`;
    if (otherAgentsSeen.has(own)) agentDup++;
    else otherAgentsSeen.add(own);
    return;
  }
  if (agentSeen.has(key)) {
    agentDup++;
    return;
  }
  agentSeen.add(key);
  const sentAt = Number(body.slice(2, body.indexOf(" ", 2)));
  if (inWindow(sentAt)) {
    const ms = now() - sentAt;
    recvHist.record(ms);
    (recvBySecond[Math.floor((sentAt - windowFrom) / 1000)] ??= new Histogram()).record(ms);
  }
}

function connectAgent(url: string, cookie: string, index: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // Deno accepts request headers as a second-argument option (non-standard).
    const ws = new WebSocket(`${url}/ws/agent`, { headers: { cookie } } as unknown as string[]);
    ws.onmessage = (e) => {
      const data = e.data as string;
      if (data.startsWith('{"type":"welcome"')) {
        ws.onmessage = (ev) => onAgentFrame(ws, index, ev.data as string);
        // An agent that loses its socket stops receiving: count it so the run shows why.
        ws.onclose = (ev) => countError(`agent socket closed ${ev.code}`);
        resolve(ws);
      }
    };
    ws.onerror = () => reject(new Error("agent socket failed"));
  });
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/**
 * Calls `step` with the time elapsed (ms, at most `durationMs`) every `everyMs` until
 * `durationMs` has passed, the last call at the end; a sender catches up on what fell due.
 */
function paced(durationMs: number, everyMs: number, step: (elapsed: number) => void) {
  const start = now();
  return new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = now() - start;
      step(Math.min(elapsed, durationMs));
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, everyMs);
  });
}

/** Sends messages from all visitors at `rate` per second for `durationMs`. */
async function load(rate: number, durationMs: number): Promise<{ sent: number }> {
  const active = visitors.filter((v) => v.ws !== null);
  if (active.length === 0 || rate <= 0) return { sent: 0 };
  const start = now();
  let sent = 0;
  let turn = 0;
  const counters = new Map<Visitor, number>();
  await paced(durationMs, 1, (elapsed) => {
    const due = Math.floor((elapsed / 1000) * rate);
    while (sent < due) {
      const v = active[turn++ % active.length];
      const n = (counters.get(v) ?? 0) + 1;
      counters.set(v, n);
      sendMessage(v, `l${v.idx}-${start.toFixed(0)}-${n}`);
      sent++;
    }
  });
  return { sent };
}

/**
 * Every connected visitor sends one message each `periodMs`, starting at a random phase within
 * the first period, for `durationMs`: the steady traffic of many independent storefront tabs
 * (unlike {@link load}'s round robin, the sends of one instant are not spread evenly).
 */
async function periodic(periodMs: number, durationMs: number): Promise<{ sent: number }> {
  const active = visitors.filter((v) => v.ws !== null);
  if (active.length === 0 || periodMs <= 0) return { sent: 0 };
  // Visitors in phase order: the sends come round in this order every period.
  const phased = active.map((v) => ({ v, phase: Math.random() * periodMs, n: 0 }))
    .sort((a, b) => a.phase - b.phase);
  const start = now();
  let sent = 0;
  let next = 0;
  let round = 0;
  await paced(durationMs, 1, (elapsed) => {
    while (round * periodMs + phased[next].phase <= elapsed) {
      const p = phased[next];
      p.n++;
      sendMessage(p.v, `p${p.v.idx}-${start.toFixed(0)}-${p.n}`);
      sent++;
      if (++next === phased.length) {
        next = 0;
        round++;
      }
    }
  });
  return { sent };
}

/**
 * Waits for a sending run, then up to `drainMs` for its acks; replies with what was sent, acked
 * meanwhile and still unacknowledged.
 */
async function drained(run: Promise<{ sent: number }>, drainMs: number): Promise<Reply> {
  const ackedBefore = acked;
  const { sent } = await run;
  await settle(() => visitors.every((v) => v.pending.size === 0), drainMs);
  const outstanding = visitors.reduce((n, v) => n + v.pending.size, 0);
  return { ok: true, sent, acked: acked - ackedBefore, outstanding };
}

async function handle(cmd: Command): Promise<Reply> {
  switch (cmd.cmd) {
    case "connect": {
      const start = now();
      const fresh: Visitor[] = [];
      for (let i = 0; i < cmd.count; i++) {
        fresh.push({
          idx: visitors.length + i + cmd.offset,
          ws: null,
          token: "",
          conversationId: null,
          maxSeq: 0,
          seqs: cmd.track ? new Set() : null,
          framed: cmd.track ? new Set() : null,
          pending: new Map(),
          outbox: new Map(),
          sent: 0,
          onWelcome: null,
          onHistory: null,
        });
      }
      visitors.push(...fresh);
      let failed = 0;
      let n = 0;
      await pool(fresh, cmd.concurrency, async (v) => {
        if (!await connectVisitor(v, cmd.urls[n++ % cmd.urls.length])) failed++;
      });
      return { ok: true, connected: fresh.length - failed, failed, ms: now() - start };
    }
    case "open": {
      const start = now();
      let left = cmd.limit ?? Infinity;
      for (const v of visitors) {
        if (left <= 0) break;
        if (v.ws && !v.conversationId) {
          sendMessage(v, `o${v.idx}`);
          left--;
        }
      }
      await settle(() => visitors.every((v) => v.pending.size === 0), cmd.timeoutMs);
      const open = visitors.filter((v) => v.conversationId !== null).length;
      return { ok: true, open, ms: now() - start };
    }
    case "agents": {
      for (let i = 0; i < cmd.count; i++) {
        agents.push(await connectAgent(cmd.url, cmd.cookie, agents.length));
      }
      return { ok: true, agents: agents.length };
    }
    case "window":
      windowFrom = cmd.from;
      windowTo = cmd.to;
      return { ok: true };
    case "load":
      return await drained(load(cmd.rate, cmd.durationMs), cmd.drainMs);
    case "periodic":
      return await drained(periodic(cmd.periodMs, cmd.durationMs), cmd.drainMs);
    case "agentSend": {
      const ids = cmd.conversations;
      const start = now();
      let sent = 0;
      await paced(cmd.durationMs, 2, (elapsed) => {
        const due = Math.floor((elapsed / 1000) * cmd.rate);
        while (sent < due && ids.length > 0 && agents.length > 0) {
          const conversationId = ids[sent % ids.length];
          trySend(
            agents[sent % agents.length],
            JSON.stringify({
              type: "message",
              conversationId,
              clientId: `r${start.toFixed(0)}-${sent}`,
              body: `reply ${sent}`,
            }),
          );
          sent++;
        }
      });
      await settle(() => agentAcked >= sent, 5000);
      return { ok: true, sent, acked: agentAcked };
    }
    case "conversations":
      return {
        ok: true,
        conversations: visitors.flatMap((v) => v.conversationId ? [v.conversationId] : []),
      };
    case "storm": {
      // One message each is in flight when the connection drops, as in a real network blip.
      for (const v of visitors) if (v.ws && v.conversationId) sendMessage(v, `s${v.idx}`);
      const start = now();
      for (const v of visitors) {
        const ws = v.ws;
        v.ws = null;
        ws?.close();
      }
      let failed = 0;
      let n = 0;
      resumeHist.reset();
      await pool(visitors, cmd.concurrency, async (v) => {
        let ok = false;
        for (let attempt = 0; attempt < 5 && !ok; attempt++) {
          ok = await connectVisitor(v, cmd.urls[n++ % cmd.urls.length]);
          if (!ok) await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        }
        if (ok) resumeHist.record(now() - start);
        else failed++;
      });
      const ms = now() - start;
      await settle(() => visitors.every((v) => v.pending.size === 0), 10_000);
      return {
        ok: true,
        resumed: visitors.length - failed,
        failed,
        ms,
        resume: resumeHist.toJSON(),
      };
    }
    case "verify": {
      let lost = 0;
      let duplicated = 0;
      let checked = 0;
      let unacked = 0;
      await pool(visitors.filter((v) => v.ws && v.conversationId && v.seqs), 200, async (v) => {
        const messages = await new Promise<{ seq: number; clientId: string | null }[]>(
          (resolve) => {
            v.onHistory = resolve;
            trySend(v.ws, JSON.stringify({ type: "sync", afterSeq: 0, limit: 200 }));
          },
        );
        checked++;
        const clientIds = new Set<string>();
        for (const m of messages) {
          if (!v.seqs?.has(m.seq)) lost++;
          if (m.clientId !== null) {
            if (clientIds.has(m.clientId)) duplicated++;
            clientIds.add(m.clientId);
          }
        }
        unacked += v.pending.size;
      });
      return { ok: true, checked, lost, duplicated, unacked };
    }
    case "report": {
      const reply: Reply = {
        ok: true,
        ack: ackHist.toJSON(),
        recv: recvHist.toJSON(),
        errors,
        errorCodes: Object.fromEntries(errorCodes),
        closeCodes: Object.fromEntries(closeCodes),
        acked,
        agentDistinct: agentSeen.size,
        agentDup,
        visitorDup,
        recvBySecond: Array.from(recvBySecond, (h) => h ? h.summary() : null),
      };
      if (cmd.reset) {
        ackHist.reset();
        recvHist.reset();
        errors = 0;
        errorCodes.clear();
        closeCodes.clear();
        acked = 0;
        agentSeen.clear();
        otherAgentsSeen.clear();
        recvBySecond.length = 0;
        agentDup = 0;
        visitorDup = 0;
      }
      return reply;
    }
    case "close": {
      for (const v of visitors) v.ws?.close();
      for (const a of agents) a.close();
      setTimeout(() => Deno.exit(0), 200);
      return { ok: true };
    }
  }
}

async function main(): Promise<void> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let rest = "";
  const write = (reply: Reply) => Deno.stdout.write(encoder.encode(JSON.stringify(reply) + "\n"));
  for await (const chunk of Deno.stdin.readable) {
    rest += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = rest.indexOf("\n")) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (!line.trim()) continue;
      // Only the orchestrator writes here; it sends well-formed commands.
      const cmd = JSON.parse(line) as Command;
      // Commands may overlap (e.g. "window" while "load" runs); replies carry the id.
      handle(cmd).then(
        (reply) => write({ ...reply, id: cmd.id }),
        (err) => write({ ok: false, error: String(err), id: cmd.id }),
      );
    }
  }
}

if (import.meta.main) await main();
