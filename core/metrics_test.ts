import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { escapeLabelValue, formatValue, MetricsRegistry } from "./metrics.ts";

Deno.test("render() writes HELP, TYPE and an unlabelled counter at 0 before any count", async () => {
  const m = new MetricsRegistry();
  m.counter("x_total", "Things\\done\nso far");
  assertEquals(
    await m.render(),
    "# HELP x_total Things\\\\done\\nso far\n# TYPE x_total counter\nx_total 0\n",
  );
});

Deno.test("counter inc() adds per label set and escapes label values", async () => {
  const m = new MetricsRegistry();
  const c = m.counter("errors_total", "Errors", ["code"]);
  c.inc({ code: "a" });
  c.inc({ code: "a" }, 2);
  c.inc({ code: 'q"\\\n' });
  assertEquals(c.get({ code: "a" }), 3);
  const text = await m.render();
  assertEquals(text.includes('errors_total{code="a"} 3\n'), true);
  assertEquals(text.includes('errors_total{code="q\\"\\\\\\n"} 1\n'), true);
});

Deno.test("counter inc() refuses a negative step and a missing label", () => {
  const m = new MetricsRegistry();
  const c = m.counter("c_total", "C", ["code"]);
  assertThrows(() => c.inc({ code: "a" }, -1), RangeError);
  assertThrows(() => c.inc({}), TypeError);
});

Deno.test("histogram observe() renders cumulative buckets, +Inf, sum and count", async () => {
  const m = new MetricsRegistry();
  const h = m.histogram("lat_seconds", "Latency", [0.1, 1]);
  h.observe(0.05);
  h.observe(0.5);
  h.observe(3);
  assertEquals(h.count(), 3);
  assertEquals(
    await m.render(),
    [
      "# HELP lat_seconds Latency",
      "# TYPE lat_seconds histogram",
      'lat_seconds_bucket{le="0.1"} 1',
      'lat_seconds_bucket{le="1"} 2',
      'lat_seconds_bucket{le="+Inf"} 3',
      "lat_seconds_sum 3.55",
      "lat_seconds_count 3",
      "",
    ].join("\n"),
  );
});

Deno.test("render() runs collectors first and survives one that throws", async () => {
  const m = new MetricsRegistry();
  const g = m.gauge("g", "G", ["kind"]);
  m.collect(() => g.set(7, { kind: "a" }));
  m.collect(() => {
    throw new Error("boom");
  });
  assertEquals((await m.render()).includes('g{kind="a"} 7\n'), true);
});

Deno.test("registering a name twice or an invalid name throws", () => {
  const m = new MetricsRegistry();
  m.gauge("dup", "D");
  assertThrows(() => m.counter("dup", "D"), TypeError);
  assertThrows(() => m.counter("bad-name", "B"), TypeError);
  assertThrows(() => m.histogram("h", "H", [1], ["le"]), TypeError);
});

Deno.test("formatValue() and escapeLabelValue() follow the text format", () => {
  assertEquals([formatValue(Infinity), formatValue(-Infinity), formatValue(NaN)], [
    "+Inf",
    "-Inf",
    "NaN",
  ]);
  assertEquals(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
});
