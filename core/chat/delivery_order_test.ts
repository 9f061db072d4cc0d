import assert from "node:assert/strict";
import { DeliveryOrder, type Filled } from "./delivery_order.ts";
import { waitUntil } from "../../tests/helpers/wait.ts";

function recorder() {
  const seen: number[] = [];
  return { seen, at: (seq: number) => () => seen.push(seq) };
}

Deno.test("DeliveryOrder holds a message until its predecessor arrives", () => {
  const r = recorder();
  const order = new DeliveryOrder({ fill: () => Promise.resolve([]) });
  order.offer("c", 4, r.at(4));
  order.offer("c", 6, r.at(6));
  order.offer("c", 7, r.at(7));
  assert.deepEqual(r.seen, [4]);
  assert.equal(order.waiting, 1);
  order.offer("c", 5, r.at(5));
  assert.deepEqual(r.seen, [4, 5, 6, 7]);
  assert.equal(order.waiting, 0);
});

Deno.test("DeliveryOrder reads a gap that outlives the wait from the store", async () => {
  const r = recorder();
  const fills: [number, number][] = [];
  const order = new DeliveryOrder({
    waitMs: 10,
    fill(_c, after, before) {
      fills.push([after, before]);
      const filled = [];
      for (let s = after + 1; s < before; s++) filled.push({ seq: s, deliver: r.at(s) });
      return Promise.resolve(filled);
    },
  });
  order.offer("c", 1, r.at(1));
  order.offer("c", 4, r.at(4));
  await waitUntil(() => r.seen.length >= 4, "the gap is filled and 4 delivered");
  assert.deepEqual(fills, [[1, 4]]);
  assert.deepEqual(r.seen, [1, 2, 3, 4]);
  order.offer("c", 2, r.at(2)); // the late original: the fill delivered it already
  order.offer("c", 5, r.at(5));
  assert.deepEqual(r.seen, [1, 2, 3, 4, 5]);
});

Deno.test("DeliveryOrder delivers a filled seq once when its doorbell comes during the read", async () => {
  const r = recorder();
  let read: ((m: Filled[]) => void) | null = null;
  const order = new DeliveryOrder({
    waitMs: 5,
    fill: () => new Promise<Filled[]>((resolve) => read ??= resolve),
  });
  order.offer("c", 1, r.at(1));
  order.offer("c", 4, r.at(4));
  await waitUntil(() => read !== null, "the gap is being read");
  // 2 arrives while the store is read: delivered at once; the read then brings 2 and 3.
  order.offer("c", 2, r.at(2));
  read!([{ seq: 2, deliver: r.at(2) }, { seq: 3, deliver: r.at(3) }]);
  await waitUntil(() => r.seen.length >= 4, "3 and 4 follow");
  order.offer("c", 3, r.at(3)); // 3's own doorbell, late
  assert.deepEqual(r.seen, [1, 2, 3, 4]);
});

Deno.test("DeliveryOrder delivers held messages even when the fill fails", async () => {
  const r = recorder();
  const errors: unknown[] = [];
  const order = new DeliveryOrder({
    waitMs: 5,
    fill: () => Promise.reject(new Error("database down")),
    onError: (e) => errors.push(e),
  });
  order.offer("c", 1, r.at(1));
  order.offer("c", 3, r.at(3));
  await waitUntil(() => errors.length >= 1 && r.seen.length >= 2, "the failed fill lets 3 go");
  assert.deepEqual(r.seen, [1, 3]);
  assert.equal(errors.length, 1);
});

Deno.test("DeliveryOrder keeps conversations apart and delivers a seq once", () => {
  const r = recorder();
  const order = new DeliveryOrder({ fill: () => Promise.resolve([]) });
  order.offer("a", 1, r.at(1));
  order.offer("b", 10, r.at(10));
  order.offer("a", 2, r.at(2));
  order.offer("a", 2, r.at(2));
  order.offer("b", 11, r.at(11));
  order.offer("b", 10, r.at(10));
  assert.deepEqual(r.seen, [1, 10, 2, 11]);
});

Deno.test("DeliveryOrder delivers an older seq never delivered here, as a repeat", () => {
  const seen: [number, boolean][] = [];
  const order = new DeliveryOrder({ fill: () => Promise.resolve([]) });
  // This instance first saw 10 (its own append); 9, from another instance, comes late.
  order.offer("c", 10, (repeat) => seen.push([10, repeat]));
  order.offer("c", 9, (repeat) => seen.push([9, repeat]));
  order.offer("c", 9, (repeat) => seen.push([9, repeat]));
  assert.deepEqual(seen, [[10, false], [9, true]]);
});

Deno.test("DeliveryOrder.reached() resolves at once for a delivered seq and waits for a gap", async () => {
  const r = recorder();
  const order = new DeliveryOrder({ fill: () => Promise.resolve([]) });
  order.offer("c", 4, r.at(4));
  const when: string[] = [];
  await order.reached("c", 4).then(() => when.push("ack 4"));
  // Seq 6 (a sender's own message) was published before 5 (another author's, still on its way).
  order.offer("c", 6, r.at(6));
  const ack6 = order.reached("c", 6).then(() => when.push(`ack 6 after ${r.seen.join(",")}`));
  await Promise.resolve();
  assert.deepEqual(when, ["ack 4"]);
  order.offer("c", 5, r.at(5));
  await ack6;
  assert.deepEqual(when, ["ack 4", "ack 6 after 4,5,6"]);
});

Deno.test("DeliveryOrder.reached() waits for a conversation not seen yet", async () => {
  const r = recorder();
  const order = new DeliveryOrder({ fill: () => Promise.resolve([]) });
  const ack = order.reached("c", 1).then(() => r.seen.slice());
  order.offer("c", 1, r.at(1));
  assert.deepEqual(await ack, [1]);
});

Deno.test("DeliveryOrder.reached() follows a gap read from the store", async () => {
  const r = recorder();
  const order = new DeliveryOrder({
    waitMs: 10,
    fill(_c, after, before) {
      const filled = [];
      for (let s = after + 1; s < before; s++) filled.push({ seq: s, deliver: r.at(s) });
      return Promise.resolve(filled);
    },
  });
  order.offer("c", 1, r.at(1));
  order.offer("c", 3, r.at(3));
  await order.reached("c", 3);
  assert.deepEqual(r.seen, [1, 2, 3]);
});

Deno.test("DeliveryOrder.reached() gives up after maxAckWaitMs when the publish never comes", async () => {
  const order = new DeliveryOrder({ fill: () => Promise.resolve([]), maxAckWaitMs: 20 });
  const started = performance.now();
  await order.reached("c", 9);
  const waited = performance.now() - started;
  assert.ok(waited >= 15, `waited ${waited} ms`);
  // A later call starts clean: the waiter was removed.
  order.offer("c", 9, () => {});
  await order.reached("c", 9);
});
