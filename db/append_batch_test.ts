/**
 * Group commit of visitor messages keeps every guarantee of the single append: per-conversation
 * seq order, idempotency, reopening, and first messages. Runs on PGlite, and on Postgres when
 * reachable (skipped otherwise, a failure under `CI=true`).
 */

import assert from "node:assert/strict";
import { createStore, type DbStore, StoreError } from "./mod.ts";
import { appendVisitorBatch } from "./sql_append_batch.ts";
import { openVisitorBatch } from "./sql_open_batch.ts";
import { freshDatabase, IN_CI, postgresReachable } from "../tests/helpers/database.ts";

const postgresUp = await postgresReachable();
const opts = { sanitizeResources: false, sanitizeOps: false };

async function withStores(fn: (store: DbStore) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "parley_batch_test_" });
  const pglite = await createStore({ dataDir: dir });
  try {
    await fn(pglite);
  } finally {
    await pglite.close();
    await Deno.remove(dir, { recursive: true });
  }
  if (!postgresUp && !IN_CI) return;
  const db = await freshDatabase();
  const pg = await createStore({ databaseUrl: db.url, dataDir: "unused" });
  try {
    await fn(pg);
  } finally {
    await pg.close();
    await db.drop();
  }
}

async function visitorsWithConversations(store: DbStore, n: number) {
  const site = await store.upsertSite({ id: "shop", name: "Shop" });
  const out = [];
  for (let i = 0; i < n; i++) {
    const v = await store.createVisitor({ siteId: site.id, name: `V${i}` });
    const r = await store.appendVisitorMessage({ visitorId: v.id, clientId: "first", body: "hi" });
    out.push({ visitorId: v.id, conversationId: r.conversation.id });
  }
  return out;
}

Deno.test(
  "concurrent appends share statements and keep seqs gap-free in send order",
  opts,
  () =>
    withStores(async (store) => {
      const vs = await visitorsWithConversations(store, 20);
      const sends = vs.flatMap((v) =>
        [0, 1, 2, 3, 4].map((k) =>
          store.appendVisitorMessage({ visitorId: v.visitorId, clientId: `m${k}`, body: `m${k}` })
        )
      );
      const results = await Promise.all(sends);
      for (const v of vs) {
        const { messages } = await store.listMessages(v.conversationId, { includeNotes: true });
        assert.deepEqual(messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6]);
        assert.deepEqual(messages.slice(1).map((m) => m.body), ["m0", "m1", "m2", "m3", "m4"]);
        const conv = await store.getConversation(v.conversationId);
        assert.equal(conv?.lastSeq, 6);
      }
      // Each result describes the conversation as of its own message.
      for (const r of results) assert.equal(r.conversation.lastSeq, r.message.seq);
      const summary = await store.getConversationSummary(vs[0].conversationId);
      assert.equal(summary?.lastMessage?.body, "m4", "the inbox preview is the newest message");
    }),
);

Deno.test(
  "a client id repeated in one batch, or sent again later, is stored once",
  opts,
  () =>
    withStores(async (store) => {
      const [v] = await visitorsWithConversations(store, 1);
      const input = { visitorId: v.visitorId, clientId: "same", body: "once" };
      const direct = await appendVisitorBatch(store.db, [input, input, input]);
      assert.ok(direct.every((r) => r !== null));
      assert.equal(new Set(direct.map((r) => r?.message.id)).size, 1);
      assert.deepEqual(direct.map((r) => r?.duplicate), [false, true, true]);
      const [again] = await appendVisitorBatch(store.db, [input]);
      assert.equal(again, null, "stored earlier: left to the single path");
      const resent = await Promise.all([1, 2].map(() => store.appendVisitorMessage(input)));
      assert.ok(resent.every((r) => r.duplicate && r.message.id === direct[0]?.message.id));
      const { messages } = await store.listMessages(v.conversationId, { includeNotes: true });
      assert.equal(messages.filter((m) => m.clientId === "same").length, 1);
    }),
);

