/**
 * The chat model's outbox: offline-first delivery, one message on the wire at a time, resends
 * from the oldest message after retryable refusals and reconnects, and final refusals.
 */

import assert from "node:assert/strict";
import type { Message, VisitorClientFrame } from "../../protocol/frames.ts";
import type { FakeSocket } from "../../protocol/client/testing/socket.ts";
import { MemoryStorage } from "./_testing.ts";
import { ack, KEY, msg, setupChat, welcome } from "./_model_testing.ts";

/** Client ids of the messages a socket carried, in sending order. */
const sentIds = (s: FakeSocket<VisitorClientFrame>) => s.sentOf("message").map((f) => f.clientId);

const refusal = (clientId: string, code = "unavailable") => ({
  type: "error",
  code,
  message: "Refused",
  retryable: true,
  clientId,
});

/**
 * Plays a server that stores messages in the order they arrive, answers a resent clientId with
 * the original ack, and refuses arrival `n` retryably when `refuse(n)` says so. It does not hold
 * later messages back after a refusal (as `core/send_order.ts` does), so any order it stores is
 * the order the client sent in.
 */
function playServer(s: FakeSocket<VisitorClientFrame>, refuse: (n: number) => boolean) {
  const stored: string[] = [];
  let answered = 0;
  let arrivals = 0;
  return {
    stored,
    /** Answers every message frame not answered yet, including those sent while answering. */
    answer() {
      while (answered < s.sent.length) {
        const f = s.sent[answered++];
        if (f.type !== "message") continue;
        const at = stored.indexOf(f.clientId);
        if (at >= 0) s.receive(ack(f.clientId, at + 1));
        else if (refuse(arrivals++)) s.receive(refusal(f.clientId));
        else s.receive(ack(f.clientId, stored.push(f.clientId)));
      }
    },
  };
}

Deno.test("send() while offline queues in a persisted outbox and flushes after welcome", () => {
  const { model, storage, connect, sockets } = setupChat();
  model.start();
  assert.equal(model.send("Hello?"), true);
  assert.equal(model.items.value[0].delivery, "sending");
  assert.deepEqual(JSON.parse(storage.getItem(KEY)!).outbox.map((m: Message) => m.body), [
    "Hello?",
  ]);
  sockets.last().sent.length = 0;
  const s = connect();
  assert.deepEqual(s.sentOf("message"), [{ type: "message", clientId: "k1", body: "Hello?" }]);
  s.receive(ack("k1", 1));
  assert.equal(model.items.value.length, 1);
  assert.equal(model.items.value[0].delivery, "sent");
  assert.equal(model.items.value[0].seq, 1);
  assert.deepEqual(JSON.parse(storage.getItem(KEY)!).outbox, []);
  model.dispose();
});

Deno.test("one message is on the wire at a time: the next leaves when the previous is acked", () => {
  const { model, connect } = setupChat();
  const s = connect();
  model.send("a");
  model.send("b");
  model.send("c");
  assert.deepEqual(sentIds(s), ["k1"]);
  s.receive(ack("k1", 1));
  assert.deepEqual(sentIds(s), ["k1", "k2"]);
  s.receive(ack("k2", 2));
  s.receive(ack("k3", 3));
  assert.deepEqual(sentIds(s), ["k1", "k2", "k3"]);
  assert.deepEqual(model.items.value.map((i) => [i.body, i.seq, i.delivery]), [
    ["a", 1, "sent"],
    ["b", 2, "sent"],
    ["c", 3, "sent"],
  ]);
  model.dispose();
});

Deno.test("after a retryable refusal the outbox is resent from the oldest message, in order", () => {
  const { model, connect, clock } = setupChat();
  const s = connect();
  model.send("a");
  model.send("b");
  s.receive(refusal("k1"));
  model.send("c"); // written while waiting: it queues behind a and b
  assert.deepEqual(sentIds(s), ["k1"]);
  assert.deepEqual(model.items.value.map((i) => i.delivery), ["sending", "sending", "sending"]);
  clock.advance(249);
  assert.deepEqual(sentIds(s), ["k1"]);
  clock.advance(1); // the shortest wait is 250 ms
  assert.deepEqual(sentIds(s), ["k1", "k1"]);
  s.receive(ack("k1", 1));
  s.receive(refusal("k2", "rate_limited"));
  clock.advance(250);
  s.receive(ack("k2", 2));
  s.receive(ack("k3", 3));
  assert.deepEqual(sentIds(s), ["k1", "k1", "k2", "k2", "k3"]);
  assert.deepEqual(model.items.value.map((i) => [i.body, i.seq]), [["a", 1], ["b", 2], ["c", 3]]);
  model.dispose();
});

Deno.test("whatever the server refuses, each message is stored once, in writing order", () => {
  // Refuse arrivals in runs, as a database restart or a rate limit would.
  const refused = new Set([0, 1, 2, 5, 8, 9, 10, 11, 15, 16, 20]);
  const { model, connect, clock } = setupChat({ random: () => 0.5 });
  const s = connect();
  const server = playServer(s, (n) => refused.has(n));
  for (let i = 1; i <= 12; i++) {
    model.send(`m${i}`);
    server.answer();
    if (i % 3 === 0) clock.advance(300);
    server.answer();
  }
  for (let i = 0; i < 40 && server.stored.length < 12; i++) {
    clock.advance(30_000);
    server.answer();
  }
  assert.deepEqual(server.stored, Array.from({ length: 12 }, (_, i) => `k${i + 1}`));
  assert.ok(model.items.value.every((i) => i.delivery === "sent"));
  assert.deepEqual(model.items.value.map((i) => i.seq), server.stored.map((_, i) => i + 1));
  model.dispose();
});

