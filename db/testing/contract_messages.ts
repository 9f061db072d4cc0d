/**
 * Contract steps for appending messages: seq allocation, idempotency, claiming, notes,
 * conflicts, reopening and starting over. Test-only.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type DbStore, StoreError } from "../mod.ts";
import { agent, rejectsWith, reply, say, uid, visitor } from "./fixtures.ts";

/** Registers the steps on `t`. */
export async function messageSteps(t: Deno.TestContext, store: DbStore): Promise<void> {
  await t.step("first visitor message creates a queued conversation with seq 1", async () => {
    const v = await visitor(store, "Blue Fox");
    assert.equal(await store.getCurrentConversation(v.id), null);
    const r = await say(store, v.id, "Hello?");
    assert.equal(r.created, true);
    assert.equal(r.duplicate, false);
    assert.equal(r.reopened, false);
    assert.equal(r.message.seq, 1);
    assert.equal(r.message.authorKind, "visitor");
    assert.equal(r.message.authorId, v.id);
    assert.equal(r.message.authorName, "Blue Fox");
    assert.equal(r.message.note, false);
    assert.equal(r.conversation.status, "queued");
    assert.equal(r.conversation.assigneeId, null);
    assert.equal(r.conversation.lastSeq, 1);
    assert.equal(r.conversation.siteId, v.siteId);
    assert.deepEqual(await store.getCurrentConversation(v.id), r.conversation);
    assert.deepEqual(await store.getMessage(r.conversation.id, 1), r.message);
    const second = await say(store, v.id, "Anyone?");
    assert.equal(second.created, false);
    assert.equal(second.message.seq, 2);
    assert.ok(second.message.createdAt >= r.message.createdAt);
    await rejectsWith(() => say(store, crypto.randomUUID(), "x"), "not_found");
  });

  await t.step("50 concurrent appends to one conversation get gap-free seqs", async () => {
    const v = await visitor(store);
    const first = await say(store, v.id, "start");
    const a = await agent(store);
    const results = await Promise.all(
      Array.from(
        { length: 50 },
        (_, i) =>
          i % 2 === 0
            ? say(store, v.id, `visitor ${i}`)
            : reply(store, first.conversation.id, a.id, `agent ${i}`, i % 4 === 1),
      ),
    );
    const seqs = results.map((r) => r.message.seq).sort((x, y) => x - y);
    assert.deepEqual(seqs, Array.from({ length: 50 }, (_, i) => i + 2));
    const c = await store.getConversation(first.conversation.id);
    assert.equal(c?.lastSeq, 51);
    const all = await store.listMessages(first.conversation.id, { includeNotes: true, limit: 200 });
    assert.deepEqual(all.messages.map((m) => m.seq), Array.from({ length: 51 }, (_, i) => i + 1));
    // created_at never goes backwards as seq goes up.
    const times = all.messages.map((m) => m.createdAt);
    assert.deepEqual(times, [...times].sort());
  });

  await t.step("concurrent first messages from two tabs open one conversation", async () => {
    const v = await visitor(store);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => say(store, v.id, `m${i}`)),
    );
    assert.equal(new Set(results.map((r) => r.conversation.id)).size, 1);
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.deepEqual(results.map((r) => r.message.seq).sort(), [1, 2, 3, 4, 5, 6]);
    assert.equal(await store.countVisitorConversations(v.id), 1);
  });

  await t.step("resending a client id returns the original as a duplicate", async () => {
    const v = await visitor(store);
    const input = { visitorId: v.id, clientId: `c-${uid()}`, body: "Once" };
    const r1 = await store.appendVisitorMessage(input);
    const r2 = await store.appendVisitorMessage(input);
    assert.equal(r2.duplicate, true);
    assert.equal(r2.created, false);
    assert.deepEqual(r2.message, r1.message);
    assert.equal(r2.conversation.lastSeq, 1);
    const hist = await store.listMessages(r1.conversation.id, { includeNotes: true });
    assert.equal(hist.messages.length, 1);
    const a = await agent(store);
    const ai = {
      conversationId: r1.conversation.id,
      agentId: a.id,
      clientId: "same",
      body: "Hi",
      note: false,
    };
    const a1 = await store.appendAgentMessage(ai);
    const a2 = await store.appendAgentMessage(ai);
    assert.equal(a2.duplicate, true);
    assert.deepEqual(a2.message, a1.message);
    assert.equal((await store.getConversation(r1.conversation.id))?.lastSeq, 2);
  });

  await t.step("a client id reused for a different message is a conflict", async () => {
    const v = await visitor(store);
    const input = { visitorId: v.id, clientId: `c-${uid()}`, body: "Old topic" };
    const first = await store.appendVisitorMessage(input);
    // After a start over the same client id with a new body is not the old message.
    await store.startOver(v.id);
    await rejectsWith(
      () => store.appendVisitorMessage({ ...input, body: "New topic" }),
      "conflict",
    );
    assert.equal(await store.getCurrentConversation(v.id), null);
    // An exact repeat (the outbox's resend) is still the original.
    const again = await store.appendVisitorMessage(input);
    assert.equal(again.duplicate, true);
    assert.deepEqual(again.message, first.message);

    const a = await agent(store);
    const other = await say(store, (await visitor(store)).id, "Other conversation");
    const ai = {
      conversationId: first.conversation.id,
      agentId: a.id,
      clientId: `a-${uid()}`,
      body: "Hi",
      note: false,
    };
    const a1 = await store.appendAgentMessage(ai);
    const toB = { ...ai, conversationId: other.conversation.id };
    await rejectsWith(() => store.appendAgentMessage(toB), "conflict");
    await rejectsWith(() => store.appendAgentMessage({ ...ai, body: "Changed" }), "conflict");
    await rejectsWith(() => store.appendAgentMessage({ ...ai, note: true }), "conflict");
    assert.equal((await store.getConversation(other.conversation.id))?.lastSeq, 1);
    assert.deepEqual((await store.appendAgentMessage(ai)).message, a1.message);
  });

  await t.step("concurrent sends of one client id with different bodies store one", async () => {
    const v = await visitor(store);
    await say(store, v.id, "warm up");
    const clientId = `c-${uid()}`;
    // Sent in the same turn, so they share a group-commit batch where the backend batches.
    const outcomes = await Promise.allSettled(
      ["Body one", "Body two", "Body one"].map((body) =>
        store.appendVisitorMessage({ visitorId: v.id, clientId, body })
      ),
    );
    const stored = outcomes.flatMap((o) => o.status === "fulfilled" ? [o.value] : []);
    const refused = outcomes.flatMap((o) => o.status === "rejected" ? [o.reason] : []);
    assert.equal(new Set(stored.map((r) => r.message.id)).size, 1);
    assert.ok(stored.every((r) => r.message.body === stored[0].message.body));
    assert.ok(refused.length >= 1);
    for (const err of refused) {
      assert.ok(err instanceof StoreError && err.code === "conflict", String(err));
    }
    assert.equal((await store.getCurrentConversation(v.id))?.lastSeq, 2);
    // An agent's one client id sent to two conversations at once: one stored, one conflict.
    const a = await agent(store);
    const convs = await Promise.all(
      [1, 2].map(async () => (await say(store, (await visitor(store)).id, "Hi")).conversation.id),
    );
    const replies = await Promise.allSettled(
      convs.map((conversationId) =>
        store.appendAgentMessage({
          conversationId,
          agentId: a.id,
          clientId,
          body: "Hi",
          note: false,
        })
      ),
    );
    assert.deepEqual(replies.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
    for (const r of replies) {
      if (r.status === "rejected") {
        assert.ok(r.reason instanceof StoreError && r.reason.code === "conflict", String(r.reason));
      }
    }
    const seqs = await Promise.all(
      convs.map(async (id) => (await store.getConversation(id))?.lastSeq),
    );
    assert.deepEqual(seqs.sort(), [1, 2]);
  });

  await t.step("concurrent sends of one client id store a single message", async () => {
    const v = await visitor(store);
    await say(store, v.id, "warm up");
    const input = { visitorId: v.id, clientId: `c-${uid()}`, body: "Racing" };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.appendVisitorMessage(input)),
    );
    assert.equal(new Set(results.map((r) => r.message.id)).size, 1);
    assert.equal(results.filter((r) => !r.duplicate).length, 1);
    const c = await store.getCurrentConversation(v.id);
    assert.equal(c?.lastSeq, 2);
    // The same race on a visitor's very first message.
    const fresh = await visitor(store);
    const firstInput = { visitorId: fresh.id, clientId: "first", body: "Hi" };
    const firsts = await Promise.all(
      Array.from({ length: 5 }, () => store.appendVisitorMessage(firstInput)),
    );
    assert.equal(new Set(firsts.map((r) => r.message.id)).size, 1);
    assert.equal((await store.getCurrentConversation(fresh.id))?.lastSeq, 1);
  });

  await t.step("an agent reply claims a queued unassigned conversation", async () => {
    const v = await visitor(store);
    const { conversation } = await say(store, v.id, "Help");
    const ann = await agent(store, "Ann");
    const r = await reply(store, conversation.id, ann.id, "On it");
    assert.equal(r.claimed, true);
    assert.equal(r.conversation.status, "open");
    assert.equal(r.conversation.assigneeId, ann.id);
    assert.equal(r.message.authorName, "Ann");
    assert.equal(r.message.authorKind, "agent");
    const bob = await agent(store, "Bob");
    const r2 = await reply(store, conversation.id, bob.id, "Me too");
    assert.equal(r2.claimed, false);
    assert.equal(r2.conversation.assigneeId, ann.id);
    await rejectsWith(() => reply(store, crypto.randomUUID(), ann.id, "x"), "not_found");
    await rejectsWith(() => reply(store, conversation.id, crypto.randomUUID(), "x"), "not_found");
  });

  await t.step("a note neither claims nor shows to the visitor", async () => {
    const v = await visitor(store);
    const { conversation } = await say(store, v.id, "Question");
    const a = await agent(store);
    const n = await reply(store, conversation.id, a.id, "internal: VIP", true);
    assert.equal(n.message.note, true);
    assert.equal(n.message.seq, 2);
    assert.equal(n.claimed, false);
    assert.equal(n.conversation.status, "queued");
    assert.equal(n.conversation.assigneeId, null);
    const visible = await store.listMessages(conversation.id, { includeNotes: false });
    assert.deepEqual(visible.messages.map((m) => m.seq), [1]);
    const agentView = await store.listMessages(conversation.id, { includeNotes: true });
    assert.deepEqual(agentView.messages.map((m) => m.seq), [1, 2]);
    const summary = await store.getConversationSummary(conversation.id);
    assert.equal(summary?.lastMessage?.body, "Question");
    assert.equal(summary?.lastSeq, 2);
  });

  await t.step("a reply to a resolved conversation is a conflict; a note is allowed", async () => {
    const v = await visitor(store);
    const { conversation } = await say(store, v.id, "Hi");
    const a = await agent(store);
    await reply(store, conversation.id, a.id, "Hello");
    assert.equal((await store.resolve(conversation.id))?.status, "resolved");
    await rejectsWith(() => reply(store, conversation.id, a.id, "late"), "conflict");
    const n = await reply(store, conversation.id, a.id, "closing note", true);
    assert.equal(n.conversation.status, "resolved");
    assert.equal(n.message.seq, 3);
    const sys = await store.appendSystemMessage(conversation.id, "Conversation resolved by Ann");
    assert.equal(sys.message.authorKind, "system");
    assert.equal(sys.message.authorId, null);
    assert.equal(sys.message.clientId, null);
    assert.equal(sys.message.seq, 4);
    assert.equal(sys.conversation.status, "resolved");
    await rejectsWith(() => store.appendSystemMessage(crypto.randomUUID(), "x"), "not_found");
  });

  await t.step("a visitor message reopens a resolved conversation", async () => {
    const v = await visitor(store);
    const { conversation } = await say(store, v.id, "Hi");
    await store.resolve(conversation.id);
    const back = await say(store, v.id, "One more thing");
    assert.equal(back.reopened, true);
    assert.equal(back.created, false);
    assert.equal(back.conversation.id, conversation.id);
    assert.equal(back.conversation.status, "queued");
    assert.equal(back.conversation.resolvedAt, null);
    const a = await agent(store);
    await reply(store, conversation.id, a.id, "Sure");
    await store.resolve(conversation.id);
    const again = await say(store, v.id, "And another");
    assert.equal(again.reopened, true);
    assert.equal(again.conversation.status, "open");
    assert.equal(again.conversation.assigneeId, a.id);
  });

  await t.step("startOver makes the next message open a new conversation", async () => {
    const v = await visitor(store);
    const first = await say(store, v.id, "Old topic");
    await store.startOver(v.id);
    assert.equal(await store.getCurrentConversation(v.id), null);
    const next = await say(store, v.id, "New topic");
    assert.equal(next.created, true);
    assert.notEqual(next.conversation.id, first.conversation.id);
    assert.equal(next.message.seq, 1);
    assert.equal(await store.countVisitorConversations(v.id), 2);
    assert.equal((await store.getConversation(first.conversation.id))?.lastSeq, 1);
  });

  await t.step("mayOpen false never opens a conversation, and says so", async () => {
    const v = await visitor(store);
    const input = { visitorId: v.id, clientId: `c-${uid()}`, body: "Hi", mayOpen: false };
    await rejectsWith(() => store.appendVisitorMessage(input), "no_conversation");
    assert.equal(await store.countVisitorConversations(v.id), 0);
    const opened = await store.appendVisitorMessage({ ...input, mayOpen: true });
    assert.equal(opened.created, true);
    // With a current conversation it appends as usual; after a start over it refuses again.
    const next = await store.appendVisitorMessage({ ...input, clientId: `c-${uid()}` });
    assert.deepEqual([next.created, next.message.seq], [false, 2]);
    await store.startOver(v.id);
    await rejectsWith(
      () => store.appendVisitorMessage({ ...input, clientId: `c-${uid()}` }),
      "no_conversation",
    );
    // An exact resend of a stored message is still its duplicate.
    assert.equal((await store.appendVisitorMessage(input)).duplicate, true);
    assert.equal(await store.countVisitorConversations(v.id), 1);
  });

  await t.step("out-of-range or malformed input is StoreError invalid, not a crash", async () => {
    const v = await visitor(store);
    const { conversation } = await say(store, v.id, "Hi");
    await rejectsWith(() => say(store, v.id, "nul \u0000 byte"), "invalid");
    await rejectsWith(() => store.listConversations({ updatedBefore: "not a date" }), "invalid");
    const a = await agent(store);
    await rejectsWith(() => store.updateAgent(a.id, { capacity: 2 ** 40 }), "invalid");
    const far = await store.listMessages(conversation.id, {
      includeNotes: true,
      afterSeq: 2 ** 31,
    });
    assert.deepEqual(far.messages, []);
    await store.markVisitorRead(conversation.id, 2 ** 31);
    await store.markAgentRead(a.id, conversation.id, 2 ** 31);
    assert.equal((await store.getConversation(conversation.id))?.visitorReadSeq, 1);
    assert.equal(await store.getMessage(conversation.id, 2 ** 31), null);
  });
}
