/**
 * Visitor attributes against a real server and real sockets: a visitor's attributes are capped
 * in total (the frame that would pass the cap is refused whole with `too_large`), agents are sent
 * only the keys that changed while a reload still gets them all, concurrent updates from many
 * tabs of one visitor keep each other's writes, and identity and attribute updates are limited
 * per visitor across its sockets.
 */

import assert from "node:assert/strict";
import {
  MAX_ATTRIBUTES_PER_FRAME,
  MAX_VISITOR_ATTRIBUTE_BYTES,
  MAX_VISITOR_ATTRIBUTES,
} from "../protocol/limits.ts";
import { serverPerFile, startTestServer, type TestServer } from "./helpers/server.ts";
import type { Frame, TestSocket } from "./helpers/ws_client.ts";

type Attributes = Record<string, string | number | boolean | null>;

// The per-visitor update limit has its own test below, with its own server.
const server = serverPerFile({ env: { PARLEY_PROFILE_UPDATES_PER_MINUTE: "100000" } });

/** A visitor with `n` sockets sharing its token (like tabs); returns them and the visitor id. */
async function tabs(t: TestServer, n: number): Promise<{ id: string; sockets: TestSocket[] }> {
  const first = await t.visitorSocket();
  const welcome = first.all("welcome")[0];
  const token = String(welcome.token);
  const id = String((welcome.visitor as { id: string }).id);
  const rest = await Promise.all(
    Array.from({ length: n - 1 }, () => t.visitorSocket({ token })),
  );
  return { id, sockets: [first, ...rest] };
}

/** The visitor's attributes as an agent loading them sees them (a console reload). */
async function loaded(agent: TestSocket, visitorId: string): Promise<Attributes> {
  const requestId = `v-${crypto.randomUUID().slice(0, 8)}`;
  agent.send({ type: "visitor", visitorId, requestId });
  const f = await agent.nextOf("visitor", (x) => x.requestId === requestId);
  return (f.visitor as { attributes: Attributes }).attributes;
}

/** `n` keys named `<prefix><i>` holding `value`. */
function keys(prefix: string, n: number, value: string | number): Attributes {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, value]));
}

/** UTF-8 bytes of text. */
function bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

Deno.test("a frame that would pass a visitor's attribute cap gets too_large and stores nothing of it", async () => {
  const t = server();
  const agent = await t.adminSocket();
  const [v] = (await tabs(t, 1)).sockets;
  const visitorId = String((v.all("welcome")[0].visitor as { id: string }).id);

  // Bytes: one frame of 30 values of 500 characters fits (about 15.4 KB); a second would not.
  const big = keys("big", MAX_ATTRIBUTES_PER_FRAME, "x".repeat(500));
  v.send({ type: "attributes", attributes: big });
  await v.roundTrip();
  v.send({ type: "attributes", attributes: { ...keys("more", 29, "y".repeat(500)), big0: "z" } });
  const err = await v.nextOf("error");
  assert.equal(err.code, "too_large");
  assert.notEqual(err.retryable, true);
  assert.match(String(err.message), new RegExp(`${MAX_VISITOR_ATTRIBUTE_BYTES} bytes`));
  // A frame that fits is still stored; the refused one left no trace (big0 unchanged).
  v.send({ type: "attributes", attributes: { plan: "pro" } });
  await v.roundTrip();
  assert.deepEqual(await loaded(agent, visitorId), { ...big, plan: "pro" });
  assert.equal(v.all("error").length, 1);

  // Keys: a fresh visitor fills the key cap exactly, then one more key is refused.
  const [w] = (await tabs(t, 1)).sockets;
  const wId = String((w.all("welcome")[0].visitor as { id: string }).id);
  let all: Attributes = {};
  for (let i = 0; i < MAX_VISITOR_ATTRIBUTES; i += 25) {
    const batch = keys(`k${i}-`, 25, i);
    all = { ...all, ...batch };
    w.send({ type: "attributes", attributes: batch });
  }
  await w.roundTrip();
  assert.equal(w.all("error").length, 0);
  w.send({ type: "attributes", attributes: { extra: true } });
  assert.equal((await w.nextOf("error")).code, "too_large");
  // Changing a stored key at the cap is fine.
  w.send({ type: "attributes", attributes: { "k0-0": "changed" } });
  await w.roundTrip();
  assert.deepEqual(await loaded(agent, wId), { ...all, "k0-0": "changed" });
  await Promise.all([agent.close(), v.close(), w.close()]);
});

