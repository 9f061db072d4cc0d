/**
 * The chat core in-process, from frame to fan-out: the commands persist then publish, the
 * fan-out relays through the projection, and fake peers see what real sockets would.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openTestStore, startTestCore, type TestVisitor } from "../testing/test_core.ts";
import type { Frame } from "../testing/fake_peer.ts";

const store = await openTestStore();

/** A visitor who wrote once, so their conversation is queued. */
async function queuedConversation(visitor: TestVisitor, body = "Hello?"): Promise<string> {
  const clientId = `c-${crypto.randomUUID().slice(0, 8)}`;
  visitor.send({ type: "message", clientId, body });
  const ack = await visitor.next("ack", { clientId });
  return String(ack.conversationId);
}

/** Matches a `conversation` frame (agent side) for `id` in `status` assigned to `assigneeId`. */
function summaryOf(id: string, status: string, assigneeId: string | null) {
  return (f: Frame) => {
    const c = f.conversation as { id: string; status: string; assigneeId: string | null };
    return c.id === id && c.status === status && c.assigneeId === assigneeId;
  };
}

/** Matches a `message` frame with this body. */
function messageWith(body: string) {
  return (f: Frame) => (f.message as { body: string }).body === body;
}

Deno.test("two agents accepting one queued conversation at once: exactly one wins", async () => {
  await using t = await startTestCore(store);
  await using ann = await t.agent("Ann");
  await using bob = await t.agent("Bob");
  await using visitor = await t.visitor();
  const conversationId = await queuedConversation(visitor);
  ann.send({ type: "accept", conversationId, requestId: "ann-1" });
  bob.send({ type: "accept", conversationId, requestId: "bob-1" });
  const replies = await Promise.all([
    Promise.race([ann.next("done", { requestId: "ann-1" }), ann.next("error")]),
    Promise.race([bob.next("done", { requestId: "bob-1" }), bob.next("error")]),
  ]);
  const winners = replies.filter((r) => r.type === "done");
  const losers = replies.filter((r) => r.type === "error");
  assert.equal(winners.length, 1);
  assert.equal(losers.length, 1);
  const loser = losers[0];
  assert.equal(loser.code, "conflict");
  assert.equal(loser.conversationId, conversationId);
  assert.equal(loser.requestId, winners[0].requestId === "ann-1" ? "bob-1" : "ann-1");
  const winner = winners[0].requestId === "ann-1" ? ann : bob;
  assert.equal((await store.getConversation(conversationId))?.assigneeId, winner.agent.id);
  // Everyone hears who joined: agents the open summary, the visitor the assignee.
  await ann.next("conversation", summaryOf(conversationId, "open", winner.agent.id));
  await bob.next("conversation", summaryOf(conversationId, "open", winner.agent.id));
  await visitor.next("message", messageWith(`${winner.agent.name} joined the conversation`));
  const seen = await visitor.next("conversation", (f) => {
    const c = f.conversation as { assignee: { id: string } | null };
    return c.assignee?.id === winner.agent.id;
  });
  assert.equal((seen.conversation as { status: string }).status, "open");
});

Deno.test("transfer hands the conversation over and tells everyone", async () => {
  await using t = await startTestCore(store);
  await using ann = await t.agent("Ann");
  await using bob = await t.agent("Bob");
  await using visitor = await t.visitor();
  const conversationId = await queuedConversation(visitor);
  ann.send({ type: "accept", conversationId, requestId: "a" });
  await ann.next("done", { requestId: "a" });
  ann.send({ type: "transfer", conversationId, agentId: bob.agent.id, requestId: "t" });
  await ann.next("done", { requestId: "t" });
  await bob.next("conversation", summaryOf(conversationId, "open", bob.agent.id));
  await bob.next("message", messageWith("Ann transferred the conversation to Bob"));
  await visitor.next("message", messageWith("Ann transferred the conversation to Bob"));
  await visitor.next("conversation", (f) => {
    return (f.conversation as { assignee: { id: string } | null }).assignee?.id === bob.agent.id;
  });
  // To nobody: refused, naming the request.
  ann.send({ type: "transfer", conversationId, agentId: crypto.randomUUID(), requestId: "t2" });
  assert.equal((await ann.next("error", { requestId: "t2" })).code, "not_found");
});

Deno.test("resolve and reopen: each once, visitor told, repeats refused", async () => {
  await using t = await startTestCore(store);
  await using ann = await t.agent("Ann");
  await using visitor = await t.visitor();
  const conversationId = await queuedConversation(visitor);
  ann.send({ type: "resolve", conversationId, requestId: "r1" });
  await ann.next("done", { requestId: "r1" });
  await ann.next("conversation", summaryOf(conversationId, "resolved", null));
  await visitor.next("conversation", (f) => {
    return (f.conversation as { status: string }).status === "resolved";
  });
  ann.send({ type: "resolve", conversationId, requestId: "r2" });
  assert.equal((await ann.next("error", { requestId: "r2" })).code, "conflict");
  ann.send({ type: "reopen", conversationId, requestId: "o1" });
  await ann.next("done", { requestId: "o1" });
  await visitor.next("message", messageWith("Ann reopened the conversation"));
  ann.send({ type: "reopen", conversationId, requestId: "o2" });
  assert.equal((await ann.next("error", { requestId: "o2" })).code, "conflict");
  assert.notEqual((await store.getConversation(conversationId))?.status, "resolved");
});

