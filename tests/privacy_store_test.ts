/**
 * Privacy in the store, on PGlite and on Postgres (issue 15): an erasure leaves nothing of the
 * visitor in any table of the schema (every table is listed from `information_schema` and
 * searched whole for the visitor's id and their messages' texts), and touches nobody else;
 * retention deletes what it should and nothing else, with the clock moved instead of waited
 * for; only one instance runs it at a time (Postgres's advisory lock).
 */

import assert from "node:assert/strict";
import { createStore, type DbStore } from "../db/mod.ts";
import { erasedTarget } from "../db/sql_retention.ts";
import { silentLogger } from "../core/log.ts";
import { MetricsRegistry } from "../core/metrics.ts";
import { Retention, safeDetails } from "../core/privacy/mod.ts";
import { decodeBatch, encodeBatch, encodeEvent } from "../core/cluster/bus_wire.ts";
import { freshDatabase, IN_CI, postgresReachable } from "./helpers/database.ts";
import { ConfigError, loadConfig } from "../server/config.ts";

const postgresUp = await postgresReachable();
const DAY = 86_400_000;

function uid(): string {
  return crypto.randomUUID().slice(0, 8);
}

/** Runs `fn` on a fresh store of each backend. */
function onBothBackends(name: string, fn: (store: DbStore) => Promise<void>): void {
  Deno.test({
    name: `${name} (PGlite)`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "parley_privacy_" });
      const store = await createStore({ dataDir: dir });
      try {
        await fn(store);
      } finally {
        await store.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
  Deno.test({
    name: `${name} (Postgres)`,
    ignore: !postgresUp && !IN_CI,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const fresh = await freshDatabase();
      const store = await createStore({ databaseUrl: fresh.url, dataDir: "unused" });
      try {
        await fn(store);
      } finally {
        await store.close();
        await fresh.drop();
      }
    },
  });
}

/** Every base table of the schema, from `information_schema`. */
async function allTables(store: DbStore): Promise<string[]> {
  const rows = await store.db.query(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.map((r) => String(r.table_name));
}

/** The tables holding `needle` anywhere in a row (each row read whole, as text). */
async function tablesHolding(store: DbStore, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const table of await allTables(store)) {
    // Table names come from information_schema, quoted; the needle is a parameter.
    const rows = await store.db.query(
      `SELECT count(*)::int AS n FROM "${table.replaceAll('"', '""')}" t
       WHERE strpos(t::text, $1) > 0`,
      [needle],
    );
    if (Number(rows[0].n) > 0) found.push(table);
  }
  return found;
}

/** A site, an agent, and a visitor who wrote, was answered, noted, rated and read. */
async function richVisitor(store: DbStore, siteId: string, agentId: string) {
  const tag = uid();
  const v = await store.createVisitor({ siteId, name: `Visitor ${tag}` });
  await store.updateVisitor(v.id, {
    email: `${tag}@example.com`,
    externalId: `ext-${tag}`,
    attributes: { plan: `gold-${tag}` },
  });
  const texts = [`first words ${tag}`, `agent answer ${tag}`, `private note ${tag}`];
  const first = await store.appendVisitorMessage({
    visitorId: v.id,
    clientId: `c-${tag}`,
    body: texts[0],
  });
  const c = first.conversation.id;
  await store.appendAgentMessage({
    conversationId: c,
    agentId,
    clientId: `a-${tag}`,
    body: texts[1],
    note: false,
  });
  await store.appendAgentMessage({
    conversationId: c,
    agentId,
    clientId: `n-${tag}`,
    body: texts[2],
    note: true,
  });
  await store.markAgentRead(agentId, c, 3);
  await store.markVisitorRead(c, 2);
  await store.resolve(c);
  await store.rate(c, 4);
  await store.startOver(v.id);
  const second = await store.appendVisitorMessage({
    visitorId: v.id,
    clientId: `d-${tag}`,
    body: `second visit ${tag}`,
  });
  texts.push(`second visit ${tag}`);
  return { visitor: v, conversations: [c, second.conversation.id], texts };
}

