/**
 * The queue and routing flow over real WebSockets against a real server: a visitor's first
 * message queues a conversation, agents see it live, accept, reply, note, transfer, resolve and
 * reopen; acks carry the stored seq.
 */

import assert from "node:assert/strict";
import { ADMIN, serverPerFile } from "./helpers/server.ts";
import type { Frame } from "./helpers/ws_client.ts";

function messageOf(f: Frame): Record<string, unknown> {
  return f.message as Record<string, unknown>;
}

function conversationOf(f: Frame): Record<string, unknown> {
  return f.conversation as Record<string, unknown>;
}

/** One server for the file (booting one takes seconds); each test brings its own people. */
const server = serverPerFile();

Deno.test(
  "a visitor's first message queues a conversation that agents see live",
  async () => {
    const t = server();
    const cookie = await t.login(ADMIN.email, ADMIN.password);
    const agent = await t.agentSocket(cookie);
    const visitor = await t.visitorSocket({
      page: { url: "https://shop.test/p/1", title: "Shoes" },
    });
    const welcome = visitor.all("welcome")[0];
    assert.equal(welcome.conversation, null);
    assert.equal(typeof welcome.token, "string");
    assert.equal(welcome.agentsOnline, 1);

    visitor.send({ type: "message", clientId: "c1", body: "Hello, is anyone there?" });
    const ack = await visitor.nextOf("ack");
    assert.equal(ack.clientId, "c1");
    assert.equal(ack.seq, 1);

    const conv = await agent.nextOf("conversation");
    assert.equal(conversationOf(conv).status, "queued");
    assert.equal(conversationOf(conv).assigneeId, null);
    const relayed = await agent.nextOf("message");
    assert.equal(messageOf(relayed).body, "Hello, is anyone there?");
    assert.equal(messageOf(relayed).authorKind, "visitor");

    // The stored message is what was acknowledged.
    const stored = await t.store.getMessage(String(ack.conversationId), 1);
    assert.equal(stored?.body, "Hello, is anyone there?");
    await visitor.close();
    await agent.close();
  },
);

Deno.test(
  "accept, reply, note, transfer, resolve and reopen reach the right people",
  async () => {
    const t = server();
    const ann = await t.createAgent({ name: "Ann" });
    const bob = await t.createAgent({ name: "Bob" });
    const annWs = await t.agentSocket(await t.login(ann.email, ann.password));
    const bobWs = await t.agentSocket(await t.login(bob.email, bob.password));
    const visitor = await t.visitorSocket();

    visitor.send({ type: "message", clientId: "v1", body: "I need help with my order" });
    const { conversationId } = await visitor.nextOf("ack");
    const id = String(conversationId);

    annWs.send({ type: "accept", conversationId: id });
    const opened = await bobWs.nextOf(
      "conversation",
      (f) => conversationOf(f).assigneeId === ann.id,
    );
    assert.equal(conversationOf(opened).status, "open");
    const joined = await visitor.nextOf("message", (f) => messageOf(f).authorKind === "system");
    assert.match(String(messageOf(joined).body), /Ann joined/);
    const visitorConv = await visitor.nextOf(
      "conversation",
      (f) => conversationOf(f).assignee !== null,
    );
    assert.equal(
      (conversationOf(visitorConv).assignee as Record<string, unknown>).name,
      "Ann",
    );

    annWs.send({ type: "message", conversationId: id, clientId: "a1", body: "Happy to help!" });
    const annAck = await annWs.nextOf("ack", (f) => f.clientId === "a1");
    const reply = await visitor.nextOf("message", (f) => messageOf(f).authorKind === "agent");
    assert.equal(messageOf(reply).body, "Happy to help!");
    assert.equal(messageOf(reply).seq, annAck.seq);
    assert.equal(messageOf(reply).authorName, "Ann");

    annWs.send({
      type: "message",
      conversationId: id,
      clientId: "n1",
      body: "VIP customer, be nice",
      note: true,
    });
    await annWs.nextOf("ack", (f) => f.clientId === "n1");
    const note = await bobWs.nextOf("message", (f) => messageOf(f).note === true);
    assert.equal(messageOf(note).body, "VIP customer, be nice");

    annWs.send({ type: "transfer", conversationId: id, agentId: bob.id });
    await bobWs.nextOf("conversation", (f) => conversationOf(f).assigneeId === bob.id);
    const transferred = await visitor.nextOf(
      "message",
      (f) => String(messageOf(f).body).includes("transferred"),
    );
    assert.match(String(messageOf(transferred).body), /Ann transferred the conversation to Bob/);

    bobWs.send({ type: "resolve", conversationId: id });
    const resolved = await visitor.nextOf(
      "conversation",
      (f) => conversationOf(f).status === "resolved",
    );
    assert.equal(conversationOf(resolved).id, id);

    // A new visitor message reopens the conversation with the same assignee.
    visitor.send({ type: "message", clientId: "v2", body: "One more thing" });
    const v2 = await visitor.nextOf("ack", (f) => f.clientId === "v2");
    const reopened = await annWs.nextOf(
      "conversation",
      (f) =>
        conversationOf(f).status === "open" &&
        Number(conversationOf(f).lastSeq) >= Number(v2.seq),
    );
    assert.equal(conversationOf(reopened).assigneeId, bob.id);

    bobWs.send({ type: "resolve", conversationId: id });
    const resolvedAgain = await annWs.nextOf(
      "conversation",
      (f) => conversationOf(f).status === "resolved",
    );
    annWs.send({ type: "reopen", conversationId: id });
    await bobWs.nextOf(
      "conversation",
      (f) =>
        conversationOf(f).status === "open" &&
        Number(conversationOf(f).lastSeq) > Number(conversationOf(resolvedAgain).lastSeq),
    );

    // The note never reached the visitor, in live frames or in history.
    assert.ok(visitor.all("message").every((f) => messageOf(f).note === false));
    visitor.send({ type: "sync", beforeSeq: 1000 });
    const history = await visitor.nextOf("history");
    const bodies = (history.messages as Record<string, unknown>[]).map((m) => m.body);
    assert.ok(bodies.includes("Happy to help!"));
    assert.ok(!bodies.includes("VIP customer, be nice"));

    await Promise.all([visitor.close(), annWs.close(), bobWs.close()]);
  },
);

