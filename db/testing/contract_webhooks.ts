/**
 * Contract steps for the webhook outbox (`sql_webhooks.ts`, migration 0009): the triggers queue
 * an event per subscribed, enabled endpoint of the site in the transaction of the change; claims
 * hand each delivery to one caller, in a conversation's order, under a lease; erasing a visitor
 * leaves nothing of them in the outbox but `visitor.deleted`. Each step has sites and endpoints
 * of its own and deletes its endpoints (and so its deliveries) at the end. Test-only.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DbStore } from "../mod.ts";
import { WEBHOOK_EVENTS, type WebhookEvent } from "../../protocol/webhooks.ts";
import { type ClaimedDelivery, type WebhookEndpoint, WebhookStore } from "../sql_webhooks.ts";
import { agent, reply, say, site } from "./fixtures.ts";

const LEASE_MS = 60_000;

async function endpoint(
  hooks: WebhookStore,
  siteId: string,
  events: readonly WebhookEvent[] = WEBHOOK_EVENTS,
  opts: { includeNotes?: boolean; enabled?: boolean } = {},
): Promise<WebhookEndpoint> {
  return await hooks.createEndpoint({
    siteId,
    url: "https://hooks.example.com/in",
    secret: "whsec_test",
    events: [...events],
    includeNotes: opts.includeNotes ?? false,
    enabled: opts.enabled ?? true,
  });
}

/** Claims everything due, repeatedly delivering, until nothing is left; returns what came. */
async function drain(hooks: WebhookStore): Promise<ClaimedDelivery[]> {
  const out: ClaimedDelivery[] = [];
  for (;;) {
    const batch = await hooks.claim(100, LEASE_MS);
    if (batch.length === 0) return out;
    for (const d of batch) {
      out.push(d);
      assert.ok(await hooks.finish(d.id, d.attempt, { kind: "delivered", status: 200 }));
    }
  }
}

function conversationOf(d: ClaimedDelivery): string | undefined {
  const data = d.data as { conversationId?: string; conversation?: { id: string } };
  return data.conversationId ?? data.conversation?.id;
}