onBothBackends("eraseVisitor leaves nothing of the visitor in any table", async (store) => {
  const site = await store.createSite({ id: `shop-${uid()}`, name: "Shop" });
  const agent = await store.createAgent({
    email: `${uid()}@example.com`,
    name: "Ann",
    passwordHash: "hash",
    role: "admin",
  });
  const gone = await richVisitor(store, site.id, agent.id);
  const kept = await richVisitor(store, site.id, agent.id);
  // Presence on a cluster, and an earlier audit entry naming the visitor (an export).
  await store.db.query(
    "INSERT INTO cluster_instances (id, expires_at) VALUES ('inst-1', now() + interval '1 hour')",
  );
  await store.db.query(
    "INSERT INTO cluster_visitors (instance_id, visitor_id) VALUES ('inst-1', $1), ('inst-1', $2)",
    [gone.visitor.id, kept.visitor.id],
  );
  await store.recordAudit({
    actorId: agent.id,
    actorEmail: agent.email,
    action: "visitor.export",
    targetId: gone.visitor.id,
    details: {},
  });
  assert.ok((await tablesHolding(store, gone.visitor.id)).length >= 5);

  const { erased, entry } = await store.eraseVisitor(gone.visitor.id, {
    actorId: agent.id,
    actorEmail: agent.email,
    action: "visitor.erase",
    targetId: null,
    details: {},
  });

  assert.deepEqual(erased, { conversations: 2, messages: 4, siteId: site.id });
  const tables = await allTables(store);
  for (const t of ["visitors", "conversations", "messages", "agent_reads", "audit_log"]) {
    assert.ok(tables.includes(t), `the schema has ${t}`);
  }
  for (const needle of [gone.visitor.id, ...gone.conversations, ...gone.texts]) {
    assert.deepEqual(await tablesHolding(store, needle), [], `nothing holds ${needle}`);
  }
  assert.deepEqual(await tablesHolding(store, gone.visitor.email ?? "x@x"), []);
  // The other visitor of the same site keeps everything.
  for (const needle of [kept.visitor.id, ...kept.texts]) {
    assert.notDeepEqual(await tablesHolding(store, needle), [], `${needle} is kept`);
  }
  assert.ok(await store.getConversation(kept.conversations[0]));
  // The audit log keeps what happened, under the id's hash.
  const target = await erasedTarget(gone.visitor.id);
  assert.equal(entry.targetId, target);
  assert.deepEqual(entry.details, { conversations: 2, messages: 4, siteId: site.id });
  const log = await store.listAudit({ limit: 10 });
  assert.deepEqual(log.map((e) => [e.action, e.targetId]), [
    ["visitor.erase", target],
    ["visitor.export", target],
  ]);
  await assert.rejects(
    () =>
      store.eraseVisitor(gone.visitor.id, {
        actorId: null,
        actorEmail: null,
        action: "visitor.erase",
        targetId: null,
        details: {},
      }),
    (err: Error & { code?: string }) => err.code === "not_found",
  );
  assert.equal((await store.listAudit({ limit: 10 })).length, 2, "a failed erasure records none");
});

onBothBackends("listAudit pages newest first by id", async (store) => {
  for (let i = 1; i <= 5; i++) {
    await store.recordAudit({
      actorId: "a",
      actorEmail: "a@example.com",
      action: "site.update",
      targetId: `s${i}`,
      details: { fields: ["name"], n: i },
    });
  }
  const first = await store.listAudit({ limit: 2 });
  assert.deepEqual(first.map((e) => e.targetId), ["s5", "s4"]);
  const next = await store.listAudit({ before: first[1].id, limit: 2 });
  assert.deepEqual(next.map((e) => e.targetId), ["s3", "s2"]);
  assert.deepEqual(next[0].details, { fields: ["name"], n: 3 });
  assert.equal(next[0].actorEmail, "a@example.com");
});

/** A retention job over `store` whose clock reads `clock.now`. */
function retentionAt(
  store: DbStore,
  clock: { now: Date },
  opts: { defaultDays: number | null; keep?: string[]; batchSize?: number },
) {
  const metrics = new MetricsRegistry();
  const job = new Retention({
    store,
    log: silentLogger,
    metrics,
    now: () => clock.now,
    connectedVisitors: () => opts.keep ?? [],
    options: {
      defaultDays: opts.defaultDays,
      anonymousVisitorTtlHours: 24,
      everyMs: 3_600_000,
      firstDelayMs: 60_000,
      batchSize: opts.batchSize ?? 2,
    },
  });
  return { job, metrics };
}

