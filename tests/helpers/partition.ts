/**
 * A network partition between a real Parley server and Postgres, for the partition tests: an
 * in-process TCP proxy holds every connection (no reset) while scripted visitors keep writing,
 * then heals. Checks and reports what the server promises (docs/guarantees.md, "Database
 * partitions"): every sender hears back within twice the call bound, a `hello` is answered
 * (closed with 1012), and after healing every message is stored exactly once, in order.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createStore } from "../../db/mod.ts";
import { silentLogger } from "../../core/log.ts";
import { startServer } from "../../server/app.ts";
import { loadConfig } from "../../server/config.ts";
import { assertStoredOnceInOrder, figure, sleep, storedMessages } from "./faults.ts";
import { freshDatabase } from "./database.ts";
import { OutboxVisitor } from "./outbox_visitor.ts";
import { testServerEnv } from "./server.ts";
import { TcpProxy } from "./tcp_proxy.ts";
import { waitUntil } from "./wait.ts";
import { TestSocket } from "./ws_client.ts";

/** Options of {@link runPartition}. */
export interface PartitionOptions {
  /** `PARLEY_DB_TIMEOUT_MS` for the server; absent: the default. */
  timeoutMs?: number;
  /** How long every connection is held. */
  partitionMs: number;
  /** Slack added to the documented bound for a loaded machine (default 1.5 s). */
  slackMs?: number;
  /** Prefix of the printed figures. */
  label: string;
}

/** Opens a visitor socket, says hello, and resolves with what came first and when. */
async function helloOutcome(wsUrl: string): Promise<{ outcome: string; ms: number }> {
  const started = Date.now();
  const s = await TestSocket.open(`${wsUrl}/ws/visitor`);
  s.send({ type: "hello", site: "demo" });
  const outcome = await Promise.race([
    s.nextOf("welcome").then(() => "welcome"),
    s.closed.then((c) => `close ${c.code}`),
  ]);
  const ms = Date.now() - started;
  await s.close();
  return { outcome, ms };
}

/** Runs the scenario; throws when a promise is broken. */
export async function runPartition(opts: PartitionOptions): Promise<void> {
  const f = (name: string, value: unknown) => figure(`${opts.label}: ${name}`, value);
  const db = await freshDatabase();
  const target = new URL(db.url);
  const proxy = TcpProxy.start({ hostname: target.hostname, port: Number(target.port || 5432) });
  const dataDir = await Deno.makeTempDir({ prefix: "parley_partition_" });
  const config = loadConfig({
    ...testServerEnv(dataDir),
    DATABASE_URL: proxy.url(db.url),
    ...(opts.timeoutMs ? { PARLEY_DB_TIMEOUT_MS: String(opts.timeoutMs) } : {}),
    PARLEY_NEW_CONVERSATIONS_PER_HOUR: "10000",
    PARLEY_MESSAGES_PER_SECOND: "1000",
    PARLEY_MESSAGE_BURST: "1000",
    PARLEY_FRAMES_PER_SECOND: "1000",
    PARLEY_FRAME_BURST: "1000",
  });
  // The documented bound: twice the call bound (a batch may wait for one stuck before it).
  const bound = 2 * config.dbTimeoutMs + (opts.slackMs ?? 1500);
  const store = await createStore({
    databaseUrl: config.databaseUrl ?? undefined,
    dataDir,
    timeoutMs: config.dbTimeoutMs,
  });
  const server = await startServer(config, { store, log: silentLogger });
  const wsUrl = server.url.replace(/^http/, "ws");
  const visitors: OutboxVisitor[] = [];
  const written = new Map<OutboxVisitor, string[]>();
  let writing = true;
  let writer: Promise<void> = Promise.resolve();
  try {
    for (let i = 0; i < 3; i++) {
      const v = new OutboxVisitor({ wsUrl, maxBackoffMs: 500 });
      v.start();
      visitors.push(v);
      written.set(v, []);
    }
    await Promise.all(visitors.map((v) => v.welcomed()));
    writer = (async () => {
      for (let i = 0; writing; i++) {
        for (const [n, v] of visitors.entries()) {
          const body = `message ${i} of visitor ${n}`;
          v.write(body);
          written.get(v)!.push(body);
        }
        await sleep(50);
      }
    })();
    await waitUntil(() => visitors.every((v) => v.acks.length >= 5), "traffic flows");

    // The partition.
    proxy.hold();
    const heldAt = Date.now();
    const errorsBefore = visitors.reduce((n, v) => n + v.errors.length, 0);
    for (const v of visitors) v.maxAnswerMs = 0;
    // A newcomer says hello while the database is cut off: it must hear back, not hang.
    const hello = helloOutcome(wsUrl);
    let longestWait = 0;
    const watch = setInterval(() => {
      for (const v of visitors) longestWait = Math.max(longestWait, v.waitingMs());
    }, 50);
    await sleep(opts.partitionMs);
    clearInterval(watch);
    const during = await hello;
    const ready = await fetch(`${server.url}/readyz`);
    await ready.body?.cancel();
    f(
      "longest answer to a sender (ms)",
      Math.max(...visitors.map((v) => v.maxAnswerMs)),
    );
    f("longest wait still open at its end (ms)", longestWait);
    f("hello", `${during.outcome} after ${during.ms} ms`);
    const errors = visitors.flatMap((v) => v.errors).slice(errorsBefore);
    f("retryable errors sent", errors.length);
    assert.equal(ready.status, 503, "/readyz says the database is unavailable");
    assert.ok(errors.some((e) => e.code === "unavailable" && e.retryable === true));
    for (const v of visitors) {
      assert.ok(
        v.maxAnswerMs <= bound,
        `a sender waited ${v.maxAnswerMs} ms for an answer (bound ${bound})`,
      );
    }
    assert.ok(longestWait <= bound, `a frame waited ${longestWait} ms unanswered`);
    assert.equal(during.outcome, "close 1012", "hello during the partition: retry later");
    assert.ok(during.ms <= bound, `hello waited ${during.ms} ms`);

    // The network heals; the connections held during the partition never come back.
    proxy.heal();
    const healedAt = Date.now();
    await waitUntil(async () => {
      const r = await fetch(`${server.url}/readyz`);
      await r.body?.cancel();
      return r.status === 200;
    }, "ready again");
    f("ready again after healing (ms)", Date.now() - healedAt);
    const after = await helloOutcome(wsUrl);
    assert.equal(after.outcome, "welcome", "hello after healing");
    writing = false;
    await writer;
    // A bound on a hang, not a target: the drain time is reported above. On a machine whose two
    // cores other suites keep busy, the resends behind the partition's backlog took over 30 s.
    await Promise.all(visitors.map((v) => v.drained(120_000)));
    f("all outboxes drained after healing (ms)", Date.now() - healedAt);
    f("held for (ms)", healedAt - heldAt);

    for (const v of visitors) {
      for (const e of v.errors) {
        assert.equal(e.retryable, true, `retryable: ${JSON.stringify(e)}`);
      }
    }
    const rows = await storedMessages(db.url);
    const writers = visitors.map((v) => ({ written: written.get(v)!, acks: v.acks }));
    assertStoredOnceInOrder(rows, writers);
    const total = writers.reduce((n, w) => n + w.written.length, 0);
    f("messages written and stored once", total);
    assert.equal(rows.length, total);
  } finally {
    writing = false;
    await writer;
    for (const v of visitors) v.stop();
    await server.shutdown();
    await store.close();
    await proxy.close();
    await db.drop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}
