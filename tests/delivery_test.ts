/**
 * Delivery guarantees over real sockets: acks carry the stored seq, resends with the same
 * client id are stored once, and a reconnecting client receives exactly what it missed.
 */

import assert from "node:assert/strict";
import { ADMIN, serverPerFile, startTestServer } from "./helpers/server.ts";
import { TestSocket } from "./helpers/ws_client.ts";

/** One server for the file (booting one takes seconds); each test brings its own people. */
const server = serverPerFile();

Deno.test("resending a message with the same client id stores it once", async () => {
  const t = server();
  const visitor = await t.visitorSocket();
  visitor.send({ type: "message", clientId: "same-1", body: "first try" });
  const a1 = await visitor.nextOf("ack");
  visitor.send({ type: "message", clientId: "same-1", body: "first try" });
  const a2 = await visitor.nextOf("ack");
  assert.equal(a1.seq, a2.seq);
  assert.equal(a1.messageId, a2.messageId);
  const { messages } = await t.store.listMessages(String(a1.conversationId), {
    includeNotes: true,
  });
  assert.equal(messages.length, 1);
  await visitor.close();
});

Deno.test(
  "a visitor reconnecting with its last seq receives exactly what it missed",
  async () => {
    const t = server();
    const agentWs = await t.adminSocket();
    const visitor = await t.visitorSocket();
    const token = String(visitor.all("welcome")[0].token);
    visitor.send({ type: "message", clientId: "m1", body: "one" });
    const { conversationId } = await visitor.nextOf("ack");
    visitor.send({ type: "message", clientId: "m2", body: "two" });
    const a2 = await visitor.nextOf("ack", (f) => f.clientId === "m2");
    await visitor.close();

    for (const [i, body] of ["three", "four", "five"].entries()) {
      agentWs.send({ type: "message", conversationId, clientId: `a${i}`, body });
      await agentWs.nextOf("ack", (f) => f.clientId === `a${i}`);
    }

    const back = await t.visitorSocket({ token, lastSeq: a2.seq });
    const welcome = back.all("welcome")[0];
    const missed = welcome.messages as { body: string; seq: number }[];
    assert.deepEqual(missed.map((m) => m.body), ["three", "four", "five"]);
    assert.deepEqual(missed.map((m) => m.seq), [3, 4, 5]);
    assert.equal((welcome.conversation as { id: string }).id, conversationId);
    await Promise.all([back.close(), agentWs.close()]);
  },
);

Deno.test("an agent catches up on a conversation with sync after a reconnect", async () => {
  const t = server();
  const cookie = await t.login(ADMIN.email, ADMIN.password);
  const visitor = await t.visitorSocket();
  visitor.send({ type: "message", clientId: "m1", body: "one" });
  const { conversationId } = await visitor.nextOf("ack");
  visitor.send({ type: "message", clientId: "m2", body: "two" });
  await visitor.nextOf("ack", (f) => f.clientId === "m2");
  const agentWs = await t.agentSocket(cookie);
  agentWs.send({ type: "sync", conversationId, afterSeq: 1 });
  const history = await agentWs.nextOf("history");
  assert.deepEqual((history.messages as { body: string }[]).map((m) => m.body), ["two"]);
  await Promise.all([visitor.close(), agentWs.close()]);
});

Deno.test("several tabs of one visitor all see the conversation live", async () => {
  const t = server();
  const tab1 = await t.visitorSocket();
  const token = String(tab1.all("welcome")[0].token);
  const tab2 = await t.visitorSocket({ token });
  tab1.send({ type: "message", clientId: "m1", body: "from tab one" });
  await tab1.nextOf("ack");
  const seen = await tab2.nextOf("message");
  assert.equal((seen.message as { body: string }).body, "from tab one");
  await Promise.all([tab1.close(), tab2.close()]);
});

Deno.test("start over opens a new conversation on the next message", async () => {
  const t = server();
  const visitor = await t.visitorSocket();
  visitor.send({ type: "message", clientId: "m1", body: "first" });
  const first = await visitor.nextOf("ack");
  visitor.send({ type: "start_over" });
  await visitor.nextOf("conversation", (f) => f.conversation === null);
  visitor.send({ type: "message", clientId: "m2", body: "second" });
  const second = await visitor.nextOf("ack", (f) => f.clientId === "m2");
  assert.notEqual(first.conversationId, second.conversationId);
  assert.equal(second.seq, 1);
  await visitor.close();
});

