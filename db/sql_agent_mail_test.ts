/**
 * `AgentMailStore` on Postgres, where several instances share the queue: of two instances taking
 * the same group at once, one gets its entries and the other nothing; a group is not taken again
 * within its window; entries queued meanwhile wait and go together.
 */

import assert from "node:assert/strict";
import { createStore } from "./mod.ts";
import { AgentMailStore } from "./sql_agent_mail.ts";
import { say, visitor } from "./testing/fixtures.ts";
import { freshDatabase, IN_CI, postgresReachable } from "../tests/helpers/database.ts";

const postgresUp = await postgresReachable();

Deno.test({
  name: "agent mail groups are taken by one instance at a time, once per window",
  ignore: !postgresUp && !IN_CI,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const db = await freshDatabase();
    const a = await createStore({ databaseUrl: db.url, dataDir: "/nonexistent" });
    const b = await createStore({ databaseUrl: db.url, dataDir: "/nonexistent" });
    try {
      const [one, two] = [new AgentMailStore(a.db), new AgentMailStore(b.db)];
      const v = await visitor(a);
      const { conversation } = await say(a, v.id, "hello");
      await one.queue({
        kind: "new_conversation",
        siteId: v.siteId,
        conversationId: conversation.id,
        agentId: null,
      });
      // A second entry for the same conversation adds nothing.
      await two.queue({
        kind: "new_conversation",
        siteId: v.siteId,
        conversationId: conversation.id,
        agentId: null,
      });
      const key = `site:${v.siteId}`;
      assert.deepEqual(await one.dueGroups(60_000), [key]);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      // Instance one holds the group inside its transaction while instance two tries it.
      const first = one.takeGroup(key, 60_000, async (_tx, entries) => {
        assert.equal(entries.length, 1);
        assert.equal(entries[0].firstMessage, "hello");
        entered();
        await held;
      });
      await inside;
      assert.equal(await two.takeGroup(key, 60_000, () => Promise.resolve()), 0);
      release();
      assert.equal(await first, 1);

      // Within the window: a new conversation waits.
      const w = await a.createVisitor({ siteId: v.siteId, name: "Second" });
      const { conversation: c2 } = await say(a, w.id, "second");
      await one.queue({
        kind: "new_conversation",
        siteId: v.siteId,
        conversationId: c2.id,
        agentId: null,
      });
      assert.deepEqual(await one.dueGroups(60_000), []);
      assert.equal(await two.takeGroup(key, 60_000, () => Promise.resolve()), 0);
      const wait = await one.msUntilNextDue(60_000);
      assert.ok(wait !== null && wait > 50_000 && wait <= 60_000, String(wait));
      // With a shorter window it is due, and goes once.
      assert.deepEqual(await two.dueGroups(1), [key]);
      assert.equal(await two.takeGroup(key, 1, () => Promise.resolve()), 1);
      assert.equal(await one.takeGroup(key, 1, () => Promise.resolve()), 0);
      assert.equal(await one.msUntilNextDue(1), null);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  },
});
