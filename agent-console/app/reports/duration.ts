/**
 * Human durations for the Reports view ("1 min 35 s", "2 h 10 min", "3 d 4 h"): two units at
 * most, because a lead reading a median wants its size at a glance, not to the second.
 *
 * @module
 */

const UNITS: [seconds: number, name: string][] = [
  [86_400, "d"],
  [3_600, "h"],
  [60, "min"],
  [1, "s"],
];

/** `seconds` as at most two units, largest first ("45 s", "5 min", "2 h 10 min"); "—" for null. */
export function humanDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "—";
  let rest = Math.max(0, Math.round(seconds));
  if (rest === 0) return "0 s";
  const parts: string[] = [];
  for (const [size, name] of UNITS) {
    if (parts.length === 2) break;
    const n = Math.floor(rest / size);
    // A zero second unit is left out ("5 min", not "5 min 0 s"), and nothing smaller follows it.
    if (n > 0) parts.push(`${n} ${name}`);
    else if (parts.length === 1) break;
    rest -= n * size;
  }
  return parts.join(" ");
}

/** A share 0…1 as a whole percentage ("82 %"); "—" for null. */
export function percent(share: number | null): string {
  return share === null ? "—" : `${Math.round(share * 100)} %`;
}

/** A number with at most one decimal ("3.4", "4"); "—" for null. */
export function decimal(n: number | null): string {
  return n === null ? "—" : String(Math.round(n * 10) / 10);
}
