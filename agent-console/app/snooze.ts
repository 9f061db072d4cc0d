/**
 * Snooze times, as pure functions of "now" in the browser's time zone (unit tested): the menu's
 * presets, the custom field's value, and how a snooze's end is shown.
 *
 * @module
 */

/** A preset of the snooze menu. */
export interface SnoozePreset {
  label: string;
  /** When it ends, for a given now (ms). */
  at(now: number): Date;
}

const HOUR = 3_600_000;

function atNine(d: Date): Date {
  d.setHours(9, 0, 0, 0);
  return d;
}

/** "1 hour", "Tomorrow 9:00", "Next week" (Monday 9:00), in the agent's local time. */
export const SNOOZE_PRESETS: readonly SnoozePreset[] = [
  { label: "1 hour", at: (now) => new Date(now + HOUR) },
  {
    label: "Tomorrow 9:00",
    at: (now) => {
      const d = new Date(now);
      d.setDate(d.getDate() + 1);
      return atNine(d);
    },
  },
  {
    label: "Next week",
    at: (now) => {
      const d = new Date(now);
      // Monday of next week (from a Sunday: tomorrow).
      d.setDate(d.getDate() + (((8 - d.getDay()) % 7) || 7));
      return atNine(d);
    },
  },
];

/** `yyyy-mm-ddThh:mm` of `d` in local time: the value of a `datetime-local` field. */
export function localInputValue(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${
    p(d.getMinutes())
  }`;
}

/** The instant a `datetime-local` value names (local time), or null when it names none. */
export function fromLocalInput(value: string): Date | null {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(value)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A snooze's end, short: "14:30" today, "Tue 09:00" this week, else "3 Jan 09:00". */
export function snoozeTime(iso: string, now: number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "later";
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return time;
  if (d.getTime() - now < 6 * 24 * HOUR) {
    return `${d.toLocaleDateString([], { weekday: "short" })} ${time}`;
  }
  return `${d.toLocaleDateString([], { day: "numeric", month: "short" })} ${time}`;
}
