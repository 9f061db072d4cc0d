/**
 * The Postgres bus in one process: two buses on one embedded database stand in for two
 * instances (PGlite delivers NOTIFY to every listener of the process, as Postgres does across
 * processes). `tests/multi_instance_test.ts` covers real processes on Postgres.
 */

import assert from "node:assert/strict";
import { createStore, type DbStore } from "../../db/mod.ts";
import type { Db } from "../../db/driver.ts";
import { ClusterStore } from "../../db/sql_cluster.ts";
import type { BusEvent } from "./bus.ts";
import { silentLogger } from "../log.ts";
import { PgBus } from "./pg_bus.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
/** Bus options every instance here shares: a fast heartbeat keeps the tests short. */
const common = { log: silentLogger, heartbeatMs: 100, catchUpMarginMs: 1000 };

interface Counting {
  db: Db;
  notifies: number;
  /** What each send carried (payloads or parameters), in order. */
  sent: string[];
  /** Drop the next N sends (as if the notification were lost). */
  drop: number;
}

/** Wraps a driver to count NOTIFYs and lose some. */
function counting(db: Db): Counting {
  const c: Counting = {
    notifies: 0,
    sent: [],
    drop: 0,
    db: {
      ...db,
      backend: db.backend,
      query: (text, params) => {
        if (text.includes("pg_notify")) {
          c.notifies++;
          c.sent.push(JSON.stringify(params ?? []));
          if (c.drop > 0) {
            c.drop--;
            return Promise.resolve([]);
          }
        }
        return db.query(text, params);
      },
      notify: (channel, payload) => {
        c.notifies++;
        c.sent.push(payload);
        if (c.drop > 0) {
          c.drop--;
          return Promise.resolve();
        }
        return db.notify(channel, payload);
      },
    },
  };
  return c;
}

/** Runs `fn` with a store on a fresh PGlite directory, then closes the store and removes it. */
async function withStore(fn: (store: DbStore) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "parley_pg_bus_test_" });
  const store = await createStore({ dataDir: dir });
  try {
    await fn(store);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function withTwoBuses(
  fn: (x: {
    store: DbStore;
    a: PgBus;
    b: PgBus;
    wireA: Counting;
    got: BusEvent[];
    reads: { n: number };
  }) => Promise<void>,
) {
  return withStore(async (store) => {
    const wireA = counting(store.db);
    const cluster = new ClusterStore(store.db);
    const reads = { n: 0 };
    const readerB = {
      now: () => cluster.now(),
      changedConversations: (since: number) => cluster.changedConversations(since),
      messagesInRanges: (...args: Parameters<ClusterStore["messagesInRanges"]>) => {
        reads.n++;
        return cluster.messagesInRanges(...args);
      },
    };
    const a = new PgBus({ db: wireA.db, reader: cluster, instanceId: "a", ...common });
    const b = new PgBus({ db: store.db, reader: readerB, instanceId: "b", ...common });
    await a.start();
    await b.start();
    // What the presence snapshot does in production: each knows the other is there.
    a.notePeers(["b"]);
    b.notePeers(["a"]);
    const got: BusEvent[] = [];
    b.subscribe((e) => got.push(e));
    try {
      await fn({ store, a, b, wireA, got, reads });
    } finally {
      await a.close();
      await b.close();
    }
  });
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("Timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Stores a visitor's message; returns it with its conversation and the event announcing it. */
async function storeMessage(store: DbStore, body: string) {
  const site = await store.upsertSite({ id: "s", name: "Shop" });
  const visitor = await store.createVisitor({ siteId: site.id, name: "V" });
  const { message, conversation } = await store.appendVisitorMessage({
    visitorId: visitor.id,
    clientId: "c1",
    body,
  });
  const event: BusEvent = {
    kind: "message",
    conversationId: conversation.id,
    visitorId: conversation.visitorId,
    seq: message.seq,
    note: false,
    message,
  };
  return { message, conversation, event };
}

Deno.test(
  "the publishing instance gets its own event at once, with the message, unread",
  opts,
  () =>
    withTwoBuses(async ({ store, a, b, got, reads }) => {
      const local: BusEvent[] = [];
      a.subscribe((e) => local.push(e));
      const { message, event } = await storeMessage(store, "hello");
      await a.publish(event);
      await Promise.resolve();
      assert.equal(local.length, 1);
      assert.equal(local[0], event, "the very same object, no copy and no read");
      await until(() => got.length >= 1);
      const remote = got[0];
      assert.equal(remote.kind, "message");
      assert.deepEqual(remote.kind === "message" ? remote.message : null, message);
      assert.equal(reads.n, 1, "the other instance read the announced message once");
      void b;
    }),
);

Deno.test(
  "events of one turn ride in one NOTIFY and arrive in order",
  opts,
  () =>
    withTwoBuses(async ({ a, wireA, got }) => {
      const before = wireA.notifies;
      for (let i = 0; i < 300; i++) {
        void a.publish({
          kind: "typing",
          conversationId: "c",
          visitorId: "v",
          author: "visitor",
          agentId: null,
          name: `n${i}`,
          active: true,
          preview: "x".repeat(100),
        });
      }
      await until(() => got.length === 300);
      // 300 entries of ~150 bytes need several payloads under 8000 bytes, sent together.
      assert.ok(wireA.notifies - before <= 2, `${wireA.notifies - before} sends`);
      assert.deepEqual(
        got.map((e) => e.kind === "typing" ? e.name : ""),
        Array.from({ length: 300 }, (_, i) => `n${i}`),
      );
    }),
);

Deno.test(
  "a lost notification is caught up from the tables once the gap shows",
  opts,
  () =>
    withTwoBuses(async ({ store, a, wireA, got }) => {
      const { event } = await storeMessage(store, "lost on the wire");
      wireA.drop = 1;
      await a.publish(event);
      // The next (heartbeat) batch skips a number: b reads what changed and delivers it.
      await until(() => got.some((e) => e.kind === "message"));
      const caught = got.find((e) => e.kind === "message");
      assert.equal(caught?.kind === "message" ? caught.message?.body : null, "lost on the wire");
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(got.filter((e) => e.kind === "message").length, 1, "delivered once");
    }),
);

Deno.test(
  "a lone instance rings nobody, and a newcomer catches up from the tables",
  opts,
  () =>
    withStore(async (store) => {
      const wire = counting(store.db);
      const cluster = new ClusterStore(store.db);
      const a = new PgBus({ db: wire.db, reader: cluster, instanceId: "a", ...common });
      await a.start();
      try {
        await new Promise((r) => setTimeout(r, 50));
        const before = wire.sent.length;
        const { conversation, event } = await storeMessage(store, "said while alone");
        await a.publish(event);
        await new Promise((r) => setTimeout(r, 20));
        // Empty heartbeats still go out (every 100 ms here); no send may carry the event.
        const carried = wire.sent.slice(before).filter((p) => p.includes(conversation.id));
        assert.deepEqual(carried, [], "no NOTIFY for events when alone");
        const b = new PgBus({ db: store.db, reader: cluster, instanceId: "b", ...common });
        const got: BusEvent[] = [];
        b.subscribe((e) => got.push(e));
        await b.start();
        try {
          await until(() => got.some((e) => e.kind === "message"));
        } finally {
          await b.close();
        }
      } finally {
        await a.close();
      }
    }),
);
