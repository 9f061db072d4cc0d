/**
 * Business hours: whether a site is open at an instant, and when it opens next, from weekly
 * hours in an IANA time zone. Pure (the instant is an argument) and exact across daylight-saving
 * changes: wall-clock times are read and converted with `Intl` for the zone, never with a fixed
 * offset.
 *
 * The rules: a range `["HH:MM", "HH:MM"]` is open from its start (inclusive) to its end
 * (exclusive), `24:00` being the end of the day; a day's ranges and the next day's may meet at
 * midnight (`["22:00","24:00"]` then `["00:00","02:00"]`), which reads as one opening across
 * it. A wall-clock start skipped by a daylight-saving jump opens at the same distance after the
 * jump (02:30 on a day clocks go from 02:00 to 03:00 opens at 03:30), and a start that happens
 * twice when clocks go back opens the first time: both as Temporal's `"compatible"` choice.
 *
 * @module
 */

import { type BusinessHours, WEEKDAYS } from "../../protocol/site_settings.ts";
import type { HoursInfo } from "../../protocol/frames.ts";

/** Minutes since midnight of `"HH:MM"` (`"24:00"` is 1440); the input is validated already. */
export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** The wall clock of an instant in a zone. `weekday` indexes WEEKDAYS (0 Monday). */
interface WallClock {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone: building one is far slower than using it. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of `epochMs` in `timeZone`, as if that wall clock were UTC. */
function wallAsUtc(epochMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(epochMs)) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/** The zone's offset from UTC at `epochMs`, in ms (e.g. +3,600,000 for Paris in winter). */
function offsetAt(epochMs: number, timeZone: string): number {
  // Whole seconds: the formatter drops milliseconds.
  const whole = Math.floor(epochMs / 1000) * 1000;
  return wallAsUtc(whole, timeZone) - whole;
}

/** The wall clock of `epochMs` in `timeZone`. */
function wallClock(epochMs: number, timeZone: string): WallClock {
  const wall = new Date(wallAsUtc(epochMs, timeZone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    // getUTCDay counts from Sunday; WEEKDAYS from Monday.
    weekday: (wall.getUTCDay() + 6) % 7,
    minute: wall.getUTCHours() * 60 + wall.getUTCMinutes(),
  };
}

/**
 * The instant at which the wall clock of `timeZone` shows `wallMs` (a whole-second wall-clock
 * time written as if it were UTC). The offsets a day before and a day after bound the ones in
 * play (zones change offset at most once in two days): a time both map back to is repeated
 * (clocks went back) and resolves to its first occurrence; a time neither maps back to is
 * skipped (clocks went forward) and resolves with the offset before the jump, that far after it.
 */
export function zonedToInstant(wallMs: number, timeZone: string): number {
  const before = wallMs - offsetAt(wallMs - 86_400_000, timeZone);
  const after = wallMs - offsetAt(wallMs + 86_400_000, timeZone);
  const fits = (t: number) => wallAsUtc(t, timeZone) === wallMs;
  const candidates = [before, after].filter(fits);
  return candidates.length > 0 ? Math.min(...candidates) : before;
}

/** The ranges of weekday `index` (0 Monday) in minutes, sorted. */
function rangesOf(hours: BusinessHours, index: number): [number, number][] {
  return (hours.days[WEEKDAYS[index]] ?? [])
    .map(([a, b]): [number, number] => [minutesOf(a), minutesOf(b)])
    .sort((x, y) => x[0] - y[0]);
}

/**
 * Whether `hours` are open at `now`, and when closed, the next opening (ISO 8601, UTC) within
 * the coming week, or null when the week has no hours at all. Null `hours` are always open, and
 * so are hours in a zone this runtime does not know (validated on write, but the time-zone
 * database may drop a zone): a visitor should rather see the chat open than get no chat.
 */
export function hoursAt(hours: BusinessHours | null, now: Date): HoursInfo {
  if (hours === null || !isTimeZone(hours.timezone)) return { open: true, nextOpen: null };
  const nowMs = now.getTime();
  const today = wallClock(nowMs, hours.timezone);
  if (rangesOf(hours, today.weekday).some(([a, b]) => a <= today.minute && today.minute < b)) {
    return { open: true, nextOpen: null };
  }
  // Today's later starts, then each following day's; day 7 is today again, a week on.
  for (let ahead = 0; ahead <= 7; ahead++) {
    const weekday = (today.weekday + ahead) % 7;
    for (const [start] of rangesOf(hours, weekday)) {
      if (ahead === 0 && start <= today.minute) continue;
      const wall = Date.UTC(today.year, today.month - 1, today.day + ahead) + start * 60_000;
      const at = zonedToInstant(wall, hours.timezone);
      if (at > nowMs) return { open: false, nextOpen: new Date(at).toISOString() };
    }
  }
  return { open: false, nextOpen: null };
}

/** True when `timeZone` is an IANA zone `Intl` knows. */
export function isTimeZone(timeZone: string): boolean {
  if (formatters.has(timeZone)) return true;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}
