/**
 * Contract steps for retention: a visitor's export and deletion, the purge of old resolved
 * conversations, and the migration status. Purge steps age their own conversations into a past
 * no other step writes (the year 2001), so the shared store's other data is never in range.
 * Test-only.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DbStore } from "../mod.ts";
import { loadMigrations, migrationStatus } from "../migrate.ts";
import { agent, rejectsWith, reply, say, visitor } from "./fixtures.ts";

/** Moves a conversation's last activity to `at` (tests only: nothing else writes the past). */
async function age(store: DbStore, conversationId: string, at: string): Promise<void> {
  await store.db.query("UPDATE conversations SET updated_at = $2 WHERE id = $1", [
    conversationId,
    at,
  ]);
}

/** Registers the steps on `t`. */
export async function retentionSteps(t: Deno.TestContext, store: DbStore): Promise<void> {
  await t.step("exportVisitor returns the visitor, conversations and messages", async () => {
    const v = await visitor(store);
    const a = await agent(store);
    const first = await say(store, v.id, "hello");
    await reply(store, first.conversation.id, a.id, "hi there");
    await reply(store, first.conversation.id, a.id, "a private note", true);
    await store.resolve(first.conversation.id);
    await store.startOver(v.id);
    const second = await say(store, v.id, "again");
    const out = await store.exportVisitor(v.id);
    assert.ok(out);
    assert.deepEqual(out.visitor, await store.getVisitor(v.id));
    assert.deepEqual(out.conversations.map((c) => c.id), [
      first.conversation.id,
      second.conversation.id,
    ]);
    assert.deepEqual(out.messages.map((m) => [m.conversationId, m.seq, m.body, m.note]), [
      [first.conversation.id, 1, "hello", false],
      [first.conversation.id, 2, "hi there", false],
      [first.conversation.id, 3, "a private note", true],
      [second.conversation.id, 1, "again", false],
    ]);
    assert.equal(await store.exportVisitor("no-such-visitor"), null);
  });

  await t.step("deleteVisitor removes the visitor with everything theirs only", async () => {
    const v = await visitor(store);
    const other = await store.createVisitor({ siteId: v.siteId, name: "Other" });
    const a = await agent(store);
    const mine = await say(store, v.id, "delete me");
    await reply(store, mine.conversation.id, a.id, "ok");
    await store.markAgentRead(a.id, mine.conversation.id, 2);
    const theirs = await say(store, other.id, "keep me");
    assert.deepEqual(await store.deleteVisitor(v.id), { conversations: 1, messages: 2 });
    assert.equal(await store.getVisitor(v.id), null);
    assert.equal(await store.getConversation(mine.conversation.id), null);
    assert.equal(await store.exportVisitor(v.id), null);
    const rows = await store.db.query(
      "SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1",
      [mine.conversation.id],
    );
    assert.equal(rows[0].n, 0);
    assert.ok(await store.getConversation(theirs.conversation.id));
    assert.ok(await store.getVisitor(other.id));
    await rejectsWith(() => store.deleteVisitor(v.id), "not_found");
  });

  await t.step("purgeResolvedConversations removes only old resolved ones", async () => {
    const v = await visitor(store);
    const oldResolved = await say(store, v.id, "old and resolved");
    await say(store, v.id, "second message");
    await store.resolve(oldResolved.conversation.id);
    await store.startOver(v.id);
    const oldOpen = await say(store, v.id, "old but still queued");
    await store.startOver(v.id);
    const recentResolved = await say(store, v.id, "resolved but recent");
    await store.resolve(recentResolved.conversation.id);
    await age(store, oldResolved.conversation.id, "2001-01-01T00:00:00Z");
    await age(store, oldOpen.conversation.id, "2001-01-01T00:00:00Z");
    await age(store, recentResolved.conversation.id, "2001-03-01T00:00:00Z");
    const before = new Date("2001-02-01T00:00:00Z");

    const counted = await store.purgeResolvedConversations(before, { dryRun: true });
    assert.deepEqual(counted, { conversations: 1, messages: 2 });
    assert.ok(await store.getConversation(oldResolved.conversation.id), "a dry run deletes");

    const purged = await store.purgeResolvedConversations(before, { dryRun: false });
    assert.deepEqual(purged, counted);
    assert.equal(await store.getConversation(oldResolved.conversation.id), null);
    assert.ok(await store.getConversation(oldOpen.conversation.id));
    assert.ok(await store.getConversation(recentResolved.conversation.id));
    assert.ok(await store.getVisitor(v.id), "visitors stay");
    assert.deepEqual(
      await store.purgeResolvedConversations(before, { dryRun: false }),
      { conversations: 0, messages: 0 },
    );
  });

  await t.step("a purged current conversation lets the visitor open a new one", async () => {
    const v = await visitor(store);
    const first = await say(store, v.id, "resolved, then purged");
    await store.resolve(first.conversation.id);
    await age(store, first.conversation.id, "2001-01-01T00:00:00Z");
    await store.purgeResolvedConversations(new Date("2001-02-01T00:00:00Z"), { dryRun: false });
    assert.equal(await store.getCurrentConversation(v.id), null);
    const next = await say(store, v.id, "back again");
    assert.equal(next.created, true);
    assert.notEqual(next.conversation.id, first.conversation.id);
  });

  await t.step("migrationStatus lists every migration as applied, none pending", async () => {
    const files = await loadMigrations();
    const status = await migrationStatus(store.db, files);
    assert.deepEqual(status.applied.map((m) => m.name), files.map((m) => m.name));
    assert.ok(status.applied.every((m) => !m.changed && !Number.isNaN(Date.parse(m.appliedAt))));
    assert.deepEqual(status.pending, []);
    const extra = { name: "9999_future.sql", sql: "SELECT 1", checksum: "x" };
    const withExtra = await migrationStatus(store.db, [...files, extra]);
    assert.deepEqual(withExtra.pending, ["9999_future.sql"]);
    const edited = await migrationStatus(store.db, [{ ...files[0], checksum: "edited" }]);
    assert.equal(edited.applied[0].changed, true);
  });
}
