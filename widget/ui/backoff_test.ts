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
