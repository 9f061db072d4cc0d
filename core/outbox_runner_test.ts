import assert from "node:assert/strict";
import type { LogFields, Logger } from "./log.ts";
import type { AttemptOutcome, Lease } from "../db/sql_outbox.ts";
import {
  type AttemptResult,
  type OutboxItem,
  OutboxRunner,
  type OutboxRunnerOptions,
  type OutboxStore,
} from "./outbox_runner.ts";

const HOUR = 3_600_000;
const NOW = Date.parse("2026-12-01T12:00:00.000Z");

interface Row extends OutboxItem {
  body: string;
}

function row(id: string, over: Partial<Row> = {}): Row {
  return { id, attempt: 1, createdAt: new Date(NOW - 1000).toISOString(), body: id, ...over };
}

/** Resolves the first waiter whose condition holds, each time something is recorded. */
function signal() {
  let waiters: { cond: () => boolean; resolve: () => void }[] = [];
  return {
    changed() {
      const ready = waiters.filter((w) => w.cond());
      waiters = waiters.filter((w) => !w.cond());
      for (const w of ready) w.resolve();
    },
    until(cond: () => boolean): Promise<void> {
      if (cond()) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ cond, resolve }));
    },
  };
}

/**
 * An outbox in memory: `queue` is what the next claim takes (all of it), every call is recorded,
 * and `until` waits for a recorded state.
 */
function fakeStore(initial: Row[] = []) {
  const queue = [...initial];
  const claims: { limit: number; leaseMs: number }[] = [];
  const finished: { id: string; attempt: number; outcome: AttemptOutcome }[] = [];
  const released: Lease[] = [];
  const pruned: Date[] = [];
  const listening: string[] = [];
  let nextDue: number | null = null;
  let claimFails = 0;
  const changes = signal();
  const store: OutboxStore<Row> = {
    driver: {
      listen: (channel: string) => {
        listening.push(channel);
        return Promise.resolve(() => Promise.resolve());
      },
    },
    claim: (limit, leaseMs) => {
      claims.push({ limit, leaseMs });
      changes.changed();
      if (claimFails > 0) {
        claimFails--;
        return Promise.reject(new Error("database unavailable"));
      }
      return Promise.resolve(queue.splice(0));
    },
    finish: (id, attempt, outcome) => {
      finished.push({ id, attempt, outcome });
      changes.changed();
      return Promise.resolve(true);
    },
    release: (leases) => {
      released.push(...leases);
      changes.changed();
      return Promise.resolve();
    },
    msUntilNextDue: () => Promise.resolve(nextDue),
    pruneFinished: (before) => {
      pruned.push(before);
      return Promise.resolve(0);
    },
  };
  return {
    store,
    queue,
    claims,
    finished,
    released,
    pruned,
    listening,
    setNextDue: (ms: number | null) => nextDue = ms,
    failClaims: (n: number) => claimFails = n,
    until: changes.until,
  };
}

/** A clock the test moves, and sleeps that end only when woken or when the test ends them. */
function fakeClock() {
  let now = NOW;
  const sleeps: { ms: number; end: () => void }[] = [];
  const changes = signal();
  return {
    now: () => now,
    advance: (ms: number) => now += ms,
    sleeps,
    sleep: (ms: number, wake: AbortSignal) =>
      new Promise<void>((resolve) => {
        const end = () => resolve();
        wake.addEventListener("abort", end);
        sleeps.push({ ms, end });
        changes.changed();
      }),
    untilSleeping: (n: number) => changes.until(() => sleeps.length >= n),
  };
}

function logger() {
  const lines: { level: string; msg: string; fields?: LogFields }[] = [];
  const at = (level: string) => (msg: string, fields?: LogFields) =>
    void lines.push({ level, msg, fields });
  const log: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
  return { log, lines };
}

