/**
 * The agent socket's request ids, in-process: a command carrying a `requestId` gets exactly one
 * reply echoing it (`done`, `error`, `history` or `visitor`); one without gets no `done`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openTestStore, startTestCore, type TestVisitor } from "../testing/test_core.ts";

const store = await openTestStore();

/** A visitor who wrote once, so their conversation is queued. */
async function queuedConversation(visitor: TestVisitor): Promise<string> {
  visitor.send({ type: "message", clientId: "first", body: "Hello?" });
  const ack = await visitor.next("ack", { clientId: "first" });
  return String(ack.conversationId);
}

Deno.test("a command with a requestId gets done after it took effect", async () => {
  await using t = await startTestCore(store);
  await using agent = await t.agent();
  await using visitor = await t.visitor();
  const conversationId = await queuedConversation(visitor);
  agent.send({ type: "accept", conversationId, requestId: "r-accept" });
  await agent.next("done", { requestId: "r-accept" });
  // Stored before the done: the store already has the assignment.
  const conv = await store.getConversation(conversationId);
  assert.equal(conv?.assigneeId, agent.agent.id);
  agent.send({ type: "read", conversationId, seq: 1, requestId: "r-read" });
  agent.send({ type: "presence", status: "away", requestId: "r-away" });
  await agent.next("done", { requestId: "r-read" });
  await agent.next("done", { requestId: "r-away" });
});

Deno.test("a command without a requestId gets no done", async () => {
  await using t = await startTestCore(store);
  await using agent = await t.agent();
  await using visitor = await t.visitor();
  const conversationId = await queuedConversation(visitor);
  agent.send({ type: "accept", conversationId });
  agent.send({ type: "presence", status: "online" });
  // Frames of a socket are handled in order: once the ping is answered, both commands were.
  agent.send({ type: "ping" });
  await agent.next("pong");
  assert.equal((await store.getConversation(conversationId))?.assigneeId, agent.agent.id);
  assert.deepEqual(agent.peer.all("done"), []);
  assert.deepEqual(agent.peer.all("error"), []);
});

Deno.test("a refused command gets one error echoing its requestId, and no done", async () => {
  await using t = await startTestCore(store);
  await using agent = await t.agent();
  await using visitor = await t.visitor();
  const conversationId = await queuedConversation(visitor);
  agent.send({ type: "reopen", conversationId, requestId: "r-reopen" });
  const error = await agent.next("error", { requestId: "r-reopen" });
  assert.equal(error.code, "conflict");
  assert.equal(error.conversationId, conversationId);
  agent.send({ type: "ping" });
  await agent.next("pong");
  assert.deepEqual(agent.peer.all("done"), []);
  assert.equal(agent.peer.all("error").length, 1);
});

Deno.test("sync answers with history echoing its requestId, notes included", async () => {
  await using t = await startTestCore(store);
  await using agent = await t.agent();
  await using visitor = await t.visitor();
  const conversationId = await queuedConversation(visitor);
  agent.send({ type: "message", conversationId, clientId: "n1", body: "VIP", note: true });
  await agent.next("ack", { clientId: "n1" });
  agent.send({ type: "sync", conversationId, afterSeq: 0, requestId: "r-sync" });
  const history = await agent.next("history", { requestId: "r-sync" });
  assert.equal(history.conversationId, conversationId);
  const bodies = (history.messages as { body: string }[]).map((m) => m.body);
  assert.deepEqual(bodies, ["Hello?", "VIP"]);
  agent.send({ type: "ping" });
  await agent.next("pong");
  assert.deepEqual(agent.peer.all("done"), []);
});

Deno.test("visitor answers with the visitor echoing its requestId, or not_found", async () => {
  await using t = await startTestCore(store);
  await using agent = await t.agent();
  await using visitor = await t.visitor();
  agent.send({ type: "visitor", visitorId: visitor.visitorId, requestId: "r-v1" });
  const reply = await agent.next("visitor", { requestId: "r-v1" });
  assert.equal((reply.visitor as { id: string }).id, visitor.visitorId);
  assert.equal((reply.visitor as { online: boolean }).online, true);
  agent.send({ type: "visitor", visitorId: crypto.randomUUID(), requestId: "r-v2" });
  const error = await agent.next("error", { requestId: "r-v2" });
  assert.equal(error.code, "not_found");
});

Deno.test("a frame that fails validation is refused naming its requestId", async () => {
  await using t = await startTestCore(store);
  await using agent = await t.agent();
  agent.send(JSON.stringify({ type: "accept", requestId: "r-bad" }));
  const error = await agent.next("error", { requestId: "r-bad" });
  assert.equal(error.code, "bad_frame");
  // A requestId that does not look like one is not echoed.
  agent.send(JSON.stringify({ type: "accept", requestId: "no spaces <>" }));
  const unnamed = await agent.next("error");
  assert.equal(unnamed.code, "bad_frame");
  assert.equal(unnamed.requestId, undefined);
});

Deno.test("a command refused for the frame budget gets a retryable error naming it", async () => {
  // Agents get twice the budget: two frames, then refusals.
  await using t = await startTestCore(store, { frameBurst: 1, framesPerSecond: 0.001 });
  await using agent = await t.agent();
  agent.send({ type: "ping" });
  agent.send({ type: "ping" });
  agent.send({ type: "presence", status: "away", requestId: "r-flood" });
  const error = await agent.next("error", { requestId: "r-flood" });
  assert.equal(error.code, "rate_limited");
  assert.equal(error.retryable, true);
});

Deno.test("a message refused keeps answering by clientId, not requestId", async () => {
  await using t = await startTestCore(store);
  await using agent = await t.agent();
  agent.send({
    type: "message",
    conversationId: crypto.randomUUID(),
    clientId: "m-missing",
    body: "Anyone?",
  });
  const error = await agent.next("error", { clientId: "m-missing" });
  assert.equal(error.code, "not_found");
  assert.equal(error.requestId, undefined);
});