Deno.test(
  "first messages and unknown visitors in a batch fall back to the single path",
  opts,
  () =>
    withStores(async (store) => {
      const [known] = await visitorsWithConversations(store, 1);
      const fresh = await store.createVisitor({ siteId: "shop", name: "New" });
      const results = await Promise.allSettled([
        store.appendVisitorMessage({ visitorId: known.visitorId, clientId: "a", body: "a" }),
        store.appendVisitorMessage({ visitorId: fresh.id, clientId: "b", body: "b" }),
        store.appendVisitorMessage({ visitorId: "no-such-visitor", clientId: "c", body: "c" }),
      ]);
      assert.equal(results[0].status, "fulfilled");
      assert.equal(results[1].status, "fulfilled");
      assert.ok(results[1].status === "fulfilled" && results[1].value.created);
      assert.ok(results[2].status === "rejected" && results[2].reason instanceof StoreError);
    }),
);

Deno.test("a batch reopens a resolved conversation once", opts, () =>
  withStores(async (store) => {
    const [v] = await visitorsWithConversations(store, 1);
    await store.resolve(v.conversationId);
    const results = await Promise.all(["x", "y"].map((k) =>
      store.appendVisitorMessage({ visitorId: v.visitorId, clientId: k, body: k })
    ));
    assert.deepEqual(
      results.map((r) =>
        r.reopened
      ),
      [true, false],
    );
    assert.equal((await store.getConversation(v.conversationId))?.status, "queued");
  }));

Deno.test(
  "visitor updates and current-conversation reads grouped in a batch match single ones",
  opts,
  () =>
    withStores(async (store) => {
      const [a, b] = await visitorsWithConversations(store, 2);
      const page = { url: "https://shop.test/cart", title: "Cart" };
      const [ua, pa, twice1, twice2] = await Promise.all([
        store.updateVisitor(a.visitorId, { userAgent: "UA/1", locale: "fr" }),
        store.updateVisitor(b.visitorId, { page, attributes: { plan: "pro" } }),
        store.updateVisitor(b.visitorId, { attributes: { seats: 3 } }),
        store.updateVisitor(b.visitorId, { verified: true, email: null }),
      ]);
      assert.equal(ua.userAgent, "UA/1");
      assert.equal(ua.locale, "fr");
      assert.deepEqual(pa.page, page);
      assert.deepEqual(pa.pagesVisited.at(-1), page);
      assert.deepEqual(twice1.attributes, { plan: "pro", seats: 3 }, "same visitor: in order");
      assert.equal(twice2.verified, true);
      await assert.rejects(
        Promise.all([
          store.updateVisitor("no-such", { locale: "de" }),
          store.updateVisitor(a.visitorId, { locale: "de" }),
        ]),
        StoreError,
      );
      const [ca, cb, none] = await Promise.all([
        store.getCurrentConversation(a.visitorId),
        store.getCurrentConversation(b.visitorId),
        store.getCurrentConversation("no-such"),
      ]);
      assert.equal(ca?.id, a.conversationId);
      assert.equal(cb?.id, b.conversationId);
      assert.equal(none, null);
    }),
);

Deno.test(
  "agent replies, notes and system messages grouped in a batch follow the single rules",
  opts,
  () =>
    withStores(async (store) => {
      const vs = await visitorsWithConversations(store, 3);
      const ann = await store.createAgent({
        email: "ann@shop.test",
        name: "Ann",
        passwordHash: "x",
        role: "agent",
      });
      await store.resolve(vs[2].conversationId);
      const reply = (i: number, clientId: string, note = false) =>
        store.appendAgentMessage({
          conversationId: vs[i].conversationId,
          agentId: ann.id,
          clientId,
          body: clientId,
          note,
        });
      const results = await Promise.allSettled([
        reply(0, "r1"), // claims conversation 0
        reply(0, "r2"), // same conversation: next round, in order
        reply(1, "n1", true), // a note neither claims nor previews
        reply(2, "r3"), // resolved: refused
        reply(2, "n2", true), // a note on a resolved conversation is fine
        store.appendSystemMessage(vs[1].conversationId, "Ann joined"),
        reply(0, "r1"), // a repeat of a client id in the same burst
        store.appendAgentMessage({
          conversationId: vs[0].conversationId,
          agentId: "no-such-agent",
          clientId: "x",
          body: "x",
          note: false,
        }),
      ]);
      const ok = (i: number) => {
        const r = results[i];
        if (r.status !== "fulfilled") throw new Error(`result ${i} failed: ${r.reason}`);
        return r.value;
      };
      assert.equal(ok(0).claimed, true);
      assert.equal(ok(1).claimed, false);
      assert.equal(ok(1).message.seq, ok(0).message.seq + 1);
      assert.equal(ok(2).claimed, false);
      assert.ok(results[3].status === "rejected" && results[3].reason instanceof StoreError);
      assert.equal(ok(4).message.note, true);
      assert.equal(ok(5).message.authorKind, "system");
      assert.equal(ok(6).duplicate, true);
      assert.equal(ok(6).message.id, ok(0).message.id);
      assert.ok(results[7].status === "rejected" && results[7].reason instanceof StoreError);
      const c0 = await store.getConversation(vs[0].conversationId);
      assert.equal(c0?.assigneeId, ann.id);
      assert.equal(c0?.status, "open");
      const c1 = await store.getConversationSummary(vs[1].conversationId);
      assert.equal(c1?.assigneeId, null, "a note does not claim");
      assert.equal(c1?.lastMessage?.body, "Ann joined", "a system message previews, a note not");
      const { messages } = await store.listMessages(vs[0].conversationId, { includeNotes: true });
      assert.deepEqual(messages.map((m) => m.seq), [1, 2, 3]);
    }),
);