function runner(
  store: OutboxStore<Row>,
  clock: ReturnType<typeof fakeClock>,
  over: Partial<OutboxRunnerOptions<Row>> = {},
) {
  return new OutboxRunner<Row>({
    name: "test",
    channel: "parley_test",
    store,
    log: over.log ?? logger().log,
    rows: { plural: "rows", key: "row" },
    concurrency: "one",
    batch: 7,
    leaseMs: 60_000,
    retryBaseMs: 10_000,
    pollMs: 5000,
    now: clock.now,
    sleep: clock.sleep,
    attempt: () => Promise.resolve({ delivered: true, status: 250 }),
    ...over,
  });
}

Deno.test("OutboxRunner listens on its channel, claims with its batch and lease, and records a delivery", async () => {
  const s = fakeStore([row("a")]);
  const clock = fakeClock();
  const r = runner(s.store, clock);
  await r.start();
  await s.until(() => s.finished.length === 1);
  await r.stop();
  assert.deepEqual(s.listening, ["parley_test"]);
  assert.deepEqual(s.claims[0], { limit: 7, leaseMs: 60_000 });
  assert.deepEqual(s.finished, [{
    id: "a",
    attempt: 1,
    outcome: { kind: "delivered", status: 250 },
  }]);
});

Deno.test("OutboxRunner retries a refusal with backoff from its clock, and fails a row past its window", async () => {
  const s = fakeStore([
    row("refused", { attempt: 3 }),
    row("thrown"),
    row("old", { createdAt: new Date(NOW - 24 * HOUR).toISOString() }),
    row("last", { attempt: 20, createdAt: new Date(NOW - 24 * HOUR + 60_000).toISOString() }),
  ]);
  const clock = fakeClock();
  const r = runner(s.store, clock, {
    attempt: (item): Promise<AttemptResult> =>
      item.id === "thrown"
        ? Promise.reject(new Error("connection refused"))
        : Promise.resolve({ delivered: false, status: 451, error: "Try later" }),
  });
  await r.start();
  await s.until(() => s.finished.length === 4);
  await r.stop();
  const by = (id: string) => s.finished.find((f) => f.id === id)!.outcome;
  const refused = by("refused");
  assert.equal(refused.kind, "retry");
  if (refused.kind === "retry") {
    // Third attempt: base 10 s doubled twice, half of it random.
    const wait = refused.retryAt.getTime() - NOW;
    assert.ok(wait >= 20_000 && wait <= 40_000, String(wait));
    assert.equal(refused.status, 451);
    assert.equal(refused.error, "Try later");
  }
  const thrown = by("thrown");
  assert.equal(thrown.kind, "retry");
  if (thrown.kind === "retry") {
    assert.equal(thrown.status, null);
    assert.equal(thrown.error, "connection refused");
  }
  assert.deepEqual(by("old"), { kind: "failed", status: 451, error: "Try later" });
  // Never scheduled past the window's end: the last attempt falls on it.
  const last = by("last");
  assert.equal(last.kind, "retry");
  if (last.kind === "retry") assert.ok(last.retryAt.getTime() - NOW <= 60_000);
});

Deno.test("OutboxRunner with concurrency one attempts a batch's rows one after another", async () => {
  const s = fakeStore([row("a"), row("b"), row("c")]);
  let inFlight = 0;
  let most = 0;
  const r = runner(s.store, fakeClock(), {
    concurrency: "one",
    attempt: async () => {
      most = Math.max(most, ++inFlight);
      await Promise.resolve();
      inFlight--;
      return { delivered: true, status: 250 };
    },
  });
  await r.start();
  await s.until(() => s.finished.length === 3);
  await r.stop();
  assert.equal(most, 1);
  assert.deepEqual(s.finished.map((f) => f.id), ["a", "b", "c"]);
});

