/**
 * Delivery across database faults, on a private Postgres cluster this test owns (the shared one
 * is never stopped): a clean restart and a crash (SIGKILL of the postmaster) under load, and a
 * database that is unreachable when the server starts.
 */

import assert from "node:assert/strict";
import {
  assertStoredOnceInOrder,
  FAULT_TESTS,
  faultTestsEnabled,
  figure,
  sleep,
  storedMessages,
} from "./helpers/faults.ts";
import { OutboxVisitor } from "./helpers/outbox_visitor.ts";
import {
  freePort,
  PG_SKIP_REASON,
  pgInstanceAvailable,
  startPgInstance,
} from "./helpers/pg_instance.ts";
import { FAST_WRITERS_ENV, jsonLines, spawnServer } from "./helpers/process.ts";

const available = faultTestsEnabled("faults_database_test") && pgInstanceAvailable();
if (FAULT_TESTS && !available) console.warn(`faults_database_test: ${PG_SKIP_REASON}`);

/** Polls a probe every 100 ms and records each status (0 when the request failed). */
function probe(url: string): { statuses: number[]; stop(): Promise<void> } {
  const statuses: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
        await res.body?.cancel();
        statuses.push(res.status);
      } catch {
        statuses.push(0);
      }
      await sleep(100);
    }
  })();
  return {
    statuses,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

Deno.test({
  name: "a database restart and a database crash under load lose nothing, " +
    "never ack falsely, and the server recovers by itself",
  ignore: !available,
  async fn(t) {
    const pg = await startPgInstance();
    const port = freePort();
    const proc = spawnServer(port, { DATABASE_URL: pg.url, ...FAST_WRITERS_ENV });
    const visitors: OutboxVisitor[] = [];
    try {
      await proc.waitReady();
      const wsUrl = proc.url.replace(/^http/, "ws");
      const written = new Map<OutboxVisitor, string[]>();
      const join = () => {
        const v = new OutboxVisitor({ wsUrl, maxBackoffMs: 500 });
        v.start();
        visitors.push(v);
        written.set(v, []);
        return v;
      };
      for (let i = 0; i < 4; i++) join();
      await Promise.all(visitors.map((v) => v.welcomed()));
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          for (const v of visitors) {
            const body = `message ${i} of visitor ${visitors.indexOf(v)}`;
            v.write(body);
            written.get(v)!.push(body);
          }
          await sleep(50);
        }
      })();
      const ready = probe(`${proc.url}/readyz`);
      const health = probe(`${proc.url}/healthz`);

      for (const fault of ["restart", "crash"] as const) {
        await t.step(`${fault}: 503 while down, retryable errors, recovery`, async () => {
          await sleep(800);
          const from = ready.statuses.length;
          const errorsBefore = visitors.reduce((n, v) => n + v.errors.length, 0);
          if (fault === "restart") await pg.stop("fast");
          else await pg.kill();
          const downAt = Date.now();
          // A visitor arriving while the database is down gets in once it is back.
          if (fault === "restart") join();
          await sleep(2000);
          await pg.start();
          const upAt = Date.now();
          const recovered = await waitFor(() => ready.statuses.at(-1) === 200, 20_000);
          figure(`db ${fault}: down for ms`, upAt - downAt);
          figure(`db ${fault}: ready again ms after the database`, recovered - upAt);
          const during = ready.statuses.slice(from);
          assert.ok(during.includes(503), "/readyz answered 503 while the database was down");
          // Senders get a retryable error, or their ack is delayed until the database is back
          // (queries wait in the driver's reconnect backoff): both are checked at the end.
          const errors = visitors.flatMap((v) => v.errors).slice(errorsBefore);
          figure(`db ${fault}: retryable errors sent`, errors.length);
        });
      }

      await sleep(800);
      writing = false;
      await writer;
      await Promise.all(visitors.map((v) => v.drained(30_000)));
      await ready.stop();
      await health.stop();
      assert.ok(health.statuses.every((s) => s === 200), "the server stayed up throughout");

      const allErrors = visitors.flatMap((v) => v.errors);
      assert.ok(allErrors.some((e) => e.code === "unavailable"), "senders were told to retry");
      figure(
        "db faults: longest wait for an ack (ms)",
        Math.max(...visitors.map((v) => v.maxAckMs)),
      );
      // Every error a sender saw was retryable; none refused a message for good.
      for (const v of visitors) {
        for (const e of v.errors) {
          assert.equal(e.retryable, true, `retryable: ${JSON.stringify(e)}`);
          assert.ok(["unavailable", "rate_limited"].includes(String(e.code)), String(e.code));
        }
      }
      const rows = await storedMessages(pg.url);
      const writers = visitors.map((v) => ({ written: written.get(v)!, acks: v.acks }));
      assertStoredOnceInOrder(rows, writers);
      const total = writers.reduce((n, w) => n + w.written.length, 0);
      figure("db faults: messages written", total);
      figure("db faults: stored", rows.length);
      assert.equal(rows.length, total);
      const status = await Promise.race([proc.status, sleep(0).then(() => null)]);
      assert.equal(status, null, "the server process is still running");
    } catch (err) {
      // The server's own account is what explains a failure here; print it with the error.
      const exited = await Promise.race([proc.status, sleep(0).then(() => null)]);
      console.error(
        `server ${exited ? `exited (${exited.code})` : "still running"}; last lines:\n` +
          proc.lines.slice(-60).join("\n"),
      );
      throw err;
    } finally {
      for (const v of visitors) v.stop();
      await proc.dispose();
      await pg.remove();
    }
  },
});

Deno.test({
  name: "a database unreachable at start-up gives one clear line per retry with backoff, " +
    "then the server starts by itself",
  ignore: !available,
  async fn() {
    const pg = await startPgInstance();
    await pg.stop();
    const port = freePort();
    // A password in the URL must never reach the logs.
    const url = pg.url.replace("postgres@", "postgres:hunter2-secret@");
    const proc = spawnServer(port, { DATABASE_URL: url });
    try {
      await proc.waitForLine((l) => l.includes('"attempt":3'), 20_000);
      await pg.start();
      const started = Date.now();
      await proc.waitReady(40_000);
      figure("db unreachable at start: ready ms after the database came up", Date.now() - started);
      const logs = jsonLines(proc.lines);
      assert.equal(logs.length, proc.lines.filter((l) => l.trim()).length, "every line is JSON");
      const retries = logs.filter((l) => l.msg === "database unavailable, retrying");
      assert.ok(retries.length >= 3);
      for (const [i, r] of retries.entries()) {
        assert.equal(r.level, "warn");
        assert.equal(r.attempt, i + 1);
        assert.ok(typeof r.retryInMs === "number" && r.retryInMs <= 30_000);
        assert.match(String(r.reason), /Database unavailable/);
      }
      const text = proc.lines.join("\n");
      assert.ok(!text.includes("hunter2-secret"), "the database password is not logged");
      assert.ok(!/\n\s+at /.test(text), "no stack trace");
      assert.ok(logs.some((l) => l.msg === "listening"));
    } finally {
      await proc.dispose();
      await pg.remove();
    }
  },
});

async function waitFor(pred: () => boolean, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error("Timed out waiting for a condition");
    await sleep(50);
  }
  return Date.now();
}