Deno.test("a visitor rates a resolved conversation", async () => {
  const t = server();
  const agentWs = await t.adminSocket();
  const visitor = await t.visitorSocket();
  visitor.send({ type: "message", clientId: "m1", body: "hi" });
  const { conversationId } = await visitor.nextOf("ack");
  visitor.send({ type: "rate", rating: 5 });
  assert.equal((await visitor.nextOf("error")).code, "conflict");
  agentWs.send({ type: "resolve", conversationId });
  await visitor.nextOf("conversation", (f) => {
    const c = f.conversation as { status: string } | null;
    return c?.status === "resolved";
  });
  visitor.send({ type: "rate", rating: 4 });
  const rated = await agentWs.nextOf("conversation", (f) => {
    return (f.conversation as { rating: number | null }).rating === 4;
  });
  assert.ok(rated);
  await Promise.all([visitor.close(), agentWs.close()]);
});

Deno.test("the server closes sockets with 1012 on shutdown", async () => {
  const t = await startTestServer();
  const visitor = await t.visitorSocket();
  const raw = await TestSocket.open(`${t.wsUrl}/ws/visitor`);
  await t.close();
  assert.equal((await visitor.closed).code, 1012);
  assert.equal((await raw.closed).code, 1012);
});

Deno.test(
  "a visitor reusing a client id after start over with a new body gets conflict, not the old ack",
  async () => {
    const t = server();
    const visitor = await t.visitorSocket();
    visitor.send({ type: "message", clientId: "reused-1", body: "old topic" });
    const old = await visitor.nextOf("ack");
    visitor.send({ type: "start_over" });
    await visitor.nextOf("conversation", (f) => f.conversation === null);
    visitor.send({ type: "message", clientId: "reused-1", body: "new topic" });
    const answer = await visitor.next((f) => f.type === "ack" || f.type === "error");
    assert.deepEqual([answer.type, answer.code, answer.clientId], [
      "error",
      "conflict",
      "reused-1",
    ]);
    assert.notEqual(answer.retryable, true);
    // Nothing was stored: no new conversation, the old one still holds one message.
    const visitorId = String((visitor.all("welcome")[0].visitor as { id: string }).id);
    assert.equal(await t.store.getCurrentConversation(visitorId), null);
    assert.equal((await t.store.getConversation(String(old.conversationId)))?.lastSeq, 1);
    // The exact repeat (an outbox resend of a message whose ack was lost) is still acked.
    visitor.send({ type: "message", clientId: "reused-1", body: "old topic" });
    const again = await visitor.nextOf("ack");
    assert.deepEqual([again.messageId, again.seq], [old.messageId, old.seq]);
    await visitor.close();
  },
);

Deno.test(
  "an agent reply reusing a client id in another conversation gets conflict, not A's ack",
  async () => {
    const t = server();
    const agentWs = await t.adminSocket();
    const [va, vb] = await Promise.all([t.visitorSocket(), t.visitorSocket()]);
    va.send({ type: "message", clientId: "va-1", body: "A here" });
    vb.send({ type: "message", clientId: "vb-1", body: "B here" });
    const a = String((await va.nextOf("ack")).conversationId);
    const b = String((await vb.nextOf("ack")).conversationId);
    const clientId = `reply-${crypto.randomUUID()}`;
    agentWs.send({ type: "message", conversationId: a, clientId, body: "For A" });
    const ackA = await agentWs.nextOf("ack", (f) => f.clientId === clientId);
    assert.equal(ackA.conversationId, a);
    agentWs.send({ type: "message", conversationId: b, clientId, body: "For B" });
    const answer = await agentWs.next((f) =>
      (f.type === "ack" || f.type === "error") && f.clientId === clientId
    );
    assert.deepEqual([answer.type, answer.code, answer.conversationId], ["error", "conflict", b]);
    const { messages } = await t.store.listMessages(b, { includeNotes: true });
    assert.deepEqual(messages.map((m) => m.authorKind), ["visitor"]);
    // Resending the reply to A exactly is still acknowledged as the original.
    agentWs.send({ type: "message", conversationId: a, clientId, body: "For A" });
    const again = await agentWs.nextOf("ack", (f) => f.clientId === clientId);
    assert.equal(again.messageId, ackA.messageId);
    await Promise.all([agentWs.close(), va.close(), vb.close()]);
  },
);

