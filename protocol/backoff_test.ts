import assert from "node:assert/strict";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";

Deno.test("backoffDelay() is full jitter below min(cap, base * 2^attempt)", () => {
  assert.equal(backoffDelay(0, () => 0), 0);
  assert.equal(backoffDelay(0, () => 0.999999), 499);
  assert.equal(backoffDelay(3, () => 0.5), 2000);
  assert.equal(backoffDelay(4, () => 0.999999), 7999);
});

Deno.test("backoffDelay() never exceeds the 30 s cap, even for huge attempts", () => {
  assert.equal(DEFAULT_BACKOFF.cap, 30_000);
  for (const attempt of [6, 10, 100, 10_000]) {
    assert.ok(backoffDelay(attempt, () => 0.999999) < 30_000);
  }
});

Deno.test("backoffDelay() stays within the exponential ceiling and a custom cap", () => {
  const bounds = { base: 500, cap: 15_000 };
  assert.equal(backoffDelay(0, () => 0.999, bounds), 499);
  assert.equal(backoffDelay(3, () => 0.5, bounds), 2000);
  assert.equal(backoffDelay(30, () => 0.999, bounds), 14_985);
  assert.equal(backoffDelay(5, () => 0, bounds), 0);
});
