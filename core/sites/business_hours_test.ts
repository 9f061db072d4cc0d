import assert from "node:assert/strict";
import type { BusinessHours } from "../../protocol/site_settings.ts";
import { hoursAt, isTimeZone, zonedToInstant } from "./business_hours.ts";

const at = (iso: string) => new Date(iso);

/** Monday to Friday, 09:00 to 17:30, in `timezone`. */
function officeHours(timezone: string): BusinessHours {
  const day: [string, string][] = [["09:00", "17:30"]];
  return { timezone, days: { mon: day, tue: day, wed: day, thu: day, fri: day } };
}

Deno.test("hoursAt() is always open without hours", () => {
  assert.deepEqual(hoursAt(null, at("2026-03-28T12:00:00Z")), { open: true, nextOpen: null });
});

Deno.test("hoursAt() opens at a range's start and closes at its end", () => {
  const paris = officeHours("Europe/Paris");
  // Tuesday 2026-03-03, Paris is UTC+1 in winter.
  assert.deepEqual(hoursAt(paris, at("2026-03-03T07:59:59Z")), {
    open: false,
    nextOpen: "2026-03-03T08:00:00.000Z",
  });
  assert.deepEqual(hoursAt(paris, at("2026-03-03T08:00:00Z")), { open: true, nextOpen: null });
  assert.deepEqual(hoursAt(paris, at("2026-03-03T16:29:59Z")), { open: true, nextOpen: null });
  assert.deepEqual(hoursAt(paris, at("2026-03-03T16:30:00Z")), {
    open: false,
    nextOpen: "2026-03-04T08:00:00.000Z",
  });
});

Deno.test("hoursAt() skips closed days to the next opening", () => {
  // Friday 2026-03-06 18:00 in Paris: back on Monday 09:00.
  assert.deepEqual(hoursAt(officeHours("Europe/Paris"), at("2026-03-06T17:00:00Z")), {
    open: false,
    nextOpen: "2026-03-09T08:00:00.000Z",
  });
});

Deno.test("hoursAt() finds the next opening across the spring daylight-saving change", () => {
  // Saturday 2026-03-28 in Paris; clocks go forward on Sunday the 29th, so Monday 09:00 is
  // 07:00 UTC, not 08:00.
  assert.deepEqual(hoursAt(officeHours("Europe/Paris"), at("2026-03-28T17:00:00Z")), {
    open: false,
    nextOpen: "2026-03-30T07:00:00.000Z",
  });
  // The same in New York, whose clocks went forward on 2026-03-08: Monday 09:00 EDT is 13:00 UTC.
  assert.deepEqual(hoursAt(officeHours("America/New_York"), at("2026-03-07T15:00:00Z")), {
    open: false,
    nextOpen: "2026-03-09T13:00:00.000Z",
  });
});

Deno.test("hoursAt() finds the next opening across the autumn daylight-saving change", () => {
  // Friday 2026-10-23 18:00 CEST; clocks go back on Sunday the 25th: Monday 09:00 CET = 08:00 UTC.
  assert.deepEqual(hoursAt(officeHours("Europe/Paris"), at("2026-10-23T16:00:00Z")), {
    open: false,
    nextOpen: "2026-10-26T08:00:00.000Z",
  });
});

Deno.test("hoursAt() reads the wall clock on the day of a daylight-saving change", () => {
  const sunday: BusinessHours = { timezone: "Europe/Paris", days: { sun: [["01:00", "05:00"]] } };
  // 01:59 CET, then (an hour of wall clock skipped) 03:30 CEST: both within 01:00-05:00.
  assert.equal(hoursAt(sunday, at("2026-03-29T00:59:00Z")).open, true);
  assert.equal(hoursAt(sunday, at("2026-03-29T01:30:00Z")).open, true);
  // 05:00 CEST is 03:00 UTC.
  assert.equal(hoursAt(sunday, at("2026-03-29T02:59:00Z")).open, true);
  assert.equal(hoursAt(sunday, at("2026-03-29T03:00:00Z")).open, false);
});

Deno.test("hoursAt() opens a start skipped by the spring change after the jump", () => {
  const hours: BusinessHours = { timezone: "Europe/Paris", days: { sun: [["02:30", "04:00"]] } };
  // 02:30 does not exist on 2026-03-29 in Paris: it opens at 03:30 CEST (01:30 UTC).
  assert.deepEqual(hoursAt(hours, at("2026-03-29T00:00:00Z")), {
    open: false,
    nextOpen: "2026-03-29T01:30:00.000Z",
  });
});

Deno.test("hoursAt() opens a start repeated by the autumn change the first time", () => {
  const hours: BusinessHours = { timezone: "Europe/Paris", days: { sun: [["02:30", "04:00"]] } };
  // 02:30 happens twice on 2026-10-25 in Paris: first at 00:30 UTC (CEST).
  assert.deepEqual(hoursAt(hours, at("2026-10-24T22:00:00Z")), {
    open: false,
    nextOpen: "2026-10-25T00:30:00.000Z",
  });
});