Deno.test("replying to a queued conversation claims it for the replying agent", async () => {
  const t = server();
  const ann = await t.createAgent({ name: "Ann" });
  const annWs = await t.agentSocket(await t.login(ann.email, ann.password));
  const visitor = await t.visitorSocket();
  visitor.send({ type: "message", clientId: "v1", body: "hi" });
  const { conversationId } = await visitor.nextOf("ack");
  annWs.send({ type: "message", conversationId, clientId: "a1", body: "Hello!" });
  await annWs.nextOf("ack");
  const claimed = await annWs.nextOf(
    "conversation",
    (f) => conversationOf(f).assigneeId === ann.id,
  );
  assert.equal(conversationOf(claimed).status, "open");
  await Promise.all([visitor.close(), annWs.close()]);
});

Deno.test("of two agents accepting the same conversation exactly one wins", async () => {
  const t = server();
  const a = await t.createAgent({ name: "A" });
  const b = await t.createAgent({ name: "B" });
  const aWs = await t.agentSocket(await t.login(a.email, a.password));
  const bWs = await t.agentSocket(await t.login(b.email, b.password));
  const visitor = await t.visitorSocket();
  visitor.send({ type: "message", clientId: "v1", body: "hi" });
  const { conversationId } = await visitor.nextOf("ack");
  aWs.send({ type: "accept", conversationId });
  bWs.send({ type: "accept", conversationId });
  const conv = await t.store.getConversation(String(conversationId));
  // Wait until both answers arrived: one error, and the winner sees no error.
  const loserFrame = await Promise.race([
    aWs.nextOf("error").then((f) => ({ who: "a", f })),
    bWs.nextOf("error").then((f) => ({ who: "b", f })),
  ]);
  assert.equal(loserFrame.f.code, "conflict");
  const final = await t.store.getConversation(String(conversationId));
  assert.ok(conv);
  assert.equal(final?.assigneeId, loserFrame.who === "a" ? b.id : a.id);
  await Promise.all([visitor.close(), aWs.close(), bWs.close()]);
});

Deno.test(
  "auto-assignment gives a new conversation to the least-loaded online agent",
  async () => {
    const t = server();
    await t.store.upsertSite({ id: "demo", name: "Demo", autoAssign: true });
    const ann = await t.createAgent({ name: "Ann" });
    const annWs = await t.agentSocket(await t.login(ann.email, ann.password));
    const visitor = await t.visitorSocket();
    visitor.send({ type: "message", clientId: "v1", body: "hi" });
    const { conversationId } = await visitor.nextOf("ack");
    await annWs.nextOf("conversation", (f) => conversationOf(f).assigneeId === ann.id);
    const conv = await t.store.getConversation(String(conversationId));
    assert.equal(conv?.status, "open");
    await Promise.all([visitor.close(), annWs.close()]);
  },
);