/** Registers the steps on `t`. */
export async function webhookSteps(t: Deno.TestContext, store: DbStore): Promise<void> {
  const hooks = new WebhookStore(store.db);

  await t.step("webhook triggers queue subscribed events of the site, in order", async () => {
    const s = await site(store);
    const other = await site(store);
    const all = await endpoint(hooks, s.id, WEBHOOK_EVENTS, { includeNotes: true });
    const some = await endpoint(hooks, s.id, ["conversation.resolved"]);
    const off = await endpoint(hooks, s.id, WEBHOOK_EVENTS, { enabled: false });
    const elsewhere = await endpoint(hooks, other.id);
    const v = await store.createVisitor({ siteId: s.id, name: "Ada" });
    const a = await agent(store);
    const first = await say(store, v.id, "hello");
    const c = first.conversation.id;
    // Several messages at once: one group commit, one statement.
    await Promise.all([
      say(store, v.id, "one"),
      say(store, v.id, "two"),
      say(store, v.id, "three"),
    ]);
    await store.assign(c, a.id, { expectUnassigned: true });
    await reply(store, c, a.id, "a note", true);
    await store.resolve(c);
    await store.rate(c, 4);
    await store.reopen(c);
    await store.updateVisitor(v.id, { email: "ada@example.com" });
    const got = await drain(hooks);
    const to = (e: WebhookEndpoint) => got.filter((d) => d.endpointId === e.id);
    assert.deepEqual(to(off), []);
    assert.deepEqual(to(elsewhere), []);
    assert.deepEqual(to(some).map((d) => d.type), ["conversation.resolved"]);
    const mine = to(all).filter((d) => conversationOf(d) === c);
    assert.deepEqual(mine.map((d) => d.type), [
      "conversation.created",
      "message.created",
      "message.created",
      "message.created",
      "message.created",
      "conversation.assigned",
      "message.created",
      "conversation.resolved",
      "conversation.rated",
      "conversation.reopened",
    ]);
    const seqs = mine.filter((d) => d.type === "message.created").map((d) =>
      (d.data as { message: { seq: number } }).message.seq
    );
    assert.deepEqual(seqs, [1, 2, 3, 4, 5]);
    assert.deepEqual(to(all).filter((d) => conversationOf(d) === undefined).map((d) => d.type), [
      "visitor.identified",
    ]);
    // One event id per event, shared by the endpoints that get it.
    const resolvedIds = got.filter((d) => d.type === "conversation.resolved").map((d) => d.eventId);
    assert.equal(resolvedIds.length, 2);
    assert.equal(new Set(resolvedIds).size, 1);
    for (const e of [all, some, off, elsewhere]) await hooks.deleteEndpoint(e.id);
  });

  await t.step("a webhook trigger's outbox row commits or rolls back with the change", async () => {
    const s = await site(store);
    const e = await endpoint(hooks, s.id, ["visitor.identified"]);
    const v = await store.createVisitor({ siteId: s.id, name: "Bo" });
    await assert.rejects(store.db.transaction(async (tx) => {
      await tx.query("UPDATE visitors SET email = 'bo@example.com' WHERE id = $1", [v.id]);
      throw new Error("rolled back");
    }));
    assert.deepEqual(await hooks.listDeliveries(e.id), []);
    await hooks.deleteEndpoint(e.id);
  });

  await t.step("webhook claims keep a conversation's order while one is retried", async () => {
    const s = await site(store);
    const e = await endpoint(hooks, s.id, ["message.created"]);
    const v1 = await store.createVisitor({ siteId: s.id, name: "One" });
    const v2 = await store.createVisitor({ siteId: s.id, name: "Two" });
    await say(store, v1.id, "a1");
    await say(store, v1.id, "a2");
    await say(store, v2.id, "b1");
    const first = await hooks.claim(100, LEASE_MS);
    const bodies = (list: ClaimedDelivery[]) =>
      list.map((d) => (d.data as { message: { body: string } }).message.body).sort();
    // a2 waits for a1; b1 does not.
    assert.deepEqual(bodies(first), ["a1", "b1"]);
    // Claimed: no second caller gets them, nor a2 while a1 is out.
    assert.deepEqual(await hooks.claim(100, LEASE_MS), []);
    const a1 = first.find((d) => bodies([d])[0] === "a1")!;
    const b1 = first.find((d) => bodies([d])[0] === "b1")!;
    await hooks.finish(b1.id, b1.attempt, { kind: "delivered", status: 204 });
    // a1 fails: a retry later, and a2 still waits.
    const later = new Date(Date.now() + 3_600_000);
    assert.ok(
      await hooks.finish(a1.id, a1.attempt, {
        kind: "retry",
        status: 500,
        error: "HTTP 500",
        retryAt: later,
      }),
    );
    assert.deepEqual(await hooks.claim(100, LEASE_MS), []);
    const log = await hooks.listDeliveries(e.id);
    const a1Log = log.find((d) => d.id === a1.id)!;
    assert.equal(a1Log.status, "pending");
    assert.equal(a1Log.lastStatus, 500);
    assert.equal(a1Log.lastError, "HTTP 500");
    assert.equal(a1Log.attempts, 1);
    // Failed for good: a2 goes.
    await store.db.query("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = $1", [
      a1.id,
    ]);
    const again = await hooks.claim(100, LEASE_MS);
    assert.deepEqual(again.map((d) => [d.id, d.attempt]), [[a1.id, 2]]);
    await hooks.finish(a1.id, 2, { kind: "failed", status: null, error: "Could not connect" });
    assert.deepEqual(bodies(await drain(hooks)), ["a2"]);
    assert.equal((await hooks.listDeliveries(e.id)).find((d) => d.id === a1.id)?.status, "failed");
    await hooks.deleteEndpoint(e.id);
  });

  await t.step(
    "a webhook lease that ends unfinished lets the delivery be taken again",
    async () => {
      const s = await site(store);
      const e = await endpoint(hooks, s.id, ["message.created"]);
      const v = await store.createVisitor({ siteId: s.id, name: "Lee" });
      await say(store, v.id, "hi");
      const [taken] = await hooks.claim(10, 1);
      await new Promise((r) => setTimeout(r, 20));
      const [retaken] = await hooks.claim(10, LEASE_MS);
      assert.equal(retaken.id, taken.id);
      assert.equal(retaken.attempt, 2);
      // The first taker's late answer is ignored.
      assert.equal(await hooks.finish(taken.id, 1, { kind: "delivered", status: 200 }), false);
      await hooks.release([{ id: retaken.id, attempt: retaken.attempt }]);
      const [back] = await hooks.claim(10, LEASE_MS);
      assert.equal(back.attempt, 2);
      await hooks.deleteEndpoint(e.id);
    },
  );

  await t.step(
    "conversation.labeled queues its payload as a JSON object, not a string",
    async () => {
      // Postgres once stored it as a JSON string (a text parameter cast to jsonb is encoded
      // twice by the driver); PGlite did not, so only this suite on both backends shows it.
      const s = await site(store);
      const e = await endpoint(hooks, s.id, ["conversation.labeled"]);
      const v = await store.createVisitor({ siteId: s.id, name: "Lia" });
      const c = (await say(store, v.id, "hi")).conversation.id;
      const l = await store.createLabel({ name: `VIP ${crypto.randomUUID()}`, color: "#7c3aed" });
      await store.changeConversationLabels(c, { add: [l.id] }, null);
      const [d] = await drain(hooks);
      assert.equal(d.type, "conversation.labeled");
      assert.deepEqual(d.data, {
        conversationId: c,
        visitorId: v.id,
        labels: [{ id: l.id, name: l.name, color: l.color }],
        added: [l.id],
        removed: [],
        by: null,
      });
      await hooks.deleteEndpoint(e.id);
      await store.deleteLabel(l.id);
    },
  );

  await t.step("erasing a visitor leaves only visitor.deleted, with ids", async () => {
    const s = await site(store);
    const e = await endpoint(hooks, s.id);
    const v = await store.createVisitor({ siteId: s.id, name: "Eve" });
    const keep = await store.createVisitor({ siteId: s.id, name: "Kim" });
    const a = await agent(store);
    const mine = await say(store, v.id, "my address is 1 Main St");
    await reply(store, mine.conversation.id, a.id, "noted");
    await store.updateVisitor(v.id, { email: "eve@example.com" });
    await say(store, keep.id, "keep me");
    // One delivered, the rest pending: both kinds go.
    const [one] = await hooks.claim(1, LEASE_MS);
    await hooks.finish(one.id, one.attempt, { kind: "delivered", status: 200 });
    await store.deleteVisitor(v.id);
    const rows = await store.db.query(
      "SELECT event_type, visitor_id, data FROM webhook_deliveries WHERE endpoint_id = $1",
      [e.id],
    );
    const text = JSON.stringify(rows);
    assert.ok(
      !text.includes("Main St") && !text.includes("eve@example.com") && !text.includes("Eve"),
    );
    const deleted = rows.filter((r) => r.event_type === "visitor.deleted");
    assert.equal(deleted.length, 1);
    assert.equal(deleted[0].visitor_id, null);
    assert.deepEqual(deleted[0].data, {
      visitorId: v.id,
      conversationIds: [mine.conversation.id],
    });
    assert.ok(rows.some((r) => r.visitor_id === keep.id), "another visitor's events stay");
    // An anonymous visitor who never wrote (a retention purge) is no event.
    const ghost = await store.createVisitor({ siteId: s.id, name: "Ghost" });
    await store.deleteVisitor(ghost.id);
    const after = await store.db.query(
      "SELECT count(*)::int AS n FROM webhook_deliveries WHERE event_type = 'visitor.deleted' AND endpoint_id = $1",
      [e.id],
    );
    assert.equal(after[0].n, 1);
    await hooks.deleteEndpoint(e.id);
  });

  await t.step("a site with webhooks and conversations can be deleted", async () => {
    const s = await site(store);
    const e = await endpoint(hooks, s.id);
    const v = await store.createVisitor({ siteId: s.id, name: "Sam" });
    await say(store, v.id, "hi");
    await store.deleteSite(s.id, { force: true });
    assert.equal(await hooks.getEndpoint(e.id), null);
    const left = await store.db.query(
      "SELECT count(*)::int AS n FROM webhook_deliveries WHERE site_id = $1",
      [s.id],
    );
    assert.equal(left[0].n, 0);
  });
}