Deno.test("hoursAt() treats ranges meeting at midnight as one opening", () => {
  const night: BusinessHours = {
    timezone: "UTC",
    days: { mon: [["22:00", "24:00"]], tue: [["00:00", "02:00"]] },
  };
  // Monday 2026-03-02.
  assert.equal(hoursAt(night, at("2026-03-02T21:59:00Z")).open, false);
  assert.equal(hoursAt(night, at("2026-03-02T22:00:00Z")).open, true);
  assert.equal(hoursAt(night, at("2026-03-02T23:59:59Z")).open, true);
  assert.equal(hoursAt(night, at("2026-03-03T00:00:00Z")).open, true);
  assert.equal(hoursAt(night, at("2026-03-03T01:59:00Z")).open, true);
  assert.deepEqual(hoursAt(night, at("2026-03-03T02:00:00Z")), {
    open: false,
    nextOpen: "2026-03-09T22:00:00.000Z",
  });
});

Deno.test("hoursAt() keeps a range ending at 24:00 open until midnight", () => {
  const late: BusinessHours = { timezone: "UTC", days: { wed: [["18:00", "24:00"]] } };
  // Wednesday 2026-03-04.
  assert.equal(hoursAt(late, at("2026-03-04T23:59:59Z")).open, true);
  assert.deepEqual(hoursAt(late, at("2026-03-05T00:00:00Z")), {
    open: false,
    nextOpen: "2026-03-11T18:00:00.000Z",
  });
});

Deno.test("hoursAt() comes back a week later when today's only range has passed", () => {
  const hours: BusinessHours = { timezone: "UTC", days: { mon: [["09:00", "10:00"]] } };
  assert.deepEqual(hoursAt(hours, at("2026-03-02T10:30:00Z")), {
    open: false,
    nextOpen: "2026-03-09T09:00:00.000Z",
  });
});

Deno.test("hoursAt() uses the weekday of the zone, not of UTC", () => {
  // Sunday 20:00 UTC is Monday 09:00 in Auckland (NZDT, UTC+13 until April).
  const hours: BusinessHours = {
    timezone: "Pacific/Auckland",
    days: { mon: [["09:00", "12:00"]] },
  };
  assert.equal(hoursAt(hours, at("2026-03-01T20:00:00Z")).open, true);
  assert.equal(hoursAt(hours, at("2026-03-01T19:59:00Z")).open, false);
});

Deno.test("hoursAt() is closed with no next opening for an empty week", () => {
  const closed = { open: false, nextOpen: null };
  assert.deepEqual(hoursAt({ timezone: "UTC", days: {} }, at("2026-03-02T10:00:00Z")), closed);
  const emptyDays: BusinessHours = { timezone: "Europe/Paris", days: { mon: [], sat: [] } };
  assert.deepEqual(hoursAt(emptyDays, at("2026-03-02T10:00:00Z")), closed);
});

Deno.test("hoursAt() sorts a day's ranges before looking for the next one", () => {
  const split: BusinessHours = {
    timezone: "UTC",
    days: { thu: [["14:00", "18:00"], ["09:00", "12:00"]] },
  };
  // Thursday 2026-03-05 at 08:00, then at 12:30.
  assert.equal(hoursAt(split, at("2026-03-05T08:00:00Z")).nextOpen, "2026-03-05T09:00:00.000Z");
  assert.equal(hoursAt(split, at("2026-03-05T12:30:00Z")).nextOpen, "2026-03-05T14:00:00.000Z");
});

Deno.test("zonedToInstant() converts ordinary wall-clock times with the zone's offset", () => {
  assert.equal(
    new Date(zonedToInstant(Date.UTC(2026, 6, 1, 12), "Europe/Paris")).toISOString(),
    "2026-07-01T10:00:00.000Z",
  );
  assert.equal(
    new Date(zonedToInstant(Date.UTC(2026, 0, 1, 12), "Asia/Kolkata")).toISOString(),
    "2026-01-01T06:30:00.000Z",
  );
});

Deno.test("isTimeZone() accepts IANA zones and refuses anything else", () => {
  assert.equal(isTimeZone("Europe/Paris"), true);
  assert.equal(isTimeZone("UTC"), true);
  assert.equal(isTimeZone("Mars/Olympus"), false);
  assert.equal(isTimeZone(""), false);
});

Deno.test("hoursAt() is open for hours in a zone the runtime does not know", () => {
  const hours: BusinessHours = { timezone: "Mars/Olympus", days: { mon: [["09:00", "10:00"]] } };
  assert.deepEqual(hoursAt(hours, at("2026-03-02T12:00:00Z")), { open: true, nextOpen: null });
});