onBothBackends(
  "retention deletes old resolved conversations and silent anonymous visitors only",
  async (store) => {
    const plain = await store.createSite({ id: `plain-${uid()}`, name: "Plain" });
    const long = await store.createSite({ id: `long-${uid()}`, name: "Long", retentionDays: 90 });
    const short = await store.createSite({ id: `short-${uid()}`, name: "Short", retentionDays: 5 });
    const chat = async (siteId: string, end: "resolved" | "open" | "queued") => {
      const v = await store.createVisitor({ siteId, name: "V" });
      const r = await store.appendVisitorMessage({ visitorId: v.id, clientId: uid(), body: "hi" });
      if (end === "resolved") await store.resolve(r.conversation.id);
      if (end === "open") {
        const a = await store.createAgent({
          email: `${uid()}@example.com`,
          name: "A",
          passwordHash: "h",
          role: "agent",
        });
        await store.assign(r.conversation.id, a.id, { expectUnassigned: true });
      }
      return { visitor: v.id, conversation: r.conversation.id };
    };
    const plainResolved = await Promise.all([1, 2, 3].map(() => chat(plain.id, "resolved")));
    const plainOpen = await chat(plain.id, "open");
    const plainQueued = await chat(plain.id, "queued");
    const longResolved = await chat(long.id, "resolved");
    const shortResolved = await chat(short.id, "resolved");
    // Anonymous visitors who never wrote; one identified; one connected here.
    const silent = await store.createVisitor({ siteId: plain.id, name: "Silent" });
    const silent2 = await store.createVisitor({ siteId: plain.id, name: "Silent 2" });
    const identified = await store.createVisitor({ siteId: plain.id, name: "Known" });
    await store.updateVisitor(identified.id, { email: "known@example.com" });
    const connected = await store.createVisitor({ siteId: plain.id, name: "Here" });

    const clock = { now: new Date() };
    const keep = [connected.id];
    // Today, with a 30-day default: nothing is old enough.
    const today = retentionAt(store, clock, { defaultDays: 30, keep });
    assert.deepEqual(await today.job.runOnce(), { conversations: 0, messages: 0, visitors: 0 });

    // In 10 days: only the site keeping 5 days loses its resolved conversation.
    clock.now = new Date(Date.now() + 10 * DAY);
    const noDefault = retentionAt(store, clock, { defaultDays: null, keep });
    const tenDays = await noDefault.job.runOnce();
    assert.equal(tenDays?.conversations, 1);
    assert.equal(await store.getConversation(shortResolved.conversation), null);
    assert.ok(await store.getConversation(plainResolved[0].conversation), "no default: kept");
    // Anonymous visitors unseen for more than a day with no conversation are gone: those who
    // never wrote, and the one whose only conversation retention just deleted.
    assert.equal(tenDays?.visitors, 3);
    assert.equal(await store.getVisitor(shortResolved.visitor), null);
    assert.equal(await store.getVisitor(silent.id), null);
    assert.equal(await store.getVisitor(silent2.id), null);
    assert.ok(await store.getVisitor(identified.id), "an identified visitor stays");
    assert.ok(await store.getVisitor(connected.id), "a connected visitor stays");
    assert.ok(await store.getVisitor(plainQueued.visitor), "a visitor who wrote stays");

    // In 40 days with a 30-day default: every old resolved conversation but the 90-day site's,
    // in batches of 2; open and queued ones stay whatever their age.
    clock.now = new Date(Date.now() + 40 * DAY);
    const forty = retentionAt(store, clock, { defaultDays: 30, keep });
    const n = await forty.job.runOnce();
    // Their three anonymous visitors, left without a conversation, go in the same run.
    assert.deepEqual(n, { conversations: 3, messages: 3, visitors: 3 });
    assert.ok(await store.getVisitor(plainOpen.visitor), "a visitor with a conversation stays");
    for (const r of plainResolved) assert.equal(await store.getConversation(r.conversation), null);
    assert.ok(await store.getConversation(longResolved.conversation), "the site's 90 days hold");
    assert.ok(await store.getConversation(plainOpen.conversation), "open stays");
    assert.ok(await store.getConversation(plainQueued.conversation), "queued stays");
    const text = await forty.metrics.render();
    assert.match(text, /parley_retention_deleted_total\{kind="conversations"\} 3/);
    assert.match(text, /parley_retention_deleted_total\{kind="messages"\} 3/);
  },
);