Deno.test("private notes reach agents, never a visitor socket", async () => {
  await using t = await startTestCore(store);
  await using ann = await t.agent("Ann");
  await using bob = await t.agent("Bob");
  await using visitor = await t.visitor();
  const conversationId = await queuedConversation(visitor);
  ann.send({ type: "message", conversationId, clientId: "n1", body: "Secret note", note: true });
  await ann.next("ack", { clientId: "n1" });
  ann.send({ type: "message", conversationId, clientId: "r1", body: "Public reply" });
  await ann.next("ack", { clientId: "r1" });
  await bob.next("message", messageWith("Secret note"));
  // The reply comes after the note in seq order, so once it has arrived the note would have.
  await visitor.next("message", messageWith("Public reply"));
  const bodies = visitor.peer.all("message").map((f) => (f.message as { body: string }).body);
  assert.deepEqual(bodies, ["Hello?", "Public reply"]);
  // Nor in the visitor's history.
  visitor.send({ type: "sync", afterSeq: 0 });
  const history = await visitor.next("history");
  const synced = (history.messages as { body: string; note: boolean }[]).map((m) => m.body);
  assert.deepEqual(synced, ["Hello?", "Public reply"]);
});

Deno.test("an ack reaches its sender only after every earlier message of the conversation", async () => {
  await using t = await startTestCore(store);
  await using ann = await t.agent("Ann");
  await using visitor = await t.visitor();
  const conversationId = await queuedConversation(visitor);
  // Ann's reply (seq 2) is stored, but its doorbell never rings on this instance: the fan-out
  // learns of it only by filling the gap once the visitor's next message (seq 3) shows one.
  const held = t.bus.hold((e) => e.conversationId === conversationId && e.seq === 2);
  ann.send({ type: "message", conversationId, clientId: "a2", body: "Reply from Ann" });
  // Ann's own ack waits for seq 2 too, and gives up after its bound (1 s) with the doorbell lost.
  await ann.next("ack", { clientId: "a2" });
  assert.equal(held.length, 1);
  visitor.send({ type: "message", clientId: "v3", body: "Thanks" });
  const ack = await visitor.next("ack", { clientId: "v3" });
  assert.equal(ack.seq, 3);
  const frames = visitor.peer.frames;
  const reply = frames.findIndex((f) => f.type === "message" && messageWith("Reply from Ann")(f));
  assert.ok(reply >= 0, "the visitor got seq 2 before the ack for seq 3");
  assert.ok(reply < frames.indexOf(ack));
});

Deno.test("typing travels both ways, never back to the typing agent's own tabs", async () => {
  await using t = await startTestCore(store);
  await using ann = await t.agent("Ann");
  await using annTab = await t.connect(ann.agent);
  await using bob = await t.agent("Bob");
  await using visitor = await t.visitor();
  const conversationId = await queuedConversation(visitor);
  visitor.send({ type: "typing", active: true, preview: "I wonder" });
  const typing = await ann.next("typing", { conversationId, author: "visitor" });
  assert.deepEqual([typing.active, typing.preview], [true, "I wonder"]);
  assert.equal(typing.name, (visitor.welcome.visitor as { name: string }).name);
  ann.send({ type: "typing", conversationId, active: true });
  assert.deepEqual(await visitor.next("typing"), { type: "typing", active: true, name: "Ann" });
  await bob.next("typing", { conversationId, author: "agent", agentId: ann.agent.id });
  // Sending clears the indicator; the typing agent's other tab heard none of it.
  ann.send({ type: "message", conversationId, clientId: "r1", body: "Hi!" });
  await visitor.next("typing", { active: false, name: "Ann" });
  await bob.next("typing", { agentId: ann.agent.id, active: false });
  assert.deepEqual(annTab.peer.all("typing").filter((f) => f.author === "agent"), []);
});

Deno.test("identify and contact reach agents and the visitor's own tabs", async () => {
  await using t = await startTestCore(store);
  await using ann = await t.agent("Ann");
  await using visitor = await t.visitor();
  visitor.send({ type: "identify", id: "user-42", name: "Grace", email: "grace@example.com" });
  const identity = await visitor.next("identity");
  assert.deepEqual([identity.name, identity.email, identity.verified], [
    "Grace",
    "grace@example.com",
    false,
  ]);
  await ann.next("visitor", (f) => (f.visitor as { name: string }).name === "Grace");
  visitor.send({ type: "contact", email: "g@example.com" });
  assert.equal((await visitor.next("identity")).email, "g@example.com");
  await ann.next("visitor", (f) => (f.visitor as { email: string }).email === "g@example.com");
  // The typing label follows the new name.
  await queuedConversation(visitor);
  visitor.send({ type: "typing", active: true });
  assert.equal((await ann.next("typing", { author: "visitor" })).name, "Grace");
});

Deno.test("a visitor hears of its conversation when it opens, not again with each message", async () => {
  await using t = await startTestCore(store);
  await using visitor = await t.visitor();
  for (const body of ["one", "two", "three"]) {
    const clientId = `c-${crypto.randomUUID().slice(0, 8)}`;
    visitor.send({ type: "message", clientId, body });
    await visitor.next("ack", { clientId });
  }
  // Events of a conversation are handled in order: once the last message's echo is here, the
  // refreshes that followed the earlier messages have been handled too.
  await visitor.next("message", messageWith("three"));
  const frames = visitor.peer.all("conversation");
  assert.equal(frames.length, 1, "one conversation frame, when the first message opened it");
  assert.equal((frames[0].conversation as { status: string }).status, "queued");
});
