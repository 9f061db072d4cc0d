import assert from "node:assert/strict";
import type { AgentClientFrame, AgentServerFrame } from "../../protocol/frames.ts";
import { manualClock } from "../../protocol/client/testing/clock.ts";
import { fakeSockets } from "../../protocol/client/testing/socket.ts";
import { type ConnectionState, createConnection } from "./connection.ts";

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
  const clock = manualClock();
  const sockets = fakeSockets<AgentClientFrame>();
  const frames: AgentServerFrame[] = [];
  const states: ConnectionState[] = [];
  let unauthorized = 0;
  const conn = createConnection({
    url: "ws://test/ws/agent",
    socket: sockets.factory,
    clock,
    random: () => 0, // no waiting between attempts
    onFrame: (f) => frames.push(f),
    onState: (s) => states.push(s),
    onUnauthorized: () => unauthorized++,
    ...opts,
  });
  return { conn, clock, sockets: sockets.all, frames, states, unauthorized: () => unauthorized };
}

/** Lets settled promises run their callbacks (the session check); no timer involved. */
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

Deno.test("the connection is connected only after welcome, answers pings and forwards frames", () => {
  const h = harness();
  const s = h.sockets[0];
  s.open();
  assert.equal(h.conn.state, "connecting");
  assert.equal(h.conn.send({ type: "presence", status: "away" }), false);
  s.receive(welcome);
  assert.equal(h.conn.state, "connected");
  s.receive({ type: "ping" });
  assert.deepEqual(s.sent, [{ type: "pong" }]);
  s.receive({ type: "nonsense" });
  s.receive({ type: "agent", agent: { ...welcome.agent, status: "away" } });
  assert.deepEqual(h.frames.map((f) => f.type), ["welcome", "agent"]);
  assert.equal(h.conn.send({ type: "presence", status: "away" }), true);
  h.conn.close();
});

Deno.test("a dropped socket reconnects and a new welcome follows", () => {
  const h = harness();
  h.sockets[0].open();
  h.sockets[0].receive(welcome);
  h.sockets[0].serverClose(1012);
  assert.equal(h.conn.state, "disconnected");
  h.clock.advance(0);
  assert.equal(h.sockets.length, 2);
  h.sockets[1].open();
  h.sockets[1].receive(welcome);
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

Deno.test("close code 4001 stops reconnecting and reports the lost session", () => {
  const h = harness();
  h.sockets[0].open();
  h.sockets[0].receive(welcome);
  h.sockets[0].serverClose(4001);
  h.clock.advance(60_000);
  assert.equal(h.sockets.length, 1);
  assert.equal(h.unauthorized(), 1);
});

Deno.test("a refused upgrade with a dead session stops retrying", async () => {
  const h = harness({ checkSession: () => Promise.resolve(false) });
  h.sockets[0].serverClose(1006);
  await flush();
  assert.equal(h.unauthorized(), 1);
  const count = h.sockets.length;
  h.clock.advance(60_000);
  assert.equal(h.sockets.length, count);
});

Deno.test("close() closes the socket and never reconnects", () => {
  const h = harness();
  h.sockets[0].open();
  h.conn.close();
  assert.equal(h.sockets[0].closedWith, 1000);
  h.clock.advance(60_000);
  assert.equal(h.sockets.length, 1);
});

Deno.test("reconnectNow() replaces a socket that looks open, without waiting", () => {
  const h = harness();
  h.sockets[0].open();
  h.sockets[0].receive(welcome);
  h.conn.reconnectNow();
  assert.equal(h.sockets.length, 2);
  assert.notEqual(h.sockets[0].closedWith, undefined);
  assert.equal(h.conn.state, "connecting");
});
