import assert from "node:assert/strict";
import { DueLoop, type DueWork } from "./due_loop.ts";

/** A scripted runner: each look takes the next batch size and records when it ran. */
function scripted(batches: number[], opts: Partial<DueWork> = {}) {
  const looks: number[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const work: DueWork = {
    runOnce: () => {
      looks.push(Date.now());
      for (const w of waiters.filter((w) => w.n <= looks.length)) w.resolve();
      const n = batches.shift() ?? 0;
      return Promise.resolve(n);
    },
    msUntilNextDue: () => Promise.resolve(null),
    failed: () => {},
    pollMs: 60_000,
    batch: 10,
    ...opts,
  };
  /** Resolves once `n` looks have run. */
  const looked = (n: number) =>
    new Promise<void>((resolve) => {
      if (looks.length >= n) resolve();
      else waiters.push({ n, resolve });
    });
  return { work, looks, looked };
}

/** Resolves once the loop sleeps: after its look, only resolved promises stand in between. */
async function waitAsleep(loop: DueLoop): Promise<void> {
  for (let i = 0; i < 1000 && !loop.asleep; i++) await Promise.resolve();
  assert.equal(loop.asleep, true, "the loop sleeps after a short look");
}

Deno.test("a full batch looks again at once; a short one sleeps until woken", async () => {
  const s = scripted([10, 10, 3]);
  const loop = new DueLoop(s.work);
  loop.start();
  await s.looked(3);
  // The third batch was short and nothing is due: it sleeps for pollMs (a minute) until woken.
  assert.equal(s.looks.length, 3);
  loop.wake();
  await s.looked(4);
  await loop.stop();
});

Deno.test("sleeps until the next item is due", async () => {
  const s = scripted([], { msUntilNextDue: () => Promise.resolve(30) });
  const loop = new DueLoop(s.work);
  loop.start();
  // Each look is followed by a 30 ms sleep, not the one-minute poll: a second look comes.
  await s.looked(2);
  await loop.stop();
  assert.ok(s.looks[1] - s.looks[0] >= 25, `slept ${s.looks[1] - s.looks[0]} ms`);
});

Deno.test("wakeBy wakes a sleep that would last past it, not a shorter one", async () => {
  const s = scripted([]);
  const loop = new DueLoop(s.work);
  loop.start();
  await s.looked(1);
  await waitAsleep(loop);
  // Asleep for a minute now: something due before that ends the sleep, something later does not.
  loop.wakeBy(Date.now() + 120_000);
  assert.equal(loop.asleep, true);
  loop.wakeBy(Date.now() + 10);
  await s.looked(2);
  await loop.stop();
});

Deno.test("a failed look is reported and tried again", async () => {
  const errors: unknown[] = [];
  let calls = 0;
  const second = Promise.withResolvers<void>();
  const loop = new DueLoop({
    runOnce: () => {
      calls++;
      if (calls === 1) return Promise.reject(new Error("database down"));
      second.resolve();
      return Promise.resolve(0);
    },
    msUntilNextDue: () => Promise.resolve(null),
    failed: (err) => errors.push(err),
    pollMs: 10,
    batch: 10,
  });
  loop.start();
  await second.promise;
  await loop.stop();
  assert.equal((errors[0] as Error).message, "database down");
});

Deno.test("stop waits for the look in progress and tells it to stop", async () => {
  const release = Promise.withResolvers<void>();
  const inLook = Promise.withResolvers<void>();
  let loop: DueLoop | null = null;
  let stoppedSeen = false;
  loop = new DueLoop({
    runOnce: async () => {
      inLook.resolve();
      await release.promise;
      stoppedSeen = loop?.stopped ?? false;
      return 10;
    },
    msUntilNextDue: () => Promise.resolve(null),
    failed: () => {},
    pollMs: 60_000,
    batch: 10,
  });
  loop.start();
  await inLook.promise;
  const stopping = loop.stop();
  release.resolve();
  await stopping;
  assert.equal(stoppedSeen, true);
});
