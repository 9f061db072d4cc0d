import assert from "node:assert/strict";
import { KeyedCounter, KeyedLimiter, TokenBucket } from "./rate_limit.ts";

Deno.test("TokenBucket allows a burst, then refills at its rate", () => {
  let now = 0;
  const bucket = new TokenBucket(3, 2, () => now);
  assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), false);
  now += 500; // one token at 2/s
  assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), false);
  now += 10_000;
  assert.equal(bucket.full, true);
});

Deno.test("KeyedLimiter limits each key separately and prunes refilled keys", () => {
  let now = 0;
  const limiter = new KeyedLimiter(2, 60_000, 100, () => now);
  assert.equal(limiter.take("a"), true);
  assert.equal(limiter.take("a"), true);
  assert.equal(limiter.take("a"), false);
  assert.equal(limiter.take("b"), true);
  limiter.reset("a");
  assert.equal(limiter.take("a"), true);
  now += 60_000;
  limiter.prune();
  assert.equal(limiter.size, 0);
});

Deno.test("KeyedCounter caps concurrent holders per key", () => {
  const counter = new KeyedCounter(2);
  assert.equal(counter.acquire("ip"), true);
  assert.equal(counter.acquire("ip"), true);
  assert.equal(counter.acquire("ip"), false);
  counter.release("ip");
  assert.equal(counter.acquire("ip"), true);
});
