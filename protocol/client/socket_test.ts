import assert from "node:assert/strict";
import type { VisitorClientFrame } from "../frames.ts";
import { FATAL_CLOSE_CODES } from "../codes.ts";
import { decodeVisitorFrame } from "./decode.ts";
import { type ConnectionState, createSocket, FATAL_CODES } from "./socket.ts";
import { manualClock } from "./testing/clock.ts";
import { fakeSockets } from "./testing/socket.ts";

const welcome = {
  type: "welcome",
  token: "tok",
  visitor: { id: "v1", name: "V", email: null, verified: false },
  conversation: null,
  messages: [],
  agentsOnline: 1,
  team: { name: "Support", replyTime: "" },
  heartbeatMs: 10_000,
};

function setup(random = () => 0.5) {
  const clock = manualClock();
  const sockets = fakeSockets<VisitorClientFrame>();
  const states: [ConnectionState, number | undefined][] = [];
  const frames: string[] = [];
  const conn = createSocket<ReturnType<typeof decodeVisitorFrame> & object, VisitorClientFrame>({
    url: "ws://x/ws/visitor",
    decode: decodeVisitorFrame,
    hello: () => ({ type: "hello", site: "demo" }),
    onFrame: (f) => frames.push(f.type),
    onState: (s, code) => states.push([s, code]),
    socket: sockets.factory,
    clock,
    random,
  });
  return { clock, sockets, states, frames, conn };
}

Deno.test("createSocket() says hello first and is connected only after welcome", () => {
  const { sockets, conn } = setup();
  conn.start();
  assert.equal(conn.state, "connecting");
  sockets.last().open();
  assert.deepEqual(sockets.last().sent, [{ type: "hello", site: "demo" }]);
  assert.equal(conn.send({ type: "ping" }), false);
  sockets.last().receive(welcome);
  assert.equal(conn.state, "connected");
  assert.equal(conn.send({ type: "read", seq: 1 }), true);
});

Deno.test("createSocket() reconnects with full-jitter backoff that grows per failure", () => {
  const { clock, sockets, conn } = setup(() => 0.999);
  conn.start();
  sockets.last().serverClose(1006);
  clock.advance(498);
  assert.equal(sockets.all.length, 1);
  clock.advance(2);
  assert.equal(sockets.all.length, 2); // attempt 0: < 500 ms
  sockets.last().serverClose(1006);
  clock.advance(998);
  assert.equal(sockets.all.length, 2);
  clock.advance(2);
  assert.equal(sockets.all.length, 3); // attempt 1: < 1000 ms
  sockets.last().open();
  sockets.last().receive(welcome);
  sockets.last().serverClose(1012); // server restart: reconnect, attempts reset by the welcome
  clock.advance(500);
  assert.equal(sockets.all.length, 4);
});

Deno.test("createSocket() does not reconnect after 4001 or 4003", () => {
  for (const code of [4001, 4003]) {
    const { clock, sockets, states, conn } = setup();
    conn.start();
    sockets.last().serverClose(code);
    clock.advance(60_000);
    assert.equal(sockets.all.length, 1);
    assert.deepEqual(states.at(-1), ["disconnected", code]);
  }
});

Deno.test("createSocket() answers ping with pong and pings after heartbeatMs of silence", () => {
  const { clock, sockets, conn, frames } = setup();
  conn.start();
  const s = sockets.last();
  s.open();
  s.receive(welcome);
  s.receive({ type: "ping" });
  assert.deepEqual(s.sent.at(-1), { type: "pong" });
  assert.deepEqual(frames, ["welcome"]);
  clock.advance(9_999);
  assert.equal(s.sentOf("ping").length, 0);
  s.receive({ type: "pong" });
  clock.advance(1);
  assert.equal(s.sentOf("ping").length, 1);
  assert.equal(conn.state, "connected");
});

Deno.test("createSocket() drops a socket that stops answering and reconnects", () => {
  const { clock, sockets, conn } = setup(() => 0);
  conn.start();
  sockets.last().open();
  sockets.last().receive(welcome);
  clock.advance(25_000); // 2 × heartbeat + 5 s with nothing received
  assert.equal(sockets.all[0].closedWith, 4008);
  assert.equal(sockets.all.length, 2);
});

Deno.test("createSocket() ignores events from a socket it already replaced", () => {
  const { sockets, conn, frames } = setup(() => 0);
  conn.start();
  const old = sockets.last();
  conn.drop();
  old.receive(welcome);
  old.serverClose(1006);
  assert.deepEqual(frames, []);
  assert.equal(conn.state, "disconnected");
});

Deno.test("createSocket() ignores malformed frames without dropping the socket", () => {
  const { sockets, conn, frames } = setup();
  conn.start();
  const s = sockets.last();
  s.open();
  const warn = console.warn;
  console.warn = () => {};
  try {
    s.receive({ type: "welcome" });
  } finally {
    console.warn = warn;
  }
  s.receive(welcome);
  assert.deepEqual(frames, ["welcome"]);
});

Deno.test("createSocket().stop() closes and stays closed", () => {
  const { clock, sockets, conn } = setup();
  conn.start();
  conn.stop();
  assert.equal(sockets.last().closedWith, 1000);
  clock.advance(60_000);
  assert.equal(sockets.all.length, 1);
  conn.reconnectNow();
  assert.equal(sockets.all.length, 1);
});

Deno.test("FATAL_CODES matches core FATAL_CLOSE_CODES", () => {
  assert.deepEqual(new Set(FATAL_CODES), new Set(FATAL_CLOSE_CODES));
});
