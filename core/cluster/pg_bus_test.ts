/**
 * The Postgres bus in one process: two buses on one embedded database stand in for two
 * instances (PGlite delivers NOTIFY to every listener of the process, as Postgres does across
 * processes). `tests/multi_instance_test.ts` covers real processes on Postgres.
 */

import assert from "node:assert/strict";
import { createStore, type DbStore } from "../../db/mod.ts";
import type { Db } from "../../db/driver.ts";
import { ClusterStore, type MessageRange } from "../../db/sql_cluster.ts";
import type { BusEvent } from "./bus.ts";
import { type LogFields, silentLogger } from "../log.ts";
import { PgBus } from "./pg_bus.ts";
import { waitUntil } from "../../tests/helpers/wait.ts";

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

/** Wraps a driver so every notification its listeners hear is also pushed to `heard`, raw. */
function overhearing(db: Db, heard: string[]): Db {
  return {
    ...db,
    listen: (ch, onNotify, onListen) =>
      db.listen(ch, (payload) => {
        heard.push(payload);
        onNotify(payload);
      }, onListen),
  };
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

/**
 * One embedded database for the whole file: booting PGlite and migrating takes seconds, and the
 * cases cannot disturb each other because each uses its own notification channel, its own
 * visitor and conversation, and closes its buses.
 */
async function withStore(
  t: Deno.TestContext,
  cases: Record<string, (store: DbStore, channel: string) => Promise<void>>,
) {
  const dir = await Deno.makeTempDir({ prefix: "parley_pg_bus_test_" });
  const store = await createStore({ dataDir: dir });
  try {
    let n = 0;
    for (const [name, fn] of Object.entries(cases)) {
      const channel = `parley_bus_test_${++n}`;
      await t.step(name, () => fn(store, channel));
    }
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** What one case gets: two buses on one channel, and instruments on both ends of the wire. */
interface TwoBuses {
  store: DbStore;
  a: PgBus;
  b: PgBus;
  wireA: Counting;
  /** Events `b` delivered. */
  got: BusEvent[];
  /** The ranges of every read of messages `b` made. */
  reads: MessageRange[][];
  /** Every notification `b`'s listener heard, raw. */
  heard: string[];
  /** Catch-ups `b` finished. */
  resyncs: { n: number };
}

async function withTwoBuses(
  store: DbStore,
  channel: string,
  fn: (x: TwoBuses) => Promise<void>,
) {
  const wireA = counting(store.db);
  const cluster = new ClusterStore(store.db);
  const reads: MessageRange[][] = [];
  const readerB = {
    now: () => cluster.now(),
    changedConversations: (since: number) => cluster.changedConversations(since),
    messagesInRanges: (...args: Parameters<ClusterStore["messagesInRanges"]>) => {
      reads.push(args[0]);
      return cluster.messagesInRanges(...args);
    },
  };
  const heard: string[] = [];
  const dbB = overhearing(store.db, heard);
  const a = new PgBus({ db: wireA.db, reader: cluster, instanceId: "a", channel, ...common });
  const b = new PgBus({ db: dbB, reader: readerB, instanceId: "b", channel, ...common });
  await a.start();
  await b.start();
  // What the presence snapshot does in production: each knows the other is there.
  a.notePeers(["b"]);
  b.notePeers(["a"]);
  const got: BusEvent[] = [];
  b.subscribe((e) => got.push(e));
  const resyncs = { n: 0 };
  b.onResync(() => resyncs.n++);
  try {
    await fn({ store, a, b, wireA, got, reads, heard, resyncs });
  } finally {
    await a.close();
    await b.close();
  }
}

const until = (cond: () => boolean, what: string) => waitUntil(cond, what, { everyMs: 10 });

/** Batches from instance `id` among raw notifications. */
const batchesFrom = (payloads: string[], id: string) =>
  payloads.filter((p) => p.startsWith(`{"v":1,"i":${JSON.stringify(id)},`)).length;

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
  "PgBus across two instances on one embedded database",
  (t) =>
    withStore(t, {
      "the publishing instance gets its own event at once, with the message, unread": (
        store,
        channel,
      ) =>
        withTwoBuses(store, channel, async ({ a, got, reads }) => {
          const local: BusEvent[] = [];
          a.subscribe((e) => local.push(e));
          const { message, conversation, event } = await storeMessage(store, "hello");
          await a.publish(event);
          await Promise.resolve();
          assert.equal(local.length, 1);
          assert.equal(local[0], event, "the very same object, no copy and no read");
          const ofIt = () =>
            got.filter((e) => "conversationId" in e && e.conversationId === conversation.id);
          await until(() => ofIt().length >= 1, "b delivers the message");
          const remote = ofIt()[0];
          assert.equal(remote.kind, "message");
          assert.deepEqual(remote.kind === "message" ? remote.message : null, message);
          // A catch-up (b hearing a's batches for the first time, or re-listening after a stall
          // on a busy machine) reads too; only reads of this conversation count.
          const readsOfIt = reads.filter((r) =>
            r.some((x) => x.conversationId === conversation.id)
          );
          assert.equal(readsOfIt.length, 1, "the other instance read the announced message once");
        }),

      "events of one turn ride in one NOTIFY and arrive in order": (store, channel) =>
        withTwoBuses(store, channel, async ({ a, wireA, got }) => {
          const before = wireA.sent.length;
          const preview = "x".repeat(100);
          for (let i = 0; i < 300; i++) {
            void a.publish({
              kind: "typing",
              conversationId: "c",
              visitorId: "v",
              author: "visitor",
              agentId: null,
              name: `n${i}`,
              active: true,
              preview,
            });
          }
          // A catch-up may also announce other cases' conversations (the tables are shared).
          const typing = () => got.filter((e) => e.kind === "typing");
          await until(() => typing().length === 300, "b delivers the 300 events");
          // 300 entries of ~150 bytes need several payloads under 8000 bytes, sent together.
          // Heartbeats (every 100 ms) may go out meanwhile; only sends carrying the events count.
          const sends = wireA.sent.slice(before).filter((p) => p.includes(preview)).length;
          assert.ok(sends <= 2, `${sends} sends`);
          assert.deepEqual(
            typing().map((e) => e.kind === "typing" ? e.name : ""),
            Array.from({ length: 300 }, (_, i) => `n${i}`),
          );
        }),

      "a lost notification is caught up from the tables once the gap shows": (store, channel) =>
        withTwoBuses(store, channel, async ({ a, wireA, got, heard, resyncs }) => {
          const { conversation, event } = await storeMessage(store, "lost on the wire");
          const messages = () =>
            got.filter((e) => e.kind === "message" && e.conversationId === conversation.id);
          wireA.drop = 1;
          await a.publish(event);
          // The next (heartbeat) batch skips a number: b reads what changed and delivers it.
          await until(() => messages().length > 0, "b catches the message up");
          const caught = messages()[0];
          assert.equal(
            caught?.kind === "message" ? caught.message?.body : null,
            "lost on the wire",
          );
          // Give a duplicate every chance to show: the catch-up has finished and b has heard
          // three more of a's batches (what 300 ms of heartbeats would be on an idle machine).
          await until(() => resyncs.n >= 1, "b's catch-up finishes");
          const heardBefore = batchesFrom(heard, "a");
          await until(() => batchesFrom(heard, "a") >= heardBefore + 3, "b hears 3 more batches");
          assert.equal(messages().length, 1, "delivered once");
        }),

      "a lone instance rings nobody, and a newcomer catches up from the tables": async (
        store,
        channel,
      ) => {
        const wire = counting(store.db);
        const cluster = new ClusterStore(store.db);
        const a = new PgBus({ db: wire.db, reader: cluster, instanceId: "a", channel, ...common });
        await a.start();
        try {
          const { conversation, event } = await storeMessage(store, "said while alone");
          const before = wire.sent.length;
          await a.publish(event);
          // Empty heartbeats still go out (every 100 ms here). Two sends after the publish mean
          // the batch holding the event has been packed and handled: a heartbeat is only started
          // when no send is in flight, and a send in flight takes the queue with it.
          await until(() => wire.sent.length >= before + 2, "two heartbeats go out");
          // No send may carry the event.
          const carried = wire.sent.slice(before).filter((p) => p.includes(conversation.id));
          assert.deepEqual(carried, [], "no NOTIFY for events when alone");
          const b = new PgBus({
            db: store.db,
            reader: cluster,
            instanceId: "b",
            channel,
            ...common,
          });
          const got: BusEvent[] = [];
          b.subscribe((e) => got.push(e));
          await b.start();
          try {
            await until(
              () => got.some((e) => e.kind === "message" && e.conversationId === conversation.id),
              "the newcomer catches the message up",
            );
          } finally {
            await b.close();
          }
        } finally {
          await a.close();
        }
      },

      "a lone instance under steady traffic still rings its heartbeat and never re-listens": async (
        store,
        channel,
      ) => {
        // A slower heartbeat than the other cases: a real silence needs three missed periods,
        // which a loaded machine must not fake, while the old bug shows after three of them.
        const heartbeatMs = 250;
        const cluster = new ClusterStore(store.db);
        const heard: string[] = [];
        const db = overhearing(store.db, heard);
        const warnings: string[] = [];
        const catchUps: string[] = [];
        const log = {
          ...silentLogger,
          warn: (msg: string) => warnings.push(msg),
          info: (msg: string, fields?: LogFields) => {
            if (msg === "bus caught up") catchUps.push(String(fields?.reason));
          },
        };
        const a = new PgBus({
          db,
          reader: cluster,
          instanceId: "lone",
          channel,
          ...common,
          heartbeatMs,
          log,
        });
        await a.start();
        // Steady traffic: an event every 20 ms, so a batch is packed between any two ticks.
        let published = 0;
        const traffic = setInterval(() => {
          published++;
          void a.publish({ kind: "agent", agentId: `agent-${published}` });
        }, 20);
        try {
          const echoes = () => batchesFrom(heard, "lone");
          const start = echoes();
          // Twelve heartbeat periods of traffic (four times what a false alarm needs).
          const periods = 12;
          await waitUntil(
            () => published >= (periods * heartbeatMs) / 20,
            "twelve heartbeat periods of traffic",
          );
          clearInterval(traffic);
          assert.deepEqual(warnings, [], "no warning under steady traffic");
          assert.deepEqual(catchUps, [], "no catch-up under steady traffic");
          // The heartbeat rang throughout (at least a third of the periods, for a busy machine).
          assert.ok(echoes() - start >= periods / 3, `${echoes() - start} heartbeats heard`);
        } finally {
          clearInterval(traffic);
          await a.close();
        }
      },

      "a silent listener is caught up at once and its connection replaced, not listened on again":
        async (store, channel) => {
          const cluster = new ClusterStore(store.db);
          // b's listener goes deaf as a connection cut off without a reset does: nothing comes
          // in, and a LISTEN sent again on it would never be answered.
          let deaf = false;
          const resets: number[] = [];
          const dbB: Db = {
            ...store.db,
            listen: (ch, onNotify, onListen) =>
              deaf ? new Promise(() => {}) : store.db.listen(ch, (payload) => {
                if (!deaf) onNotify(payload);
              }, onListen),
            resetListener: () => void resets.push(Date.now()),
          };
          const caughtUp: string[] = [];
          const log = {
            ...silentLogger,
            info: (msg: string, fields?: LogFields) => {
              if (msg === "bus caught up") caughtUp.push(String(fields?.reason));
            },
          };
          const a = new PgBus({
            db: store.db,
            reader: cluster,
            instanceId: "a",
            channel,
            ...common,
          });
          const b = new PgBus({
            db: dbB,
            reader: cluster,
            instanceId: "b",
            channel,
            ...common,
            log,
          });
          await a.start();
          await b.start();
          a.notePeers(["b"]);
          b.notePeers(["a"]);
          const got: BusEvent[] = [];
          b.subscribe((e) => got.push(e));
          try {
            deaf = true;
            const { conversation, event } = await storeMessage(store, "said while b is deaf");
            await a.publish(event);
            await until(
              () => got.some((e) => e.kind === "message" && e.conversationId === conversation.id),
              "b catches the message up while its listener is still deaf",
            );
            assert.ok(resets.length >= 1, "b asked the driver for a new listen connection");
            assert.ok(caughtUp.some((r) => r.includes("listener silent")), caughtUp.join("; "));
          } finally {
            await a.close();
            await b.close();
          }
        },

      "a catch-up asked for while another runs is run again, and both reasons are logged": async (
        store,
        channel,
      ) => {
        const cluster = new ClusterStore(store.db);
        let entered!: () => void;
        const firstRead = new Promise<void>((r) => entered = r);
        let release!: () => void;
        const held = new Promise<void>((r) => release = r);
        let calls = 0;
        const reader = {
          now: () => cluster.now(),
          changedConversations: async (since: number) => {
            if (calls++ === 0) {
              entered();
              await held;
            }
            return cluster.changedConversations(since);
          },
          messagesInRanges: (...args: Parameters<ClusterStore["messagesInRanges"]>) =>
            cluster.messagesInRanges(...args),
        };
        const caughtUp: string[] = [];
        const log = {
          ...silentLogger,
          info: (msg: string, fields?: LogFields) => {
            if (msg === "bus caught up") caughtUp.push(String(fields?.reason));
          },
        };
        const bus = new PgBus({ db: store.db, reader, instanceId: "a", channel, ...common, log });
        await bus.start();
        try {
          bus.resync("gap in batches");
          await firstRead;
          bus.resync("listen re-established");
          release();
          await until(() => caughtUp.length >= 2, "both passes finish");
          assert.deepEqual(caughtUp, ["gap in batches", "listen re-established"]);
        } finally {
          await bus.close();
        }
      },
    }),
);