Deno.test(
  "a hello with a lastSeq beyond the conversation's gets the latest page to hold instead",
  async () => {
    const t = server();
    // Tab A holds seqs 1-3 of a conversation; tab B starts over and writes two messages.
    const a = await t.visitorSocket();
    const token = String(a.all("welcome")[0].token);
    for (const n of [1, 2, 3]) {
      a.send({ type: "message", clientId: `old-${n}`, body: `old ${n}` });
      await a.nextOf("ack", (f) => f.clientId === `old-${n}`);
    }
    await a.close();
    const b = await t.visitorSocket({ token });
    b.send({ type: "start_over" });
    await b.nextOf("conversation", (f) => f.conversation === null);
    for (const n of [1, 2]) {
      b.send({ type: "message", clientId: `new-${n}`, body: `new ${n}` });
      await b.nextOf("ack", (f) => f.clientId === `new-${n}`);
    }
    // Tab A comes back with lastSeq 3: the current conversation only reaches seq 2.
    const back = await t.visitorSocket({ token, lastSeq: 3 });
    const welcome = back.all("welcome")[0];
    const conversation = welcome.conversation as { lastSeq: number };
    const messages = welcome.messages as { body: string; seq: number }[];
    assert.equal(conversation.lastSeq, 2);
    assert.deepEqual(messages.map((m) => [m.seq, m.body]), [[1, "new 1"], [2, "new 2"]]);
    // A lastSeq far beyond anything is answered the same way, not with an empty page.
    const far = await t.visitorSocket({ token, lastSeq: 2 ** 31 });
    const farMessages = far.all("welcome")[0].messages as { seq: number }[];
    assert.deepEqual(farMessages.map((m) => m.seq), [1, 2]);
    // A lastSeq within the conversation still gets exactly what follows it.
    const within = await t.visitorSocket({ token, lastSeq: 1 });
    const withinMessages = within.all("welcome")[0].messages as { seq: number }[];
    assert.deepEqual(withinMessages.map((m) => m.seq), [2]);
    await Promise.all([b.close(), back.close(), far.close(), within.close()]);
  },
);

Deno.test(
  "a message without clientId gets a clear bad_frame that invents no clientId, on both sockets",
  async () => {
    const t = server();
    const agentWs = await t.adminSocket();
    const visitor = await t.visitorSocket();
    visitor.send({ type: "message", clientId: "first", body: "hi" });
    const { conversationId } = await visitor.nextOf("ack");
    const sent: [TestSocket, Record<string, unknown>][] = [
      [visitor, { type: "message", body: "no id" }],
      [visitor, { type: "message", clientId: null, body: "null id" }],
      [agentWs, { type: "message", conversationId, body: "no id" }],
    ];
    for (const [socket, frame] of sent) {
      socket.send(frame);
      const err = await socket.nextOf("error");
      assert.equal(err.code, "bad_frame");
      assert.ok(!("clientId" in err), `names no clientId: ${JSON.stringify(err)}`);
      assert.notEqual(err.retryable, true);
      assert.match(String(err.message), /clientId is required/);
      assert.doesNotMatch(String(err.message), /undefined|null/);
    }
    // The socket goes on: a well-formed message is stored.
    visitor.send({ type: "message", clientId: "second", body: "still here" });
    assert.equal((await visitor.nextOf("ack", (f) => f.clientId === "second")).seq, 2);
    await Promise.all([visitor.close(), agentWs.close()]);
  },
);

Deno.test(
  "an exact resend after start over is acked without moving the socket back to the old conversation",
  async () => {
    const t = server();
    const visitor = await t.visitorSocket();
    visitor.send({ type: "message", clientId: "kept-1", body: "old topic" });
    await visitor.nextOf("ack");
    visitor.send({ type: "start_over" });
    await visitor.nextOf("conversation", (f) => f.conversation === null);
    // The outbox resends a message whose ack it missed: acked as the original...
    visitor.send({ type: "message", clientId: "kept-1", body: "old topic" });
    await visitor.nextOf("ack", (f) => f.clientId === "kept-1");
    // ...but the visitor has no current conversation, and its socket knows it.
    visitor.send({ type: "sync", afterSeq: 0 });
    const history = await visitor.nextOf("history");
    assert.deepEqual(history.messages, []);
    // The next message opens the new conversation.
    visitor.send({ type: "message", clientId: "kept-2", body: "new topic" });
    const next = await visitor.nextOf("ack", (f) => f.clientId === "kept-2");
    assert.equal(next.seq, 1);
    await visitor.close();
  },
);
