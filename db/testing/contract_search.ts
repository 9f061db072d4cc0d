/**
 * Contract steps for the filters of `searchMessages` (label, site, assignee, status, creation
 * time) and its listing by filters alone. Test-only.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DbStore, SearchFilters } from "../mod.ts";
import { agent, reply, say, site, uid } from "./fixtures.ts";

/** Registers the steps on `t`. */
export async function searchSteps(t: Deno.TestContext, store: DbStore): Promise<void> {
  // Two sites; on the first an assigned, labelled conversation and a resolved one, on the
  // second a queued one. Every conversation says `word`.
  const word = `quokka${uid().replace(/[^a-z]/g, "")}`;
  const [s1, s2] = [await site(store), await site(store)];
  const ann = await agent(store);
  const label = await store.createLabel({ name: `Refund ${uid()}`, color: "#aa3300" });
  const other = await store.createLabel({ name: `Billing ${uid()}`, color: "#0033aa" });
  const start = async (siteId: string, body: string) => {
    const v = await store.createVisitor({ siteId, name: `Visitor ${uid()}` });
    return (await say(store, v.id, body)).conversation;
  };
  const open = await start(s1.id, `My ${word} order never came`);
  await store.assign(open.id, ann.id, { expectUnassigned: true });
  await store.changeConversationLabels(open.id, { set: [label.id, other.id] }, null);
  await reply(store, open.id, ann.id, "Looking into it");
  const resolved = await start(s1.id, `Another ${word} question`);
  await store.assign(resolved.id, ann.id, { expectUnassigned: true });
  await store.resolve(resolved.id);
  const queued = await start(s2.id, `${word} where is my parcel`);
  const both = [s1.id, s2.id];
  const found = async (query: string, filters?: SearchFilters, siteIds = both) =>
    (await store.searchMessages(query, 50, siteIds, filters)).map((h) => h.message.conversationId)
      .sort();
  const ids = (...cs: { id: string }[]) => cs.map((c) => c.id).sort();

  await t.step("searchMessages filters hits by label, site, assignee and status", async () => {
    assert.deepEqual(await found(word), ids(open, resolved, queued));
    assert.deepEqual(await found(word, {}), ids(open, resolved, queued));
    assert.deepEqual(await found(word, { labelId: label.id }), ids(open));
    assert.deepEqual(await found(word, { labelId: crypto.randomUUID() }), []);
    assert.deepEqual(await found(word, {}, [s2.id]), ids(queued));
    assert.deepEqual(await found(word, { assigneeId: ann.id }), ids(open, resolved));
    assert.deepEqual(await found(word, { assigneeId: null }), ids(queued));
    assert.deepEqual(await found(word, { statuses: ["resolved"] }), ids(resolved));
    assert.deepEqual(await found(word, { statuses: ["queued", "open"] }), ids(open, queued));
    assert.deepEqual(await found(word, { statuses: [] }), []);
    // Filters combine: all must hold.
    assert.deepEqual(
      await found(word, { assigneeId: ann.id, statuses: ["open"], labelId: label.id }),
      ids(open),
    );
    assert.deepEqual(await found(word, { labelId: label.id }, [s2.id]), []);
  });

  await t.step(
    "searchMessages filters by creation time, from inclusive, before exclusive",
    async () => {
      const at = Date.parse(queued.createdAt);
      const iso = (ms: number) => new Date(ms).toISOString();
      const only = (f: SearchFilters) => found(word, f, [s2.id]);
      assert.deepEqual(await only({ createdFrom: queued.createdAt }), ids(queued));
      assert.deepEqual(await only({ createdFrom: iso(at + 1) }), []);
      assert.deepEqual(await only({ createdBefore: queued.createdAt }), []);
      assert.deepEqual(await only({ createdBefore: iso(at + 1) }), ids(queued));
      assert.deepEqual(
        await only({ createdFrom: iso(at - 60_000), createdBefore: iso(at + 60_000) }),
        ids(queued),
      );
    },
  );

  await t.step(
    "searchMessages hits carry the conversation's labels, status, site and assignee",
    async () => {
      const hits = await store.searchMessages(word, 50, both, { labelId: label.id });
      assert.equal(hits.length, 1);
      const [hit] = hits;
      // By name: Billing before Refund.
      assert.deepEqual(hit.labels, [other, label]);
      assert.equal(hit.status, "open");
      assert.equal(hit.siteId, s1.id);
      assert.equal(hit.assigneeId, ann.id);
      const plain = (await store.searchMessages(word, 50, [s2.id]))[0];
      assert.deepEqual(plain.labels, []);
      assert.equal(plain.status, "queued");
      assert.equal(plain.assigneeId, null);
    },
  );

  await t.step(
    "searchMessages with a blank query lists matching conversations by filters alone",
    async () => {
      // Without filters a blank query still finds nothing.
      assert.deepEqual(await store.searchMessages("", 50, both), []);
      assert.deepEqual(await store.searchMessages("  ", 50), []);
      const listed = await store.searchMessages("", 50, both, {});
      // One hit per conversation, the most recently active first, each with its latest message.
      assert.deepEqual(
        listed.map((h) => h.message.conversationId).sort(),
        ids(open, resolved, queued),
      );
      const updated = await Promise.all(
        listed.map(async (h) => (await store.getConversation(h.message.conversationId))!.updatedAt),
      );
      assert.deepEqual(updated, [...updated].sort().reverse());
      const first = listed.find((h) => h.message.conversationId === open.id);
      assert.equal(first?.message.body, "Looking into it");
      assert.equal(first?.rank, 0);
      assert.deepEqual(first?.labels.map((l) => l.id), [other.id, label.id]);
      assert.deepEqual(
        (await store.searchMessages("", 50, both, { statuses: ["resolved"] })).map((h) =>
          h.message.conversationId
        ),
        [resolved.id],
      );
      assert.deepEqual(await found("", { assigneeId: ann.id, labelId: label.id }), ids(open));
      assert.deepEqual(await found("", { createdFrom: queued.createdAt }, [s2.id]), ids(queued));
      assert.deepEqual(await found("", {}, []), []);
      assert.equal((await store.searchMessages("", 1, both, {})).length, 1);
    },
  );
}
