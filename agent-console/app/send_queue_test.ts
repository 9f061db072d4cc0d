import { manualClock } from "../../protocol/client/testing/clock.ts";
import assert from "node:assert/strict";
import { signal } from "@preact/signals";
import { createSendQueue, RESEND_MIN_MS } from "./send_queue.ts";
import type { PendingMessage } from "./thread.ts";

function pending(clientId: string, state: PendingMessage["state"] = "sending"): PendingMessage {
  return {
    clientId,
    conversationId: "c1",
    body: `body of ${clientId}`,
    note: false,
    state,
    error: null,
    createdAt: "2024-01-01T00:00:00.000Z",
  };
}

function setup(random = () => 0) {
  const timers = manualClock();
  const outbox = signal<ReadonlyMap<string, PendingMessage>>(new Map());
  const sent: string[] = [];
  let connected = true;
  const queue = createSendQueue({
    outbox,
    send: (p) => connected && sent.push(p.clientId) > 0,
    timers,
    random,
  });
  const write = (...ids: string[]) => {
    outbox.value = new Map([...outbox.value, ...ids.map((id) => [id, pending(id)] as const)]);
    queue.pump();
  };
  /** The server stored `id`: it leaves the outbox and the queue hears of it. */
  const store = (id: string) => {
    const next = new Map(outbox.value);
    next.delete(id);
    outbox.value = next;
    queue.stored(id);
  };
  const setConnected = (on: boolean) => {
    connected = on;
  };
  return { timers, outbox, sent, queue, write, store, setConnected };
}

Deno.test("createSendQueue() keeps one message on the wire, oldest first", () => {
  const { sent, write, store } = setup();
  write("a", "b");
  write("c");
  assert.deepEqual(sent, ["a"]);
  store("a");
  assert.deepEqual(sent, ["a", "b"]);
  store("b");
  store("c");
  assert.deepEqual(sent, ["a", "b", "c"]);
});

Deno.test("createSendQueue() resends from the oldest after a retryable refusal, after a wait", () => {
  const { sent, write, store, queue, timers } = setup();
  write("a", "b");
  queue.refused("a", true);
  write("c");
  assert.deepEqual(sent, ["a"]);
  timers.advance(RESEND_MIN_MS - 1);
  assert.deepEqual(sent, ["a"]);
  timers.advance(1);
  assert.deepEqual(sent, ["a", "a"]);
  store("a");
  store("b");
  store("c");
  assert.deepEqual(sent, ["a", "a", "b", "c"]);
});

Deno.test("createSendQueue() backs off longer while refusals go on and starts over after a store", () => {
  const { sent, write, store, queue, timers } = setup(() => 0.999);
  write("a");
  queue.refused("a", true);
  timers.advance(499); // < 500 ms
  assert.equal(sent.length, 2);
  queue.refused("a", true);
  timers.advance(998);
  assert.equal(sent.length, 2);
  timers.advance(1); // < 1000 ms
  assert.equal(sent.length, 3);
  store("a");
  write("b");
  queue.refused("b", true);
  timers.advance(499);
  assert.deepEqual(sent, ["a", "a", "a", "b", "b"]);
});

Deno.test("createSendQueue() skips failed messages and moves on after a final refusal", () => {
  const { sent, write, store, queue, outbox } = setup();
  write("a", "b");
  outbox.value = new Map([...outbox.value, ["a", pending("a", "failed")]]);
  queue.refused("a", false);
  assert.deepEqual(sent, ["a", "b"]);
  store("b");
  assert.deepEqual(sent, ["a", "b"]);
});

Deno.test("createSendQueue().restart() resends at once from the oldest and cancels the wait", () => {
  const { sent, write, store, queue, timers, setConnected } = setup();
  write("a", "b");
  queue.refused("a", true);
  setConnected(false);
  timers.advance(RESEND_MIN_MS); // the wait ends while disconnected: nothing can go
  assert.deepEqual(sent, ["a"]);
  setConnected(true);
  queue.restart();
  assert.deepEqual(sent, ["a", "a"]);
  queue.refused("a", true);
  queue.restart(); // a reconnect during the wait
  assert.deepEqual(sent, ["a", "a", "a"]);
  assert.equal(timers.pending(), 0);
  store("a");
  assert.deepEqual(sent, ["a", "a", "a", "b"]);
});

Deno.test("createSendQueue() ignores acks of messages that are not on the wire", () => {
  const { sent, write, queue } = setup();
  write("a", "b");
  queue.stored("b"); // another tab's copy, say: a is still unanswered
  assert.deepEqual(sent, ["a"]);
});

Deno.test("createSendQueue().dispose() cancels the wait", () => {
  const { sent, write, queue, timers } = setup();
  write("a");
  queue.refused("a", true);
  queue.dispose();
  timers.advance(60_000);
  assert.deepEqual(sent, ["a"]);
  assert.equal(timers.pending(), 0);
});
