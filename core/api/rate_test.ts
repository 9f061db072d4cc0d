import assert from "node:assert/strict";
import { ApiRateLimiter } from "./rate.ts";

Deno.test("ApiRateLimiter allows a minute's worth, then refuses with a Retry-After", () => {
  let now = 0;
  const limiter = new ApiRateLimiter(3, () => now);
  assert.deepEqual(
    [1, 2, 3].map(() => limiter.take("t").remaining),
    [2, 1, 0],
  );
  const refused = limiter.take("t");
  assert.equal(refused.ok, false);
  assert.equal(refused.retryAfterSeconds, 20);
  assert.equal(limiter.take("other").ok, true);
  now += 20_000;
  assert.equal(limiter.take("t").ok, true);
  assert.equal(limiter.take("t").ok, false);
});
