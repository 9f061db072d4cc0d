/**
 * The demo history (db/demo_history.ts, `PARLEY_DEMO_HISTORY`): a fresh start on the embedded
 * database fills the demo site, and Reports on it answers the lead's three questions: how fast
 * did we answer last week, who is overloaded, and are customers happy. Checked through the
 * Reports API on both backends; the figures are the seeded story's, not hand-computed ones.
 *
 * @module
 */

import assert from "node:assert/strict";
import { startTestServer } from "./helpers/server.ts";
import { adminCookie, call } from "./api_helpers.ts";
import type { ReportAgentRow } from "../protocol/reports.ts";
import { seedDemoHistory } from "../db/demo_history.ts";

function day(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

async function demoOn(backend: "pglite" | "postgres") {
  await using t = await startTestServer({ backend, env: { PARLEY_DEMO_HISTORY: "true" } });
  const cookie = await adminCookie(t);
  const get = async (path: string) => {
    const res = await call(t, "GET", path, { cookie });
    assert.equal(res.status, 200, res.text);
    return res.body;
  };

  // Six weeks, ending yesterday: today is empty, so what a test or a shop owner does today is
  // counted on its own.
  const all = await get(`/api/reports/summary?from=${day(-42)}&to=${day(-1)}`);
  assert.ok(all.conversations.created > 300, JSON.stringify(all.conversations));
  assert.ok(all.conversations.missed > 0);
  assert.ok(all.conversations.reopened > 0);
  const today = await get(`/api/reports/summary?from=${day(0)}&to=${day(0)}`);
  assert.equal(today.conversations.created, 0);

  // "How fast did we answer last week": a median and a p90 in minutes, not hours.
  const lastWeek = await get(`/api/reports/summary?from=${day(-7)}&to=${day(-1)}`);
  assert.ok(lastWeek.firstResponse.count > 30);
  assert.ok(lastWeek.firstResponse.medianSeconds > 30);
  assert.ok(lastWeek.firstResponse.p90Seconds < 3600);
  assert.ok(lastWeek.firstResponse.p90Seconds >= lastWeek.firstResponse.medianSeconds);

  // "Who is overloaded": Sam has the most conversations and answered slowest last week.
  const agents: ReportAgentRow[] = (await get(
    `/api/reports/agents?from=${day(-7)}&to=${day(-1)}`,
  )).agents;
  const byName = new Map(agents.map((a) => [a.name, a]));
  const sam = byName.get("Sam Rivera"), priya = byName.get("Priya Shah");
  assert.ok(sam && priya && byName.get("Jonas Weber"), JSON.stringify(agents));
  assert.ok(agents.every((a) => a === sam || a.conversations < sam.conversations));
  assert.ok(sam.firstResponseMedianSeconds! > priya.firstResponseMedianSeconds!);

  // "Are customers happy": rated conversations, mostly 4 and 5.
  const csat = all.csat;
  assert.ok(csat.count > 100);
  assert.ok(csat.average > 3.8 && csat.average < 4.8, String(csat.average));
  assert.ok(csat.distribution["5"] > csat.distribution["1"]);

  // Labels exist and are on conversations.
  const labels = await get("/api/labels");
  const shipping = labels.labels.find((l: { name: string }) => l.name === "Shipping");
  assert.ok(shipping);
  const shipped = await get(
    `/api/reports/summary?from=${day(-42)}&to=${day(-1)}&labelId=${shipping.id}`,
  );
  assert.ok(shipped.conversations.created > 20);

  // The inbox's open views stay empty: the history is all resolved.
  const open = await call(t, "GET", "/api/conversations?status=queued,open", { cookie });
  assert.equal(open.status, 200);
  assert.equal(open.body.conversations.length, 0);

  // Seeding twice fails (fixed ids) rather than doubling the history.
  await assert.rejects(
    t.store.db.transaction((tx) => seedDemoHistory(tx, { siteId: "demo" })),
  );
  const again = await get(`/api/reports/summary?from=${day(-42)}&to=${day(-1)}`);
  assert.equal(again.conversations.created, all.conversations.created);
}

Deno.test("demo history: Reports answers a lead's questions (PGlite)", () => demoOn("pglite"));
Deno.test("demo history: Reports answers a lead's questions (Postgres)", () => demoOn("postgres"));