Deno.test("OutboxRunner with concurrency batch attempts a batch's rows together", async () => {
  const s = fakeStore([row("a"), row("b"), row("c")]);
  const started = signal();
  let inFlight = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const r = runner(s.store, fakeClock(), {
    concurrency: "batch",
    attempt: async () => {
      inFlight++;
      started.changed();
      await gate;
      return { delivered: true, status: 200 };
    },
  });
  await r.start();
  await started.until(() => inFlight === 3);
  release();
  await s.until(() => s.finished.length === 3);
  await r.stop();
});

Deno.test("OutboxRunner.stop() gives back the row in flight and those not yet attempted", async () => {
  const s = fakeStore([row("a", { attempt: 2 }), row("b")]);
  let attempted: string[] = [];
  let started!: () => void;
  const inFlight = new Promise<void>((r) => started = r);
  const r = runner(s.store, fakeClock(), {
    attempt: (item, signal) => {
      attempted = [...attempted, item.id];
      started();
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(new Error("Stopped")))
      );
    },
  });
  await r.start();
  await inFlight;
  await r.stop();
  assert.deepEqual(attempted, ["a"]);
  assert.deepEqual(s.finished, []);
  assert.deepEqual(s.released, [{ id: "a", attempt: 2 }, { id: "b", attempt: 1 }]);
});

Deno.test("OutboxRunner sleeps until the next row is due, at most pollMs, and wake() ends the sleep", async () => {
  const s = fakeStore();
  const clock = fakeClock();
  s.setNextDue(1200);
  const r = runner(s.store, clock);
  await r.start();
  await clock.untilSleeping(1);
  assert.equal(clock.sleeps[0].ms, 1200);
  s.setNextDue(null);
  clock.sleeps[0].end();
  await clock.untilSleeping(2);
  assert.equal(clock.sleeps[1].ms, 5000);
  // A row queued now: the notification wakes the runner before the poll would.
  s.queue.push(row("late"));
  r.wake();
  await s.until(() => s.finished.length === 1);
  await r.stop();
  assert.equal(s.finished[0].id, "late");
});

Deno.test("OutboxRunner waits pollMs after a failed claim, logs it, and tries again", async () => {
  const s = fakeStore([row("a")]);
  s.failClaims(1);
  const clock = fakeClock();
  const { log, lines } = logger();
  const r = runner(s.store, clock, { log });
  await r.start();
  await clock.untilSleeping(1);
  assert.equal(clock.sleeps[0].ms, 5000);
  assert.deepEqual(lines[0], {
    level: "warn",
    msg: "test: outbox unavailable",
    fields: { error: "database unavailable" },
  });
  clock.sleeps[0].end();
  await s.until(() => s.finished.length === 1);
  await r.stop();
});

Deno.test("OutboxRunner prunes rows older than keepMs at most once an hour", async () => {
  const s = fakeStore();
  const clock = fakeClock();
  const r = runner(s.store, clock, { keepMs: 30 * 24 * HOUR });
  await r.start();
  await clock.untilSleeping(1);
  assert.deepEqual(s.pruned, [new Date(NOW - 30 * 24 * HOUR)]);
  clock.advance(HOUR - 1);
  clock.sleeps[0].end();
  await clock.untilSleeping(2);
  assert.equal(s.pruned.length, 1);
  clock.advance(1);
  clock.sleeps[1].end();
  await clock.untilSleeping(3);
  await r.stop();
  assert.deepEqual(s.pruned[1], new Date(NOW + HOUR - 30 * 24 * HOUR));
});

Deno.test("OutboxRunner tells the channel each outcome, after it is recorded", async () => {
  const s = fakeStore([row("a")]);
  const seen: string[] = [];
  const r = runner(s.store, fakeClock(), {
    onOutcome: (item, outcome) => seen.push(`${item.id} ${outcome.kind} ${s.finished.length}`),
  });
  await r.start();
  await s.until(() => seen.length === 1);
  await r.stop();
  assert.deepEqual(seen, ["a delivered 1"]);
});
