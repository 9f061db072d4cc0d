/**
 * What a visitor is told of their conversation, over real WebSockets against a real server: how
 * far agents have read it (the widget's "Seen"), where it was resolved and the rating that stays
 * possible after the visitor wrote again, and whether replies are emailed.
 */

import assert from "node:assert/strict";
import { ADMIN, serverPerFile } from "./helpers/server.ts";
import type { Frame } from "./helpers/ws_client.ts";

function conversationOf(f: Frame): Record<string, unknown> {
  return f.conversation as Record<string, unknown>;
}

/** One server for the file (booting one takes seconds); each test brings its own people. */
const server = serverPerFile();

Deno.test("an agent's read reaches the visitor as agentReadSeq, once per advance", async () => {
  const t = server();
  const agent = await t.agentSocket(await t.login(ADMIN.email, ADMIN.password));
  const visitor = await t.visitorSocket();
  visitor.send({ type: "message", clientId: "r1", body: "Is the grinder in stock?" });
  const { conversationId } = await visitor.nextOf("ack");
  visitor.send({ type: "message", clientId: "r2", body: "The burr one" });
  await visitor.nextOf("ack", (f) => f.clientId === "r2");
  const id = String(conversationId);

  agent.send({ type: "read", conversationId: id, seq: 1, requestId: "read-1" });
  const first = await visitor.nextOf("conversation", (f) => conversationOf(f).agentReadSeq === 1);
  assert.equal(conversationOf(first).readSeq, 0, "the visitor's own marker is apart");
  agent.send({ type: "read", conversationId: id, seq: 2, requestId: "read-2" });
  await visitor.nextOf("conversation", (f) => conversationOf(f).agentReadSeq === 2);

  // Reading again what was read tells the visitor nothing new.
  agent.send({ type: "read", conversationId: id, seq: 2, requestId: "read-3" });
  await agent.nextOf("done", (f) => f.requestId === "read-3");
  await visitor.roundTrip();
  const told = visitor.all("conversation").filter((f) => conversationOf(f).agentReadSeq === 2);
  assert.equal(told.length, 1);

  // A tab opened later learns it from its welcome.
  const token = String(visitor.all("welcome")[0].token);
  const later = await t.visitorSocket({ token });
  assert.equal(conversationOf(later.all("welcome")[0]).agentReadSeq, 2);
  await later.close();
  await visitor.close();
  await agent.close();
});

Deno.test(
  "a visitor who wrote again after the resolution still rates it, and agents get the rating live",
  async () => {
    const t = server();
    const agent = await t.agentSocket(await t.login(ADMIN.email, ADMIN.password));
    const visitor = await t.visitorSocket();
    visitor.send({ type: "message", clientId: "q1", body: "Where is my parcel?" });
    const id = String((await visitor.nextOf("ack")).conversationId);

    // Nothing resolved yet: nothing to rate.
    visitor.send({ type: "rate", rating: 3 });
    const refused = await visitor.nextOf("error");
    assert.equal(refused.code, "conflict");

    agent.send({ type: "accept", conversationId: id });
    await visitor.nextOf("conversation", (f) => conversationOf(f).status === "open");
    agent.send({ type: "resolve", conversationId: id });
    const resolved = await visitor.nextOf(
      "conversation",
      (f) => conversationOf(f).status === "resolved",
    );
    const notice = visitor.all("message").find((f) =>
      /resolved the conversation/.test(String((f.message as { body: string }).body))
    );
    assert.ok(notice, "the resolution's notice came first");
    const resolvedSeq = (notice.message as { seq: number }).seq;
    assert.equal(conversationOf(resolved).resolvedSeq, resolvedSeq);

    // The visitor writes before rating: the same conversation reopens and keeps the point.
    visitor.send({ type: "message", clientId: "q2", body: "Oh, and one more thing" });
    const ack = await visitor.nextOf("ack", (f) => f.clientId === "q2");
    assert.equal(ack.conversationId, id);
    const reopened = await visitor.nextOf(
      "conversation",
      (f) => conversationOf(f).status === "open",
    );
    assert.equal(conversationOf(reopened).resolvedSeq, resolvedSeq);

    visitor.send({ type: "rate", rating: 4 });
    const live = await agent.nextOf(
      "conversation",
      (f) => conversationOf(f).id === id && conversationOf(f).rating === 4,
    );
    assert.equal(conversationOf(live).status, "open");
    await visitor.nextOf("conversation", (f) => conversationOf(f).rating === 4);
    assert.equal((await t.store.getConversation(id))?.rating, 4);
    await visitor.close();
    await agent.close();
  },
);

Deno.test("the welcome says replies are not emailed while Parley sends no email", async () => {
  const t = server();
  const visitor = await t.visitorSocket();
  assert.equal(visitor.all("welcome")[0].emailReplies, false);
  await visitor.close();
});