Deno.test(
  "first messages sent together open one conversation each, in one statement",
  opts,
  () =>
    withStores(async (store) => {
      const site = await store.upsertSite({ id: "shop", name: "Shop" });
      const vs = [];
      for (let i = 0; i < 10; i++) {
        vs.push(await store.createVisitor({ siteId: site.id, name: `N${i}` }));
      }
      // Each visitor's first and second message in one batch, plus a repeat of a first one.
      const sends = vs.flatMap((v) => [
        store.appendVisitorMessage({ visitorId: v.id, clientId: "a", body: "first" }),
        store.appendVisitorMessage({ visitorId: v.id, clientId: "b", body: "second" }),
      ]);
      sends.push(store.appendVisitorMessage({ visitorId: vs[0].id, clientId: "a", body: "first" }));
      const results = await Promise.all(sends);
      for (let i = 0; i < vs.length; i++) {
        const [first, second] = [results[2 * i], results[2 * i + 1]];
        assert.equal(first.created, true);
        assert.equal(first.message.seq, 1);
        assert.equal(second.created, false);
        assert.equal(second.message.seq, 2);
        assert.equal(second.conversation.id, first.conversation.id);
        const current = await store.getCurrentConversation(vs[i].id);
        assert.equal(current?.id, first.conversation.id);
        const { messages } = await store.listMessages(first.conversation.id, {
          includeNotes: true,
        });
        assert.deepEqual(messages.map((m) => m.body), ["first", "second"]);
      }
      const repeat = results[results.length - 1];
      assert.equal(repeat.duplicate, true);
      assert.equal(repeat.message.id, results[0].message.id);
    }),
);

Deno.test(
  "a batched first message honours mayOpen and opens once across concurrent batches",
  opts,
  () =>
    withStores(async (store) => {
      const site = await store.upsertSite({ id: "shop", name: "Shop" });
      const a = await store.createVisitor({ siteId: site.id, name: "A" });
      const b = await store.createVisitor({ siteId: site.id, name: "B" });
      const [refused, opened] = await Promise.allSettled([
        store.appendVisitorMessage({ visitorId: a.id, clientId: "x", body: "no", mayOpen: false }),
        store.appendVisitorMessage({ visitorId: b.id, clientId: "y", body: "yes" }),
      ]);
      assert.equal(refused.status, "rejected");
      assert.equal((refused as PromiseRejectedResult).reason.code, "no_conversation");
      assert.equal(opened.status, "fulfilled");
      assert.equal(await store.getCurrentConversation(a.id), null);
      // Two tabs of one visitor opening at once, in separate statements: one conversation.
      const c = await store.createVisitor({ siteId: site.id, name: "C" });
      const [one, two] = await Promise.all([
        openVisitorBatch(store.db, [{ visitorId: c.id, clientId: "t1", body: "tab 1" }]),
        openVisitorBatch(store.db, [{ visitorId: c.id, clientId: "t2", body: "tab 2" }]),
      ]);
      const won = [one[0], two[0]].filter((r) => r !== null);
      assert.equal(won.length, 1, "exactly one tab opens the conversation");
      const current = await store.getCurrentConversation(c.id);
      assert.equal(current?.id, won[0]?.conversation.id);
    }),
);
