/**
 * Contract steps for agents limited to sites: the `sites` column, the inbox and search filtered
 * by site. Test-only.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DbStore } from "../mod.ts";
import { reply, say, site, uid } from "./fixtures.ts";

/** Registers the steps on `t`. */
export async function agentSiteSteps(t: Deno.TestContext, store: DbStore): Promise<void> {
  await t.step("agents keep their sites; none given means every site", async () => {
    const a = await site(store);
    const b = await site(store);
    const open = await store.createAgent({
      email: `${uid()}@example.com`,
      name: "Open",
      passwordHash: "hash",
      role: "agent",
    });
    assert.deepEqual(open.sites, []);
    const limited = await store.createAgent({
      email: `${uid()}@example.com`,
      name: "Limited",
      passwordHash: "hash",
      role: "agent",
      sites: [a.id],
    });
    assert.deepEqual(limited.sites, [a.id]);
    assert.deepEqual((await store.getAgent(limited.id))?.sites, [a.id]);
    const both = await store.updateAgent(limited.id, { sites: [a.id, b.id] });
    assert.deepEqual(both.sites, [a.id, b.id]);
    // Other fields leave the sites as they are; an empty list lifts the limit.
    assert.deepEqual((await store.updateAgent(limited.id, { capacity: 3 })).sites, [a.id, b.id]);
    assert.deepEqual((await store.updateAgent(limited.id, { sites: [] })).sites, []);
    const listed = (await store.listAgents()).find((x) => x.id === limited.id);
    assert.deepEqual(listed?.sites, []);
  });

  await t.step("listConversations and searchMessages filter by site", async () => {
    const a = await site(store);
    const b = await site(store);
    const word = `parcel${uid().replace(/-/g, "")}`;
    const va = await store.createVisitor({ siteId: a.id, name: "Ann" });
    const vb = await store.createVisitor({ siteId: b.id, name: "Bob" });
    const ca = await say(store, va.id, `where is my ${word}`);
    const cb = await say(store, vb.id, `my ${word} is late`);
    const helper = await store.createAgent({
      email: `${uid()}@example.com`,
      name: "Helper",
      passwordHash: "hash",
      role: "agent",
    });
    await reply(store, cb.conversation.id, helper.id, `a note on the ${word}`, true);
    const ids = (q: { siteIds?: readonly string[] }) =>
      store.listConversations({ ...q, limit: 500 }).then((l) =>
        l.map((c) => c.id).filter((id) => id === ca.conversation.id || id === cb.conversation.id)
      );
    assert.deepEqual(await ids({}), [cb.conversation.id, ca.conversation.id]);
    assert.deepEqual(await ids({ siteIds: [a.id] }), [ca.conversation.id]);
    assert.deepEqual(await ids({ siteIds: [b.id, a.id] }), [
      cb.conversation.id,
      ca.conversation.id,
    ]);
    assert.deepEqual(await store.listConversations({ siteIds: [] }), []);
    const onSite = await store.listConversations({ siteIds: [a.id], status: ["queued"] });
    assert.ok(onSite.every((c) => c.siteId === a.id));

    const hits = async (siteIds?: readonly string[]) =>
      (await store.searchMessages(word, 50, siteIds)).map((h) => h.message.conversationId).sort();
    assert.deepEqual(
      await hits(),
      [ca.conversation.id, cb.conversation.id, cb.conversation.id].sort(),
    );
    assert.deepEqual(await hits([a.id]), [ca.conversation.id]);
    assert.deepEqual(await hits([b.id]), [cb.conversation.id, cb.conversation.id]);
    assert.deepEqual(await hits([]), []);
  });
}
