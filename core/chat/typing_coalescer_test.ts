import assert from "node:assert/strict";
import { manualClock } from "../../protocol/client/testing/clock.ts";
import { TypingCoalescer } from "./typing_coalescer.ts";

/** A coalescer on a manual clock that records what it published, by key. */
function setup() {
  const clock = manualClock();
  const published: string[] = [];
  const errors: unknown[] = [];
  const c = new TypingCoalescer((err) => errors.push(err), 250, clock);
  const offer = (key: string, text: string) =>
    c.offer(key, () => {
      published.push(`${key}:${text}`);
      return Promise.resolve();
    });
  return { clock, published, errors, c, offer };
}

Deno.test("TypingCoalescer publishes the first at once and folds a burst into the latest", async () => {
  const { clock, published, c, offer } = setup();
  for (let i = 1; i <= 60; i++) await offer("conv", `draft ${i}`);
  assert.deepEqual(published, ["conv:draft 1"]);
  clock.advance(250);
  assert.deepEqual(published, ["conv:draft 1", "conv:draft 60"]);
  // The trailing notice opened a window; nothing more came, so the key is then forgotten.
  clock.advance(250);
  assert.equal(c.size, 0);
  assert.equal(clock.pending(), 0);
});

Deno.test("TypingCoalescer keeps keys apart and publishes a quiet key at once", async () => {
  const { clock, published, offer } = setup();
  await offer("a", "1");
  await offer("b", "1");
  await offer("a", "2");
  assert.deepEqual(published, ["a:1", "b:1"]);
  clock.advance(250);
  assert.deepEqual(published, ["a:1", "b:1", "a:2"]);
  clock.advance(1000);
  await offer("a", "3");
  assert.deepEqual(published.at(-1), "a:3");
});

Deno.test("TypingCoalescer.cancel drops the pending notice (a stop supersedes it)", async () => {
  const { clock, published, c, offer } = setup();
  await offer("conv", "1");
  await offer("conv", "2");
  c.cancel("conv");
  clock.advance(1000);
  assert.deepEqual(published, ["conv:1"]);
  // After a stop the next notice goes out at once.
  await offer("conv", "3");
  assert.deepEqual(published, ["conv:1", "conv:3"]);
  c.stop();
  assert.equal(clock.pending(), 0);
});

Deno.test("TypingCoalescer reports a failed deferred publish instead of throwing", async () => {
  const { clock, errors, c } = setup();
  await c.offer("conv", () => Promise.resolve());
  await c.offer("conv", () => Promise.reject(new Error("bus down")));
  clock.advance(250);
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(errors.length, 1);
  c.stop();
});
