import assert from "node:assert/strict";
import { currentHours, formatNextOpen } from "./hours.ts";

const monday9Paris = "2026-12-07T08:00:00.000Z";
const fridayEvening = new Date("2026-12-04T19:00:00.000Z");

Deno.test("formatNextOpen() names the weekday and time in the visitor's time zone", () => {
  assert.equal(formatNextOpen(monday9Paris, "en", fridayEvening, "Europe/Paris"), "Monday 9:00 AM");
  assert.equal(
    formatNextOpen(monday9Paris, "en", fridayEvening, "America/New_York"),
    "Monday 3:00 AM",
  );
  assert.equal(formatNextOpen(monday9Paris, "fr", fridayEvening, "Europe/Paris"), "lundi 09:00");
});

Deno.test("formatNextOpen() gives a date when the opening is a week or more away", () => {
  const later = formatNextOpen("2026-12-24T08:00:00.000Z", "en", fridayEvening, "Europe/Paris");
  assert.match(later, /December 24/);
});

Deno.test("formatNextOpen() is empty for a bad date", () => {
  assert.equal(formatNextOpen("soon", "en"), "");
});

Deno.test("currentHours() prefers the welcome's hours, then the settings', else open", () => {
  const closed = { open: false, nextOpen: monday9Paris };
  assert.deepEqual(currentHours(closed, { open: true, nextOpen: null }), closed);
  assert.deepEqual(currentHours(null, closed), closed);
  assert.deepEqual(currentHours(null, {}), { open: true, nextOpen: null });
});
