/**
 * What the Reports view decodes besides the report answers (those are decoded into their
 * protocol types by `protocol/reports.ts`): the labels to filter by, and the heat map's cells
 * laid out as the chart draws them.
 *
 * @module
 */

import { decodeLabel } from "../../../protocol/client/decode_agent.ts";
import type { Label } from "../../../protocol/frames.ts";
import type { ReportHeatCell } from "../../../protocol/reports.ts";
import { object, ValidationError } from "../../../protocol/validate.ts";

/** Decodes `GET /api/labels` (`{ labels: Label[] }`). */
export function decodeLabels(value: unknown): Label[] {
  const v = object(value).labels;
  if (!Array.isArray(v)) throw new ValidationError("labels must be a list");
  return v.map(decodeLabel);
}

/** The cells as a full 7 × 24 grid (`grid[weekday][hour]`), missing cells 0. */
export function heatGrid(cells: readonly ReportHeatCell[]): number[][] {
  const grid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  for (const c of cells) grid[c.weekday][c.hour] = c.count;
  return grid;
}
