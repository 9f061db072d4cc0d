import assert from "node:assert/strict";
import type { AgentServerFrame } from "../../protocol/frames.ts";
import { type ConnectionState, createConnection, type SocketLike } from "./connection.ts";

class FakeWs implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  closedWith: number | null = null;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  send(data: string) {
    this.sent.push(data);
  }
  close(code = 1000) {
    this.closedWith = code;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  frame(f: unknown) {
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(f) }));
  }
  serverClose(code: number) {
    this.readyState = 3;
    this.onclose?.(new CloseEvent("close", { code }));
  }
}

const welcome = {
  type: "welcome",
  agent: {
    id: "a",
    email: "a@x",
    name: "A",
    avatar: null,
    role: "agent",
    status: "online",
    disabled: false,
    capacity: 3,
  },
  agents: [],
  conversations: [],
  heartbeatMs: 0,
};

function harness(opts: { checkSession?: () => Promise<boolean> } = {}) {
  const sockets: FakeWs[] = [];
  const frames: AgentServerFrame[] = [];
  const states: ConnectionState[] = [];
  let unauthorized = 0;
  const conn = createConnection({
    url: "ws://test/ws/agent",
    createSocket: () => {
      const s = new FakeWs();
      sockets.push(s);
      return s;
    },
    random: () => 0, // no waiting between attempts
    onFrame: (f) => frames.push(f),
    onState: (s) => states.push(s),
    onUnauthorized: () => unauthorized++,
    ...opts,
  });
  return { conn, sockets, frames, states, unauthorized: () => unauthorized };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

Deno.test("the connection is connected only after welcome, answers pings and forwards frames", () => {
  const h = harness();
  const s = h.sockets[0];
  s.open();
  assert.equal(h.conn.state, "connecting");
  assert.equal(h.conn.send({ type: "presence", status: "away" }), false);
  s.frame(welcome);
  assert.equal(h.conn.state, "connected");
  s.frame({ type: "ping" });
  assert.deepEqual(s.sent, [JSON.stringify({ type: "pong" })]);
  s.frame({ type: "nonsense" });
  s.frame({ type: "agent", agent: { ...welcome.agent, status: "away" } });
  assert.deepEqual(h.frames.map((f) => f.type), ["welcome", "agent"]);
  assert.equal(h.conn.send({ type: "presence", status: "away" }), true);
  h.conn.close();
});

Deno.test("a dropped socket reconnects and a new welcome follows", async () => {
  const h = harness();
  h.sockets[0].open();
  h.sockets[0].frame(welcome);
  h.sockets[0].serverClose(1012);
  assert.equal(h.conn.state, "disconnected");
  await tick();
  assert.equal(h.sockets.length, 2);
  h.sockets[1].open();
  h.sockets[1].frame(welcome);
  assert.equal(h.conn.state, "connected");
  assert.deepEqual(h.states, [
    "connecting",
    "connected",
    "disconnected",
    "connecting",
    "connected",
  ]);
  h.conn.close();
});

Deno.test("close code 4001 stops reconnecting and reports the lost session", async () => {
  const h = harness();
  h.sockets[0].open();
  h.sockets[0].frame(welcome);
  h.sockets[0].serverClose(4001);
  await tick(5);
  assert.equal(h.sockets.length, 1);
  assert.equal(h.unauthorized(), 1);
});

Deno.test("a refused upgrade with a dead session stops retrying", async () => {
  const h = harness({ checkSession: () => Promise.resolve(false) });
  h.sockets[0].serverClose(1006);
  await tick(5);
  assert.equal(h.unauthorized(), 1);
  const count = h.sockets.length;
  await tick(5);
  assert.equal(h.sockets.length, count);
});

Deno.test("close() closes the socket and never reconnects", async () => {
  const h = harness();
  h.sockets[0].open();
  h.conn.close();
  assert.equal(h.sockets[0].closedWith, 1000);
  await tick(5);
  assert.equal(h.sockets.length, 1);
});
