/**
 * The visitor socket in-process: `hello` first, acks for stored messages, the hold after a
 * refused message, and the close codes of the skeleton both socket kinds share.
 *
 * @module
 */

import assert from "node:assert/strict";
import { CloseCode } from "../../protocol/codes.ts";
import { openTestStore, startTestCore } from "../testing/test_core.ts";

const store = await openTestStore();

Deno.test("hello gets a welcome with a token; a message gets an ack with its seq", async () => {
  await using t = await startTestCore(store);
  await using visitor = await t.visitor();
  assert.equal(typeof visitor.welcome.token, "string");
  assert.equal(visitor.welcome.conversation, null);
  visitor.send({ type: "message", clientId: "c1", body: "Hi" });
  visitor.send({ type: "message", clientId: "c2", body: "Anyone there?" });
  const first = await visitor.next("ack", { clientId: "c1" });
  const second = await visitor.next("ack", { clientId: "c2" });
  assert.deepEqual([first.seq, second.seq], [1, 2]);
  assert.equal(first.conversationId, second.conversationId);
});

Deno.test("a first frame other than hello is refused and the socket closed with 4400", async () => {
  await using t = await startTestCore(store);
  await using socket = t.visitorSocket();
  socket.send({ type: "message", clientId: "early", body: "Hi" });
  const error = await socket.next("error");
  assert.equal(error.code, "hello_required");
  assert.equal((await socket.peer.whenClosed()).code, CloseCode.HelloRequired);
});

Deno.test("a binary or invalid frame before hello closes the socket with 4400", async () => {
  await using t = await startTestCore(store);
  await using binary = t.visitorSocket();
  binary.handlers.onBinary();
  assert.equal((await binary.next("error")).code, "bad_frame");
  assert.equal((await binary.peer.whenClosed()).code, CloseCode.HelloRequired);
  await using garbage = t.visitorSocket();
  garbage.send("{not json");
  assert.equal((await garbage.next("error")).code, "bad_frame");
  assert.equal((await garbage.peer.whenClosed()).code, CloseCode.HelloRequired);
});

Deno.test("after hello, binary and invalid frames get errors and the socket stays open", async () => {
  await using t = await startTestCore(store);
  await using visitor = await t.visitor();
  visitor.handlers.onBinary();
  assert.equal((await visitor.next("error")).code, "bad_frame");
  visitor.send(JSON.stringify({ type: "message", clientId: "c-bad", body: "" }));
  const refused = await visitor.next("error", { clientId: "c-bad" });
  assert.equal(refused.code, "bad_frame");
  visitor.send({ type: "ping" });
  await visitor.next("pong");
  assert.equal(visitor.peer.closed, null);
});

Deno.test("a hello for an unknown site is refused and closed with 4001", async () => {
  await using t = await startTestCore(store);
  await using socket = t.visitorSocket();
  socket.send({ type: "hello", site: "no-such-site" });
  assert.equal((await socket.next("error")).code, "site_not_found");
  assert.equal((await socket.peer.whenClosed()).code, CloseCode.Unauthorized);
});

Deno.test("after a message refused retryably, later ones wait until it is stored", async () => {
  await using t = await startTestCore(store, { messageBurst: 1, messagesPerSecond: 0.001 });
  await using visitor = await t.visitor();
  visitor.send({ type: "message", clientId: "m1", body: "one" });
  visitor.send({ type: "message", clientId: "m2", body: "two" });
  visitor.send({ type: "message", clientId: "m3", body: "three" });
  await visitor.next("ack", { clientId: "m1" });
  const tooFast = await visitor.next("error", { clientId: "m2" });
  assert.deepEqual([tooFast.code, tooFast.retryable], ["rate_limited", true]);
  // m3 is held behind m2 (not merely over the rate): the client must resend m2 first.
  const held = await visitor.next("error", { clientId: "m3" });
  assert.deepEqual([held.retryable, held.message], [
    true,
    "An earlier message must be delivered first",
  ]);
});

Deno.test("a visitor's last socket closing tells agents they went offline", async () => {
  await using t = await startTestCore(store);
  await using agent = await t.agent();
  const visitor = await t.visitor();
  visitor.close();
  // The hello announced the visitor online; the close announces them offline.
  await agent.next("visitor", (f) => {
    const v = f.visitor as { id: string; online: boolean };
    return v.id === visitor.visitorId && !v.online;
  });
});
