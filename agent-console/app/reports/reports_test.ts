import assert from "node:assert/strict";
import { humanDuration, percent } from "./duration.ts";
import { addDays, presetRange, rangeProblem, reportUrl } from "./period.ts";
import { decodeReportHeatCells, decodeReportSummary } from "../../../protocol/reports.ts";
import { heatGrid } from "./decode.ts";
import { labelIndexes, niceMax } from "./charts.tsx";

Deno.test("humanDuration() writes at most two units, dropping a zero second one", () => {
  assert.equal(humanDuration(95), "1 min 35 s");
  assert.equal(humanDuration(7800), "2 h 10 min");
  assert.equal(humanDuration(300), "5 min");
  assert.equal(humanDuration(45), "45 s");
  assert.equal(humanDuration(90_061), "1 d 1 h");
  assert.equal(humanDuration(0), "0 s");
  assert.equal(humanDuration(null), "—");
  assert.equal(percent(0.816), "82 %");
});

Deno.test("presetRange() ends today in the time zone and counts today in", () => {
  // 2026-11-30 23:30 UTC is already December 1st in Paris.
  const now = Date.parse("2026-11-30T23:30:00Z");
  assert.deepEqual(presetRange(7, "Europe/Paris", now), { from: "2026-11-25", to: "2026-12-01" });
  assert.deepEqual(presetRange(7, "UTC", now), { from: "2026-11-24", to: "2026-11-30" });
  assert.equal(addDays("2024-02-28", 1), "2024-02-29");
});

Deno.test("rangeProblem() refuses what the server would: bad days, reversed, over 366 days", () => {
  assert.equal(rangeProblem("2026-11-01", "2026-11-30"), null);
  assert.match(rangeProblem("2026-11-30", "2026-11-01") ?? "", /before/);
  assert.match(rangeProblem("2025-01-01", "2026-01-02") ?? "", /366/);
  assert.match(rangeProblem("2026-02-30", "2026-03-01") ?? "", /both/);
});

Deno.test("reportUrl() sends filters only when set, and format=csv for downloads", () => {
  const q = {
    from: "2026-11-01",
    to: "2026-11-30",
    tz: "Europe/Paris",
    siteId: null,
    agentId: "bob",
    labelId: null,
  };
  assert.equal(
    reportUrl("agents", q, true),
    "/api/reports/agents?from=2026-11-01&to=2026-11-30&tz=Europe%2FParis&agentId=bob&format=csv",
  );
});

Deno.test("decodeReportSummary() keeps nulls, fills missing stars with 0 and refuses bad numbers", () => {
  const s = decodeReportSummary({
    period: { from: "2026-11-01", to: "2026-11-30", tz: "UTC" },
    conversations: { created: 0, resolved: 0, reopened: 0, missed: 0 },
    firstResponse: {
      count: 0,
      medianSeconds: null,
      p90Seconds: null,
      targetSeconds: 300,
      withinTargetShare: null,
    },
    resolution: { count: 0, medianSeconds: null, p90Seconds: null },
    repliesPerConversation: null,
    csat: { count: 1, average: 5, distribution: { "5": 1 } },
  });
  assert.equal(s.firstResponse.medianSeconds, null);
  assert.deepEqual(s.csat.distribution, { "1": 0, "2": 0, "3": 0, "4": 0, "5": 1 });
  assert.throws(() => decodeReportSummary({ conversations: { created: "1" } }));
  const grid = heatGrid(decodeReportHeatCells({
    cells: [{ weekday: 6, hour: 23, count: 4 }, { weekday: 9, hour: 0, count: 1 }],
  }));
  assert.equal(grid[6][23], 4);
  assert.equal(grid.flat().reduce((a, b) => a + b, 0), 4);
});

Deno.test("niceMax() rounds an axis top up to 1, 2 or 5 × 10^k", () => {
  assert.equal(niceMax(0), 1);
  assert.equal(niceMax(12), 20);
  assert.equal(niceMax(40), 50);
  assert.equal(niceMax(100), 100);
});

Deno.test("labelIndexes() labels every day of a week and evenly spaced days of longer periods", () => {
  assert.deepEqual(labelIndexes(7), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(labelIndexes(30), [0, 5, 10, 15, 20, 25]);
  assert.deepEqual(labelIndexes(90), [0, 13, 26, 39, 52, 65, 78]);
  assert.deepEqual(labelIndexes(1), [0]);
  assert.deepEqual(labelIndexes(0), []);
});
