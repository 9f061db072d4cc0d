import assert from "node:assert/strict";
import { createOutbox, type OutboxStore, RESEND_MIN_MS } from "./outbox.ts";
import { manualClock } from "./testing/clock.ts";

interface Pending {
  clientId: string;
  state: "sending" | "failed";
}

const pending = (clientId: string, state: Pending["state"] = "sending"): Pending => ({
  clientId,
  state,
});

/** An in-memory outbox in writing order (what the console keeps in a signal). */
function memoryStore(): OutboxStore<Pending> & { entries: Map<string, Pending> } {
  const entries = new Map<string, Pending>();
  return {
    entries,
    list: () => [...entries.values()],
    isFailed: (p) => p.state === "failed",
    setFailed: (p, failed) =>
      entries.set(p.clientId, { ...p, state: failed ? "failed" : "sending" }),
    remove: (p) => entries.delete(p.clientId),
  };
}

function setup(random = () => 0) {
  const timers = manualClock();
  const outbox = memoryStore();
  const sent: string[] = [];
  let connected = true;
  const queue = createOutbox({
    store: outbox,
    send: (p) => connected && sent.push(p.clientId) > 0,
    clock: timers,
    random,
  });
  const write = (...ids: string[]) => {
    for (const id of ids) outbox.entries.set(id, pending(id));
    queue.pump();
  };
  /** The server stored `id`: the queue hears of it, and it leaves the outbox. */
  const store = (id: string) => queue.stored(id);
  const setConnected = (on: boolean) => {
    connected = on;
  };
  return { timers, outbox, sent, queue, write, store, setConnected };
}

Deno.test("createOutbox() keeps one message on the wire, oldest first", () => {
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

Deno.test("createOutbox() resends from the oldest after a retryable refusal, after a wait", () => {
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

Deno.test("createOutbox() backs off longer while refusals go on and starts over after a store", () => {
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

Deno.test("createOutbox() skips failed messages and moves on after a final refusal", () => {
  const { sent, write, store, queue, outbox } = setup();
  write("a", "b");
  outbox.entries.set("a", pending("a", "failed"));
  queue.refused("a", false);
  assert.deepEqual(sent, ["a", "b"]);
  store("b");
  assert.deepEqual(sent, ["a", "b"]);
});

Deno.test("createOutbox().restart() resends at once from the oldest and cancels the wait", () => {
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

Deno.test("createOutbox() ignores acks of messages that are not on the wire", () => {
  const { sent, write, queue } = setup();
  write("a", "b");
  queue.stored("b"); // another tab's copy, say: a is still unanswered
  assert.deepEqual(sent, ["a"]);
});

Deno.test("createOutbox().dispose() cancels the wait", () => {
  const { sent, write, queue, timers } = setup();
  write("a");
  queue.refused("a", true);
  queue.dispose();
  timers.advance(60_000);
  assert.deepEqual(sent, ["a"]);
  assert.equal(timers.pending(), 0);
});

Deno.test("createOutbox() marks a finally refused message failed; retry() sends it in its place", () => {
  const { sent, write, store, queue, outbox } = setup();
  write("a", "b");
  queue.refused("a", false, "too long");
  assert.equal(outbox.entries.get("a")?.state, "failed");
  assert.deepEqual(sent, ["a", "b"]);
  queue.retry("a"); // b is on the wire: a waits its turn
  assert.deepEqual(sent, ["a", "b"]);
  store("b");
  assert.deepEqual(sent, ["a", "b", "a"]);
  assert.deepEqual([...outbox.entries.keys()], ["a"]);
});
