/**
 * Handing a conversation back to the queue (`unassign`) over real WebSockets against a real
 * server: every agent's inbox sees it waiting again, the visitor sees no assignee, anyone may
 * accept it, and what cannot go back (already queued, resolved) is refused with `conflict`.
 */

import assert from "node:assert/strict";
import { serverPerFile } from "./helpers/server.ts";
import type { Frame } from "./helpers/ws_client.ts";

const conversationOf = (f: Frame) => f.conversation as Record<string, unknown>;
const messageOf = (f: Frame) => f.message as Record<string, unknown>;

const server = serverPerFile();

Deno.test("unassign puts a conversation back in every agent's queue, live", async () => {
  const t = server();
  const ann = await t.createAgent({ name: "Ann" });
  const bob = await t.createAgent({ name: "Bob" });
  const annWs = await t.agentSocket(await t.login(ann.email, ann.password));
  const bobWs = await t.agentSocket(await t.login(bob.email, bob.password));
  const visitor = await t.visitorSocket();
  try {
    visitor.send({ type: "message", clientId: "v1", body: "Where is my parcel?" });
    const id = String((await visitor.nextOf("ack")).conversationId);
    annWs.send({ type: "accept", conversationId: id });
    await bobWs.nextOf("conversation", (f) => conversationOf(f).assigneeId === ann.id);
    await visitor.nextOf("conversation", (f) => conversationOf(f).assignee !== null);

    annWs.send({ type: "unassign", conversationId: id, requestId: "back-1" });
    await annWs.nextOf("done", (f) => f.requestId === "back-1");
    for (const ws of [annWs, bobWs]) {
      const queued = await ws.nextOf(
        "conversation",
        (f) => conversationOf(f).id === id && conversationOf(f).status === "queued",
      );
      assert.equal(conversationOf(queued).assigneeId, null);
    }
    const told = await visitor.nextOf(
      "message",
      (f) => String(messageOf(f).body).includes("back in the queue"),
    );
    assert.equal(messageOf(told).body, "Ann put the conversation back in the queue");
    const seen = await visitor.nextOf(
      "conversation",
      (f) => conversationOf(f).status === "queued",
    );
    assert.equal(conversationOf(seen).assignee, null);
    const stored = await t.store.getConversation(id);
    assert.deepEqual([stored?.status, stored?.assigneeId], ["queued", null]);

    // Already in the queue: refused, and the refusal names the command.
    annWs.send({ type: "unassign", conversationId: id, requestId: "back-2" });
    const again = await annWs.nextOf("error", (f) => f.requestId === "back-2");
    assert.equal(again.code, "conflict");

    // Anyone may take it now.
    bobWs.send({ type: "accept", conversationId: id, requestId: "take" });
    await bobWs.nextOf("done", (f) => f.requestId === "take");
    assert.equal((await t.store.getConversation(id))?.assigneeId, bob.id);

    // A resolved conversation is not put back.
    bobWs.send({ type: "resolve", conversationId: id, requestId: "end" });
    await bobWs.nextOf("done", (f) => f.requestId === "end");
    bobWs.send({ type: "unassign", conversationId: id, requestId: "back-3" });
    const resolved = await bobWs.nextOf("error", (f) => f.requestId === "back-3");
    assert.equal(resolved.code, "conflict");
    assert.match(String(resolved.message), /reopen it first/);
    assert.equal((await t.store.getConversation(id))?.assigneeId, bob.id);
  } finally {
    await Promise.all([visitor.close(), annWs.close(), bobWs.close()]);
  }
});

Deno.test("unassign of an unknown conversation or without one is refused", async () => {
  const t = server();
  const ann = await t.createAgent({ name: "Ann" });
  const annWs = await t.agentSocket(await t.login(ann.email, ann.password));
  try {
    annWs.send({ type: "unassign", conversationId: crypto.randomUUID(), requestId: "x" });
    assert.equal((await annWs.nextOf("error", (f) => f.requestId === "x")).code, "not_found");
    annWs.send({ type: "unassign", requestId: "y" });
    assert.equal((await annWs.nextOf("error", (f) => f.requestId === "y")).code, "bad_frame");
  } finally {
    await annWs.close();
  }
});

Deno.test("the visitor sees whether the assignee is online, also after a transfer to an offline agent", async () => {
  const t = server();
  const ann = await t.createAgent({ name: "Ann" });
  const bob = await t.createAgent({ name: "Bob" });
  const annWs = await t.agentSocket(await t.login(ann.email, ann.password));
  const visitor = await t.visitorSocket();
  const bobToken = await t.login(bob.email, bob.password);
  let bobWs: Awaited<ReturnType<typeof t.agentSocket>> | null = null;
  const assigneeOf = (f: Frame) =>
    conversationOf(f).assignee as { id: string; online?: boolean } | null;
  try {
    visitor.send({ type: "message", clientId: "v1", body: "Hello?" });
    const id = String((await visitor.nextOf("ack")).conversationId);
    annWs.send({ type: "accept", conversationId: id });
    const mine = await visitor.nextOf("conversation", (f) => assigneeOf(f)?.id === ann.id);
    assert.equal(assigneeOf(mine)?.online, true);

    // Bob is signed out: the widget must not say "Bob · Online".
    annWs.send({ type: "transfer", conversationId: id, agentId: bob.id, requestId: "t" });
    await annWs.nextOf("done", (f) => f.requestId === "t");
    const toBob = await visitor.nextOf("conversation", (f) => assigneeOf(f)?.id === bob.id);
    assert.equal(assigneeOf(toBob)?.online, false);

    // Bob comes online, then goes away: the visitor hears of both.
    bobWs = await t.agentSocket(bobToken);
    await visitor.nextOf("conversation", (f) => assigneeOf(f)?.online === true);
    bobWs.send({ type: "presence", status: "away" });
    await visitor.nextOf("conversation", (f) => assigneeOf(f)?.online === false);
  } finally {
    await Promise.all([visitor.close(), annWs.close(), bobWs?.close()]);
  }
});