Deno.test("the resend backoff grows while refusals go on and starts over after an ack", () => {
  const { model, connect, clock } = setupChat({ random: () => 0.999 });
  const s = connect();
  model.send("a");
  s.receive(refusal("k1"));
  clock.advance(498);
  assert.equal(sentIds(s).length, 1);
  clock.advance(1); // < 500 ms
  assert.equal(sentIds(s).length, 2);
  s.receive(refusal("k1"));
  clock.advance(998);
  assert.equal(sentIds(s).length, 2);
  clock.advance(1); // < 1000 ms
  assert.equal(sentIds(s).length, 3);
  s.receive(ack("k1", 1));
  model.send("b");
  s.receive(refusal("k2"));
  clock.advance(499);
  assert.deepEqual(sentIds(s), ["k1", "k1", "k1", "k2", "k2"]);
  model.dispose();
});

Deno.test("a reconnect resends the outbox at once, oldest first, and cancels the wait", () => {
  const { model, connect, sockets, clock } = setupChat();
  const s = connect();
  model.send("a");
  model.send("b");
  s.receive(refusal("k1"));
  s.serverClose(1012);
  model.send("c"); // written while disconnected
  clock.advance(0); // the reconnect (no backoff with random = 0)
  const again = connect();
  assert.notEqual(again, s);
  assert.deepEqual(sentIds(again), ["k1"]);
  again.receive(ack("k1", 1));
  again.receive(ack("k2", 2));
  again.receive(ack("k3", 3));
  clock.advance(10_000); // the old socket's wait was cancelled: nothing more is sent
  assert.deepEqual(sentIds(again), ["k1", "k2", "k3"]);
  assert.deepEqual(sentIds(s), ["k1"]);
  assert.equal(sockets.all.length, 2);
  model.dispose();
});

Deno.test("a message in flight when the socket dropped is resent first after the reconnect", () => {
  const { model, connect, clock } = setupChat();
  const s = connect();
  model.send("a");
  model.send("b");
  s.serverClose(1006); // a's ack was lost
  clock.advance(0);
  const again = connect();
  assert.deepEqual(sentIds(again), ["k1"]);
  again.receive(ack("k1", 1));
  assert.deepEqual(sentIds(again), ["k1", "k2"]);
  model.dispose();
});

Deno.test("a welcome holding the in-flight message's stored copy sends only the next one", () => {
  const { model, connect, clock } = setupChat();
  const s = connect();
  model.send("a");
  model.send("b");
  s.serverClose(1006); // a was stored, but its ack was lost
  clock.advance(0);
  const again = connect(welcome([msg(1, { authorKind: "visitor", clientId: "k1", body: "a" })]));
  assert.deepEqual(sentIds(again), ["k2"]);
  again.receive(ack("k2", 2));
  assert.deepEqual(model.items.value.map((i) => [i.body, i.seq, i.delivery]), [
    ["a", 1, "sent"],
    ["b", 2, "sent"],
  ]);
  model.dispose();
});

Deno.test("the outbox survives a reload and is resent in order with the same clientIds", () => {
  const storage = new MemoryStorage();
  const first = setupChat({ storage });
  first.model.start();
  first.model.send("written offline");
  first.model.send("and then this");
  first.model.dispose();
  const second = setupChat({ storage });
  assert.deepEqual(second.model.items.value.map((i) => [i.body, i.delivery]), [
    ["written offline", "sending"],
    ["and then this", "sending"],
  ]);
  const s = second.connect();
  assert.deepEqual(s.sentOf("message"), [
    { type: "message", clientId: "k1", body: "written offline" },
  ]);
  s.receive(ack("k1", 1));
  assert.deepEqual(s.sentOf("message").at(-1), {
    type: "message",
    clientId: "k2",
    body: "and then this",
  });
  second.model.dispose();
});

Deno.test("a final refusal marks the message failed and lets the next one go; Retry resends it", () => {
  const { model, connect, clock, storage } = setupChat();
  const s = connect();
  model.send("a");
  model.send("b");
  s.receive(refusal("k1"));
  clock.advance(250);
  assert.deepEqual(sentIds(s), ["k1", "k1"]);
  s.receive({ type: "error", code: "too_large", message: "no", clientId: "k1" });
  assert.deepEqual(model.items.value.map((i) => i.delivery), ["failed", "sending"]);
  assert.equal(JSON.parse(storage.getItem(KEY)!).outbox[0].failed, true);
  assert.deepEqual(sentIds(s), ["k1", "k1", "k2"]);
  model.retry("k1"); // waits for b, which is on the wire
  assert.equal(model.items.value[0].delivery, "sending");
  assert.deepEqual(sentIds(s), ["k1", "k1", "k2"]);
  s.receive(ack("k2", 1));
  assert.deepEqual(sentIds(s), ["k1", "k1", "k2", "k1"]);
  s.receive(ack("k1", 2));
  assert.deepEqual(model.items.value.map((i) => [i.body, i.delivery]), [
    ["b", "sent"],
    ["a", "sent"],
  ]);
  model.dispose();
});

Deno.test("failed messages are not resent automatically on reconnect", () => {
  const { model, connect, sockets, clock } = setupChat();
  const s = connect();
  model.send("bad");
  s.receive({ type: "error", code: "too_large", message: "no", clientId: "k1" });
  s.serverClose(1006);
  clock.advance(1);
  const again = connect();
  assert.equal(again.sentOf("message").length, 0);
  assert.equal(sockets.all.length, 2);
  model.dispose();
});

Deno.test("dispose() cancels a pending resend", () => {
  const { model, connect, clock } = setupChat();
  const s = connect();
  model.send("a");
  s.receive(refusal("k1"));
  model.dispose();
  clock.advance(60_000);
  assert.deepEqual(sentIds(s), ["k1"]);
  assert.equal(clock.pending(), 0);
});
