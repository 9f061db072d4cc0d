/**
 * A small CSV writer for the reports' exports: RFC 4180 (CRLF line ends, a cell quoted when it
 * holds a comma, a quote or a line break, quotes doubled), and guarded against formula injection:
 * a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula, so such a text
 * cell (a visitor's name is typed by anyone) gets a leading `'`. Numbers are written as numbers:
 * a negative figure is not text a person typed.
 *
 * @module
 */

/** A cell: text, a number, or empty (null). */
export type CsvCell = string | number | null;

const FORMULA_START = /^[=+\-@]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell as CSV text. */
export function csvCell(value: CsvCell): string {
  if (value === null) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

/** A header row and rows as one CSV document (CRLF after every row). */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return csvRows([header, ...rows]);
}

/** Rows as CSV lines, CRLF after each (a part of a document: streamed exports join them). */
export function csvRows(rows: readonly (readonly CsvCell[])[]): string {
  let out = "";
  for (const row of rows) out += row.map(csvCell).join(",") + "\r\n";
  return out;
}