Deno.test({
  name: "retention runs on one instance at a time (Postgres advisory lock)",
  ignore: !postgresUp && !IN_CI,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const fresh = await freshDatabase();
    const a = await createStore({ databaseUrl: fresh.url, dataDir: "unused" });
    const b = await createStore({ databaseUrl: fresh.url, dataDir: "unused" });
    try {
      let release = () => {};
      const holding = new Promise<void>((r) => release = r);
      let entered = () => {};
      const inside = new Promise<void>((r) => entered = r);
      const first = a.runExclusive("retention", async () => {
        entered();
        await holding;
      });
      await inside;
      let ran = false;
      assert.equal(
        await b.runExclusive("retention", () => Promise.resolve(void (ran = true))),
        false,
      );
      assert.equal(ran, false);
      release();
      assert.equal(await first, true);
      assert.equal(
        await b.runExclusive("retention", () => Promise.resolve(void (ran = true))),
        true,
      );
      assert.equal(ran, true);
    } finally {
      await a.close();
      await b.close();
      await fresh.drop();
    }
  },
});

Deno.test("visitor_erased crosses the Postgres bus as a validated entry", () => {
  const entry = encodeEvent({ kind: "visitor_erased", visitorId: "v-1", siteId: "shop" });
  const batch = decodeBatch(encodeBatch("inst", 1, 0, [entry]));
  assert.deepEqual(batch.entries, [{
    kind: "event",
    event: { kind: "visitor_erased", visitorId: "v-1", siteId: "shop" },
  }]);
  assert.throws(() => decodeBatch(encodeBatch("inst", 2, 0, ['["e","v 1","shop"]'])));
});

Deno.test("loadConfig() reads the retention variables: unset keeps for ever, bad values fail", () => {
  const base = { DATA_DIR: "/tmp/unused" };
  const unset = loadConfig(base).retention;
  assert.deepEqual(unset, { days: null, anonymousVisitorTtlHours: 24, everyMinutes: 60 });
  const set = loadConfig({
    ...base,
    PARLEY_RETENTION_DAYS: "30",
    PARLEY_ANONYMOUS_VISITOR_TTL_HOURS: "0",
    PARLEY_RETENTION_INTERVAL_MINUTES: "15",
  }).retention;
  assert.deepEqual(set, { days: 30, anonymousVisitorTtlHours: 0, everyMinutes: 15 });
  assert.throws(
    () => loadConfig({ ...base, PARLEY_RETENTION_DAYS: "0" }),
    (err: ConfigError) => err.problems.some((p) => p.startsWith("PARLEY_RETENTION_DAYS")),
  );
});

Deno.test("Retention runs on its timer and stop() waits for the batch in progress, then no more", async () => {
  let batches = 0;
  let release = () => {};
  let inBatch = () => {};
  const entered = new Promise<void>((r) => inBatch = r);
  // Only the three calls retention makes; every batch is full, so only stop() ends the run.
  const store = {
    runExclusive: async (_job: string, fn: () => Promise<void>) => {
      await fn();
      return true;
    },
    purgeExpiredConversations: () => {
      batches++;
      inBatch();
      return new Promise<{ conversations: number; messages: number }>((r) =>
        release = () => r({ conversations: 2, messages: 5 })
      );
    },
    purgeAnonymousVisitors: () => Promise.resolve(0),
  } as unknown as DbStore;
  const metrics = new MetricsRegistry();
  const job = new Retention({
    store,
    log: silentLogger,
    metrics,
    options: {
      defaultDays: 1,
      anonymousVisitorTtlHours: 24,
      everyMs: 10,
      firstDelayMs: 0,
      batchSize: 2,
    },
  });
  // The job's timer never keeps a process alive by itself (a server does): this test does.
  const alive = setInterval(() => {}, 1000);
  job.start();
  await entered;
  let stopped = false;
  const stopping = job.stop().then(() => stopped = true);
  // The batch is held open by `release`: a stop() that did not wait for it would settle within a
  // few microtask turns, with no timer involved, so no fixed sleep is needed to see it.
  for (let i = 0; i < 50; i++) await Promise.resolve();
  assert.equal(stopped, false, "stop() waits for the batch in progress");
  release();
  await stopping;
  clearInterval(alive);
  assert.equal(batches, 1, "no batch starts after stop()");
  assert.match(await metrics.render(), /parley_retention_deleted_total\{kind="messages"\} 5/);
});

Deno.test("safeDetails() drops keys that could hold a secret and keeps the rest", () => {
  assert.deepEqual(
    safeDetails({
      identitySecret: "s",
      password: "p",
      passwordHash: "h",
      token: "t",
      tokenId: "id-1",
      name: "Shop",
      fields: ["name"],
    }),
    { tokenId: "id-1", name: "Shop", fields: ["name"] },
  );
});
