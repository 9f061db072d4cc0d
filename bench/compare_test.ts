import assert from "node:assert/strict";
import { compareRuns, comparisonTable, median, roundOrder } from "./compare.ts";
import type { ScenarioResult } from "./result.ts";

Deno.test("median of odd and even counts, NaN when empty", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

Deno.test("rounds alternate the builds: A B, B A, A B", () => {
  assert.deepEqual([0, 1, 2].map((r) => roundOrder(r, "old", "new")), [
    ["old", "new"],
    ["new", "old"],
    ["old", "new"],
  ]);
});

const result = (p99: number, msgs: number): ScenarioResult => ({
  scenario: "new-visitors",
  backend: "postgres",
  connections: 1002,
  messagesPerSecond: msgs,
  latencyMs: { p50: 1, p90: 2, p99, max: p99 },
  latencyOf: "",
  ackLatencyMs: null,
  rssBytes: 0,
  rssBytesPerConnection: null,
  errors: 0,
  lost: 0,
  duplicated: 0,
  cpuPercent: { server: 40 },
  details: {},
});

Deno.test("comparison: medians per build, every run kept, unmeasured metrics left out", () => {
  const rows = compareRuns([
    { build: "old", round: 0, result: result(30, 1000) },
    { build: "new", round: 0, result: result(9, 1000) },
    { build: "new", round: 1, result: result(11, 990) },
    { build: "old", round: 1, result: result(50, 980) },
  ]);
  const p99 = rows.find((r) => r.metric === "p99 ms");
  assert.deepEqual(p99 && [p99.old, p99.new, p99.oldRuns, p99.newRuns], [40, 10, [30, 50], [
    9,
    11,
  ]]);
  assert.equal(rows.find((r) => r.metric === "ack p99 ms"), undefined);
  assert.equal(rows.find((r) => r.metric === "RSS/conn B"), undefined);
  assert.match(comparisonTable(rows), /new-visitors\s+postgres\s+p99 ms\s+40\s+10\s+30 50\s+9 11/);
});