Deno.test("agents receive only the attributes that changed, and a reload gets them all", async () => {
  const t = server();
  const agent = await t.adminSocket();
  const [v] = (await tabs(t, 1)).sockets;
  const visitorId = String((v.all("welcome")[0].visitor as { id: string }).id);
  const ofVisitor = (f: Frame) => f.visitorId === visitorId;

  v.send({ type: "attributes", attributes: { plan: "pro", seats: 3 } });
  const first = await agent.nextOf("visitor_attributes", ofVisitor);
  assert.deepEqual(first.attributes, { plan: "pro", seats: 3 });
  v.send({ type: "attributes", attributes: { seats: 4, note: null } });
  const second = await agent.nextOf("visitor_attributes", ofVisitor);
  assert.deepEqual(second.attributes, { seats: 4, note: null });
  assert.deepEqual(await loaded(agent, visitorId), { plan: "pro", seats: 4, note: null });

  // The flood from the issue, scaled down: frames of 30 new 500-character keys. Each agent gets
  // what changed, once: never more than a few times what the visitor managed to store.
  const before = agent.frames.length;
  for (let i = 0; i < 40; i++) {
    v.send({ type: "attributes", attributes: keys(`f${i}-`, 30, "a".repeat(500)) });
  }
  await v.roundTrip();
  const stored = await loaded(agent, visitorId);
  const received = agent.frames.slice(before).filter((f) =>
    (f.type === "visitor" || f.type === "visitor_attributes") && f.requestId === undefined
  ).reduce((sum, f) => sum + bytes(JSON.stringify(f)), 0);
  const storedBytes = bytes(JSON.stringify(stored));
  console.log(
    `[figure] flood of 40 frames: agent received ${received} bytes, ${storedBytes} stored`,
  );
  assert.ok(storedBytes <= MAX_VISITOR_ATTRIBUTE_BYTES + 2 * MAX_VISITOR_ATTRIBUTES + 2);
  assert.ok(received <= 2 * storedBytes, `${received} bytes sent for ${storedBytes} stored`);
  await Promise.all([agent.close(), v.close()]);
});

Deno.test("concurrent attribute updates from many tabs of one visitor keep every write", async () => {
  const t = server();
  const agent = await t.adminSocket();
  const tabCount = 20;
  const { id, sockets } = await tabs(t, tabCount);
  // Every tab rewrites its own five keys, round after round, all tabs at once. An update that
  // read the attributes and wrote them back would put an older round back over a newer one.
  const rounds = 5;
  const mine = (tab: number, round: number) => keys(`t${tab}-`, 5, round);
  for (let round = 1; round <= rounds; round++) {
    sockets.forEach((s, tab) => s.send({ type: "attributes", attributes: mine(tab, round) }));
  }
  await Promise.all(sockets.map((s) => s.roundTrip()));
  for (const s of sockets) assert.deepEqual(s.all("error"), []);
  const expected = Object.assign({}, ...sockets.map((_, tab) => mine(tab, rounds)));
  assert.deepEqual(await loaded(agent, id), expected);
  await Promise.all([agent.close(), ...sockets.map((s) => s.close())]);
});

Deno.test("identity and attribute updates are limited per visitor, across its sockets", async () => {
  await using t = await startTestServer({ env: { PARLEY_PROFILE_UPDATES_PER_MINUTE: "4" } });
  const { sockets: [a, b] } = await tabs(t, 2);
  a.send({ type: "attributes", attributes: { one: 1 } });
  b.send({ type: "attributes", attributes: { two: 2 } });
  a.send({ type: "identify", id: "user-1", name: "Jane" });
  b.send({ type: "contact", email: "jane@example.com" });
  await Promise.all([a.roundTrip(), b.roundTrip()]);
  assert.equal(a.all("error").length + b.all("error").length, 0);
  // The budget is the visitor's, not the socket's: either tab is now refused.
  b.send({ type: "attributes", attributes: { three: 3 } });
  const err = await b.nextOf("error");
  assert.equal(err.code, "rate_limited");
  assert.equal(err.retryable, true);
  a.send({ type: "identify", id: "user-1", name: "Other" });
  assert.equal((await a.nextOf("error")).code, "rate_limited");
  // Another visitor has a budget of its own, and messages are not charged to it.
  const [other] = (await tabs(t, 1)).sockets;
  other.send({ type: "attributes", attributes: { mine: true } });
  await other.roundTrip();
  assert.equal(other.all("error").length, 0);
  a.send({ type: "message", clientId: "m-1", body: "still here" });
  assert.equal((await a.nextOf("ack")).clientId, "m-1");
  await Promise.all([a.close(), b.close(), other.close()]);
});
