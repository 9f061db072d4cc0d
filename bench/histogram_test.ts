import assert from "node:assert/strict";
import { Histogram } from "./histogram.ts";

Deno.test("Histogram percentiles are within 1.6 % above the true value", () => {
  const h = new Histogram();
  for (let us = 1; us <= 100_000; us++) h.record(us / 1000);
  for (const p of [50, 90, 99, 99.9]) {
    const truth = (p / 100) * 100_000 / 1000;
    const got = h.percentile(p);
    assert.ok(got >= truth - 0.001, `p${p}: ${got} < ${truth}`);
    assert.ok(got <= truth * (1 + 1 / 64) + 0.001, `p${p}: ${got} too far above ${truth}`);
  }
  assert.equal(h.max, 100);
  assert.equal(h.count, 100_000);
});

Deno.test("Histogram keeps values under 64 µs exact and never reports above the max", () => {
  const h = new Histogram();
  for (const ms of [0.001, 0.002, 0.063]) h.record(ms);
  assert.equal(h.percentile(100), 0.063);
  assert.equal(h.percentile(1), 0.001);
  const one = new Histogram();
  one.record(7.3);
  assert.equal(one.percentile(50), 7.3);
  assert.deepEqual(new Histogram().summary(), { p50: 0, p90: 0, p99: 0, max: 0 });
});

Deno.test("Histogram merged from JSON equals one recording everything", () => {
  const a = new Histogram();
  const b = new Histogram();
  const all = new Histogram();
  for (let i = 0; i < 5000; i++) {
    const v = (i * 7919 % 10_007) / 37;
    (i % 2 ? a : b).record(v);
    all.record(v);
  }
  const merged = Histogram.from(JSON.parse(JSON.stringify(a)));
  merged.merge(JSON.parse(JSON.stringify(b)));
  assert.deepEqual(merged.toJSON(), all.toJSON());
  assert.deepEqual(merged.summary(), all.summary());
  assert.throws(() => merged.merge({ counts: [[1e9, 1]], count: 1, minUs: 0, maxUs: 0, sumUs: 0 }));
});

Deno.test("Histogram clamps negative and huge values instead of failing", () => {
  const h = new Histogram();
  h.record(-5);
  h.record(1e12);
  assert.equal(h.count, 2);
  assert.equal(h.percentile(1), 0);
  assert.ok(h.max > 2_000_000);
});
