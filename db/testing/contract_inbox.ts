/**
 * Contract steps for assignment, status changes, ratings, read markers, inbox listings,
 * history windows, search and LISTEN/NOTIFY. Test-only.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DbStore } from "../mod.ts";
import { agent, rejectsWith, reply, say, uid, visitor } from "./fixtures.ts";

/** Registers the steps on `t`. */
export async function inboxSteps(t: Deno.TestContext, store: DbStore): Promise<void> {
  await t.step("of two concurrent accepts exactly one wins", async () => {
    const v = await visitor(store);
    const { conversation } = await say(store, v.id, "Hi");
    const ann = await agent(store);
    const bob = await agent(store);
    const [ra, rb] = await Promise.all([
      store.assign(conversation.id, ann.id, { expectUnassigned: true }),
      store.assign(conversation.id, bob.id, { expectUnassigned: true }),
    ]);
    assert.equal([ra, rb].filter((r) => r !== null).length, 1);
    const winner = (ra ?? rb)!;
    assert.equal(winner.status, "open");
    const stored = await store.getConversation(conversation.id);
    assert.equal(stored?.assigneeId, winner.assigneeId);
    // A transfer does not need the conversation to be unassigned.
    const moved = await store.assign(
      conversation.id,
      ann.id === winner.assigneeId ? bob.id : ann.id,
      {
        expectUnassigned: false,
      },
    );
    assert.notEqual(moved?.assigneeId, winner.assigneeId);
    await rejectsWith(
      () => store.assign(crypto.randomUUID(), ann.id, { expectUnassigned: true }),
      "not_found",
    );
    await rejectsWith(
      () => store.assign(conversation.id, crypto.randomUUID(), { expectUnassigned: false }),
      "not_found",
    );
  });

  await t.step("accepting a resolved conversation fails the compare-and-set", async () => {
    const v = await visitor(store);
    const { conversation } = await say(store, v.id, "Hi");
    await store.resolve(conversation.id);
    const a = await agent(store);
    assert.equal(await store.assign(conversation.id, a.id, { expectUnassigned: true }), null);
  });

  await t.step("unassign puts an assigned conversation back in the queue", async () => {
    const v = await visitor(store);
    const { conversation } = await say(store, v.id, "Hi");
    const a = await agent(store);
    // Nobody holds it yet: nothing to put back.
    assert.equal(await store.unassign(conversation.id), null);
    await store.assign(conversation.id, a.id, { expectUnassigned: true });
    const queued = await store.unassign(conversation.id);
    assert.equal(queued?.status, "queued");
    assert.equal(queued?.assigneeId, null);
    const stored = await store.getConversationSummary(conversation.id);
    assert.deepEqual([stored?.status, stored?.assigneeId], ["queued", null]);
    assert.equal(await store.unassign(conversation.id), null);
    // Anyone may accept it again.
    assert.ok(await store.assign(conversation.id, a.id, { expectUnassigned: true }));
    // A resolved conversation stays resolved, with its assignee.
    await store.resolve(conversation.id);
    assert.equal(await store.unassign(conversation.id), null);
    assert.equal((await store.getConversation(conversation.id))?.assigneeId, a.id);
    await rejectsWith(() => store.unassign(crypto.randomUUID()), "not_found");
  });

  await t.step("resolve and reopen return null when already in that state", async () => {
    const v = await visitor(store);
    const { conversation } = await say(store, v.id, "Hi");
    const resolved = await store.resolve(conversation.id);
    assert.equal(resolved?.status, "resolved");
    assert.ok(resolved?.resolvedAt);
    assert.equal(await store.resolve(conversation.id), null);
    const reopened = await store.reopen(conversation.id);
    assert.equal(reopened?.status, "queued");
    assert.equal(reopened?.resolvedAt, null);
    assert.equal(await store.reopen(conversation.id), null);
    const a = await agent(store);
    await store.assign(conversation.id, a.id, { expectUnassigned: true });
    await store.resolve(conversation.id);
    assert.equal((await store.reopen(conversation.id))?.status, "open");
    await rejectsWith(() => store.resolve(crypto.randomUUID()), "not_found");
    await rejectsWith(() => store.reopen(crypto.randomUUID()), "not_found");
  });

  await t.step("rate stores a 1-5 rating and rejects others", async () => {
    const v = await visitor(store);
    const { conversation } = await say(store, v.id, "Hi");
    assert.equal((await store.rate(conversation.id, 4)).rating, 4);
    assert.equal((await store.rate(conversation.id, 5)).rating, 5);
    await rejectsWith(() => store.rate(conversation.id, 0), "invalid");
    await rejectsWith(() => store.rate(conversation.id, 6), "invalid");
    await rejectsWith(() => store.rate(conversation.id, 2.5), "invalid");
    await rejectsWith(() => store.rate(crypto.randomUUID(), 3), "not_found");
  });

  await t.step("read markers never decrease nor pass the last seq", async () => {
    const v = await visitor(store);
    for (let i = 0; i < 5; i++) await say(store, v.id, `m${i}`);
    const c = (await store.getCurrentConversation(v.id))!;
    const a = await agent(store);
    await store.markAgentRead(a.id, c.id, 3);
    await store.markAgentRead(a.id, c.id, 2);
    assert.equal((await store.getConversationSummary(c.id, a.id))?.readSeq, 3);
    await store.markAgentRead(a.id, c.id, 99);
    assert.equal((await store.getConversationSummary(c.id, a.id))?.readSeq, 5);
    assert.equal((await store.getConversationSummary(c.id))?.readSeq, 0);
    await store.markVisitorRead(c.id, 4);
    await store.markVisitorRead(c.id, 1);
    assert.equal((await store.getConversation(c.id))?.visitorReadSeq, 4);
    await store.markVisitorRead(c.id, 1000);
    assert.equal((await store.getConversation(c.id))?.visitorReadSeq, 5);
  });

  await t.step(
    "agentReadSeq is the highest seq any agent read, and says when it advanced",
    async () => {
      const v = await visitor(store);
      for (let i = 0; i < 4; i++) await say(store, v.id, `m${i}`);
      const c = (await store.getCurrentConversation(v.id))!;
      assert.equal(c.agentReadSeq, 0);
      const ann = await agent(store);
      const bob = await agent(store);
      assert.deepEqual(await store.markAgentRead(ann.id, c.id, 2), { advanced: true });
      // Bob's own marker moves, the conversation's does not: nothing new for the visitor.
      assert.deepEqual(await store.markAgentRead(bob.id, c.id, 1), { advanced: false });
      assert.deepEqual(await store.markAgentRead(ann.id, c.id, 2), { advanced: false });
      assert.equal((await store.getConversation(c.id))?.agentReadSeq, 2);
      assert.deepEqual(await store.markAgentRead(bob.id, c.id, 99), { advanced: true });
      assert.equal((await store.getConversation(c.id))?.agentReadSeq, 4);
      assert.equal((await store.getConversationSummary(c.id))?.agentReadSeq, 4);
      assert.equal((await store.getCurrentConversation(v.id))?.agentReadSeq, 4);
      assert.equal(await store.markAgentRead(ann.id, crypto.randomUUID(), 1), null);
    },
  );

  await t.step("resolvedSeq names the resolution's notice and survives a reopen", async () => {
    const v = await visitor(store);
    const { conversation } = await say(store, v.id, "Hi");
    assert.equal(conversation.resolvedSeq, null);
    const resolved = await store.resolve(conversation.id);
    // The notice the core writes next gets last_seq + 1.
    assert.equal(resolved?.resolvedSeq, 2);
    const notice = await store.appendSystemMessage(conversation.id, "resolved");
    assert.equal(notice.message.seq, 2);
    // The visitor writes again: the conversation reopens and keeps where it was resolved.
    const again = await say(store, v.id, "One more thing");
    assert.equal(again.conversation.status, "queued");
    assert.equal(again.conversation.resolvedSeq, 2);
    assert.equal((await store.getConversationSummary(conversation.id))?.resolvedSeq, 2);
    await store.resolve(conversation.id);
    assert.equal((await store.getConversation(conversation.id))?.resolvedSeq, 4);
  });

  await t.step("listConversations filters and summarizes the inbox", async () => {
    const v = await visitor(store, `Inbox ${uid()}`);
    const a = await agent(store);
    const first = await say(store, v.id, "first topic");
    await reply(store, first.conversation.id, a.id, "answer");
    await store.markAgentRead(a.id, first.conversation.id, 1);
    await store.startOver(v.id);
    const second = await say(store, v.id, "second topic");
    const mine = await store.listConversations({ visitorId: v.id, forAgentId: a.id });
    assert.deepEqual(mine.map((c) => c.id), [second.conversation.id, first.conversation.id]);
    const s1 = mine[1];
    assert.equal(s1.visitorName, v.name);
    assert.equal(s1.status, "open");
    assert.equal(s1.assigneeId, a.id);
    assert.equal(s1.lastSeq, 2);
    assert.equal(s1.readSeq, 1);
    assert.deepEqual(
      { body: s1.lastMessage?.body, kind: s1.lastMessage?.authorKind },
      { body: "answer", kind: "agent" },
    );
    assert.equal(mine[0].readSeq, 0);
    const queued = await store.listConversations({ visitorId: v.id, status: ["queued"] });
    assert.deepEqual(queued.map((c) => c.id), [second.conversation.id]);
    const unassigned = await store.listConversations({ visitorId: v.id, assigneeId: null });
    assert.deepEqual(unassigned.map((c) => c.id), [second.conversation.id]);
    const byAgent = await store.listConversations({ assigneeId: a.id });
    assert.deepEqual(byAgent.map((c) => c.id), [first.conversation.id]);
    const page = await store.listConversations({
      visitorId: v.id,
      updatedBefore: mine[0].updatedAt,
      limit: 1,
    });
    assert.deepEqual(page.map((c) => c.id), [first.conversation.id]);
    assert.equal((await store.listConversations({ visitorId: v.id, limit: 1 })).length, 1);
    assert.deepEqual(await store.listConversations({ visitorId: v.id, status: [] }), []);
    assert.deepEqual(await store.getConversationSummary(first.conversation.id, a.id), s1);
    assert.equal(await store.getConversationSummary(crypto.randomUUID()), null);
  });

  await t.step("listMessages returns after, before and latest windows with hasMore", async () => {
    const v = await visitor(store);
    const a = await agent(store);
    const { conversation } = await say(store, v.id, "m1");
    for (let i = 2; i <= 10; i++) {
      if (i === 5) await reply(store, conversation.id, a.id, "note", true);
      else await say(store, v.id, `m${i}`);
    }
    const id = conversation.id;
    const seqs = (r: { messages: { seq: number }[] }) => r.messages.map((m) => m.seq);
    const latest = await store.listMessages(id, { includeNotes: true, limit: 3 });
    assert.deepEqual(seqs(latest), [8, 9, 10]);
    assert.equal(latest.hasMore, true);
    const all = await store.listMessages(id, { includeNotes: true });
    assert.deepEqual(seqs(all), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(all.hasMore, false);
    const before = await store.listMessages(id, { includeNotes: false, beforeSeq: 7, limit: 3 });
    assert.deepEqual(seqs(before), [3, 4, 6]);
    assert.equal(before.hasMore, true);
    const oldest = await store.listMessages(id, { includeNotes: false, beforeSeq: 3, limit: 5 });
    assert.deepEqual(seqs(oldest), [1, 2]);
    assert.equal(oldest.hasMore, false);
    const after = await store.listMessages(id, { includeNotes: false, afterSeq: 3, limit: 3 });
    assert.deepEqual(seqs(after), [4, 6, 7]);
    assert.equal(after.hasMore, true);
    const fromStart = await store.listMessages(id, { includeNotes: true, afterSeq: 0, limit: 2 });
    assert.deepEqual(seqs(fromStart), [1, 2]);
    assert.equal(fromStart.hasMore, false);
    const caughtUp = await store.listMessages(id, { includeNotes: true, afterSeq: 10 });
    assert.deepEqual(caughtUp.messages, []);
    assert.equal(caughtUp.hasMore, true);
    const range = await store.listMessages(id, { includeNotes: true, afterSeq: 2, beforeSeq: 6 });
    assert.deepEqual(seqs(range), [3, 4, 5]);
    const none = await store.listMessages(crypto.randomUUID(), { includeNotes: true });
    assert.deepEqual(none, { messages: [], hasMore: false });
    assert.equal(await store.getMessage(id, 99), null);
  });

  await t.step("searchMessages finds words and treats hostile input as text", async () => {
    const v = await visitor(store, "Searcher");
    const word = `zebra${uid().replace(/[^a-z]/g, "")}`;
    const { conversation } = await say(store, v.id, `My ${word} order never arrived`);
    await say(store, v.id, "'; DROP TABLE messages; --");
    const hits = await store.searchMessages(word, 10);
    assert.equal(hits.length, 1);
    assert.equal(hits[0].message.conversationId, conversation.id);
    assert.equal(hits[0].visitorName, "Searcher");
    assert.ok(hits[0].rank > 0);
    assert.equal((await store.searchMessages(`"${word} order"`, 10)).length, 1);
    assert.equal((await store.searchMessages(`${word} -order`, 10)).length, 0);
    for (
      const hostile of [
        "'; DROP TABLE messages; --",
        ") OR 1=1 --",
        "a & | ! :* <-> (",
        "\\ ' \" $1 %",
        "",
        "   ",
      ]
    ) {
      await store.searchMessages(hostile, 5);
    }
    const drop = await store.searchMessages("DROP TABLE", 50);
    assert.ok(drop.some((h) => h.message.body.startsWith("';")));
    const a = await agent(store);
    await reply(store, conversation.id, a.id, `${word} note`, true);
    assert.equal((await store.searchMessages(word, 10)).length, 2);
    // The hostile strings went through every input and the schema is intact.
    await store.updateVisitor(v.id, { name: ") OR 1=1 --", attributes: { "'; --": "x" } });
    assert.equal((await store.getVisitor(v.id))?.name, ") OR 1=1 --");
    assert.ok((await store.listMessages(conversation.id, { includeNotes: true })).messages.length);
  });

  await t.step("openCounts counts open conversations per enabled agent", async () => {
    const a = await agent(store);
    const idle = await agent(store);
    const off = await agent(store);
    await store.updateAgent(off.id, { disabled: true });
    for (let i = 0; i < 3; i++) {
      const v = await visitor(store);
      const { conversation } = await say(store, v.id, "Hi");
      await reply(store, conversation.id, a.id, "Hello");
      if (i === 2) await store.resolve(conversation.id);
    }
    const counts = await store.openCounts();
    assert.equal(counts.get(a.id), 2);
    assert.equal(counts.get(idle.id), 0);
    assert.equal(counts.has(off.id), false);
  });

  await t.step("notify reaches a listener on the same database", async () => {
    const channel = `parley_test_${uid().replace(/-/g, "_")}`;
    const got = Promise.withResolvers<string>();
    const unlisten = await store.db.listen(channel, (p) => got.resolve(p));
    try {
      await store.db.notify(channel, JSON.stringify({ hello: "world" }));
      const timer = setTimeout(() => got.reject(new Error("No notification within 5 s")), 5000);
      assert.deepEqual(JSON.parse(await got.promise), { hello: "world" });
      clearTimeout(timer);
    } finally {
      await unlisten();
    }
    await assert.rejects(() => store.db.notify("Bad Channel", "x"), TypeError);
  });
}
