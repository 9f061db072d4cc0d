/**
 * Contract steps for what the public API stores: API tokens, bot messages, putting a
 * conversation back in the queue, opening a conversation for a visitor, keyset paging of the
 * inbox. Test-only.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DbStore } from "../mod.ts";
import { agent, rejectsWith, reply, say, uid, visitor } from "./fixtures.ts";

/** Registers the steps on `t`. */
export async function apiSteps(t: Deno.TestContext, store: DbStore): Promise<void> {
  await t.step("API tokens: created, listed without secret, verified by id, revoked", async () => {
    const admin = await agent(store, "Admin", "admin");
    const id = crypto.randomUUID();
    const made = await store.createApiToken({
      id,
      name: "CRM sync",
      scope: "write",
      sites: ["a", "b"],
      secretHash: "f".repeat(64),
      createdBy: admin.id,
    });
    assert.deepEqual(
      { ...made, createdAt: "" },
      {
        id,
        name: "CRM sync",
        scope: "write",
        sites: ["a", "b"],
        createdBy: admin.id,
        createdAt: "",
        lastUsedAt: null,
      },
    );
    const listed = (await store.listApiTokens()).find((x) => x.id === id);
    assert.deepEqual(listed, made);
    assert.ok(!JSON.stringify(await store.listApiTokens()).includes("f".repeat(64)));
    const secret = await store.getApiTokenSecret(id);
    assert.equal(secret?.secretHash, "f".repeat(64));
    assert.equal(await store.getApiTokenSecret(crypto.randomUUID()), null);

    await store.touchApiToken(id);
    const used = (await store.getApiTokenSecret(id))?.token.lastUsedAt;
    assert.ok(used !== null && used !== undefined);
    // Within the minute a second use writes nothing.
    await new Promise((r) => setTimeout(r, 5));
    await store.touchApiToken(id);
    assert.equal((await store.getApiTokenSecret(id))?.token.lastUsedAt, used);

    assert.equal(await store.revokeApiToken(id), true);
    assert.equal(await store.revokeApiToken(id), false);
    assert.equal(await store.getApiTokenSecret(id), null);
    assert.equal((await store.listApiTokens()).some((x) => x.id === id), false);
  });

  await t.step("appendBotMessage: stored under the bot's name, idempotent, no claim", async () => {
    const v = await visitor(store);
    const first = await say(store, v.id, "hello?");
    const conv = first.conversation.id;
    const bot = crypto.randomUUID();
    const input = {
      conversationId: conv,
      botId: bot,
      name: "Order bot",
      clientId: `b-${uid()}`,
      body: "Your order shipped",
      note: false,
    };
    const r = await store.appendBotMessage(input);
    assert.equal(r.duplicate, false);
    assert.equal(r.message.authorKind, "bot");
    assert.equal(r.message.authorName, "Order bot");
    assert.equal(r.message.authorId, bot);
    assert.equal(r.message.seq, 2);
    assert.equal(r.conversation.status, "queued");
    assert.equal(r.conversation.assigneeId, null);
    const again = await store.appendBotMessage(input);
    assert.equal(again.duplicate, true);
    assert.equal(again.message.id, r.message.id);
    await rejectsWith(() => store.appendBotMessage({ ...input, body: "other" }), "conflict");
    const summary = await store.getConversationSummary(conv);
    assert.equal(summary?.lastMessage?.authorKind, "bot");
    const note = await store.appendBotMessage({ ...input, clientId: `b-${uid()}`, note: true });
    assert.equal(note.message.note, true);
    assert.equal((await store.getConversationSummary(conv))?.lastMessage?.body, input.body);
    await rejectsWith(
      () =>
        store.appendBotMessage({
          ...input,
          clientId: `b-${uid()}`,
          conversationId: crypto.randomUUID(),
        }),
      "not_found",
    );
    await store.resolve(conv);
    await rejectsWith(
      () => store.appendBotMessage({ ...input, clientId: `b-${uid()}` }),
      "conflict",
    );
  });

  await t.step("unassign puts an assigned conversation back in the queue", async () => {
    const v = await visitor(store);
    const a = await agent(store);
    const conv = (await say(store, v.id, "hi")).conversation.id;
    assert.equal(await store.unassign(conv), null);
    await reply(store, conv, a.id, "hello");
    const back = await store.unassign(conv);
    assert.equal(back?.status, "queued");
    assert.equal(back?.assigneeId, null);
    await rejectsWith(() => store.unassign(crypto.randomUUID()), "not_found");
  });

  await t.step("openConversation opens one unless the current one is not resolved", async () => {
    const v = await visitor(store);
    const opened = await store.openConversation(v.id);
    assert.equal(opened.status, "queued");
    assert.equal(opened.lastSeq, 0);
    assert.equal((await store.getCurrentConversation(v.id))?.id, opened.id);
    await rejectsWith(() => store.openConversation(v.id), "conflict");
    // The visitor's next message lands in it.
    const r = await say(store, v.id, "thanks");
    assert.equal(r.conversation.id, opened.id);
    assert.equal(r.message.seq, 1);
    await store.resolve(opened.id);
    const next = await store.openConversation(v.id);
    assert.notEqual(next.id, opened.id);
    await rejectsWith(() => store.openConversation(crypto.randomUUID()), "not_found");
  });

  await t.step("listConversations pages by (updatedAt, id) and filters updatedSince", async () => {
    const v = await visitor(store);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await store.openConversation(v.id);
      ids.push(c.id);
      await store.resolve(c.id);
    }
    const all = await store.listConversations({ visitorId: v.id, limit: 10 });
    assert.equal(all.length, 3);
    const page1 = await store.listConversations({ visitorId: v.id, limit: 2 });
    const last = page1[1];
    const page2 = await store.listConversations({
      visitorId: v.id,
      limit: 2,
      after: { updatedAt: last.updatedAt, id: last.id },
    });
    assert.deepEqual([...page1, ...page2].map((c) => c.id), all.map((c) => c.id));
    const since = await store.listConversations({
      visitorId: v.id,
      updatedSince: all[0].updatedAt,
    });
    assert.ok(since.some((c) => c.id === all[0].id));
    assert.ok(since.every((c) => c.updatedAt >= all[0].updatedAt));
  });
}
