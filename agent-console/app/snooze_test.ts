import assert from "node:assert/strict";
import type { ConversationSummary } from "../../protocol/frames.ts";
import { fromLocalInput, localInputValue, SNOOZE_PRESETS } from "./snooze.ts";
import { inView, viewList } from "./views.ts";

const summary = (o: Partial<ConversationSummary>): ConversationSummary => ({
  id: "c1",
  siteId: "demo",
  visitorId: "v1",
  visitorName: "Vera",
  status: "open",
  assigneeId: "me",
  lastSeq: 1,
  lastMessage: null,
  readSeq: 1,
  visitorReadSeq: 0,
  agentReadSeq: 1,
  rating: null,
  createdAt: "2026-12-01T10:00:00.000Z",
  updatedAt: "2026-12-01T10:00:00.000Z",
  ...o,
});

Deno.test("a snoozed conversation leaves Queue, Mine and All open for Snoozed", () => {
  const snoozed = summary({ snoozedUntil: "2026-12-02T09:00:00.000Z" });
  for (const v of ["queue", "mine", "open"] as const) assert.equal(inView(v, snoozed, "me"), false);
  assert.equal(inView("snoozed", snoozed, "me"), true);
  const woken = summary({ snoozedUntil: null });
  assert.equal(inView("mine", woken, "me"), true);
  assert.equal(inView("snoozed", woken, "me"), false);
  // Resolving ends a snooze: a resolved conversation is never listed as snoozed.
  assert.equal(inView("snoozed", summary({ ...snoozed, status: "resolved" }), "me"), false);
  const later = summary({ id: "c2", snoozedUntil: "2026-12-09T09:00:00.000Z" });
  assert.deepEqual(viewList("snoozed", [later, snoozed], "me").map((c) => c.id), ["c1", "c2"]);
});

Deno.test("snooze presets: in an hour, tomorrow at 9:00, next Monday at 9:00", () => {
  // A Wednesday afternoon, local time.
  const now = new Date(2026, 11, 2, 15, 30).getTime();
  const [hour, tomorrow, week] = SNOOZE_PRESETS.map((p) => p.at(now));
  assert.equal(hour.getTime(), now + 3_600_000);
  assert.deepEqual(tomorrow, new Date(2026, 11, 3, 9, 0));
  assert.deepEqual(week, new Date(2026, 11, 7, 9, 0));
  assert.equal(week.getDay(), 1);
  // From a Sunday, next week starts tomorrow.
  assert.deepEqual(
    SNOOZE_PRESETS[2].at(new Date(2026, 11, 6, 20, 0).getTime()),
    new Date(2026, 11, 7, 9, 0),
  );
});

Deno.test("the custom field's local value round-trips; garbage names no time", () => {
  const d = new Date(2026, 11, 24, 8, 5);
  assert.equal(localInputValue(d), "2026-12-24T08:05");
  assert.deepEqual(fromLocalInput("2026-12-24T08:05"), d);
  assert.equal(fromLocalInput(""), null);
  assert.equal(fromLocalInput("tomorrow"), null);
});
