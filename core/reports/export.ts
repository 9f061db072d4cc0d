/**
 * The conversations export (`GET /api/reports/conversations`) as a stream of CSV text: a page of
 * rows is read from the database only when the previous one has been taken (the response body
 * pulls), so a 90-day export of 75,000 conversations holds one page in memory, not the file, and
 * a download the client abandons stops reading. Pages follow each other by keyset (after the
 * last row's `created_at` and `id`), each a short statement of its own: no transaction or cursor
 * stays open while a slow client reads, which on PGlite would hold its only connection. The
 * export is therefore not one snapshot: a conversation resolved while the file downloads may
 * show either state, and each appears once (its `created_at` and `id` never change).
 *
 * @module
 */

import type { ConversationTimings, ReportFilter, ReportStore } from "../../db/sql_reports.ts";
import { csvRows } from "./csv.ts";

/** The most rows of the conversations export (a year of a busy team fits). */
export const MAX_EXPORT_ROWS = 200_000;

/** Rows per page: about 1 MB of CSV, and one statement of tens of milliseconds. */
export const EXPORT_PAGE_ROWS = 5_000;

/** The export's columns. */
export const CONVERSATIONS_HEADER = [
  "id",
  "site",
  "visitor",
  "created_at",
  "first_response_seconds",
  "resolved_at",
  "resolution_seconds",
  "assignee",
  "replies",
  "rating",
  "labels",
  "status",
] as const;

const secs = (n: number | null): number | null => n === null ? null : Math.round(n);

function page(rows: readonly ConversationTimings[]): string {
  return csvRows(rows.map((c) => [
    c.id,
    c.site,
    c.visitor,
    c.createdAt,
    secs(c.firstResponseSeconds),
    c.resolvedAt,
    secs(c.resolutionSeconds),
    c.assignee,
    c.replies,
    c.rating,
    c.labels,
    c.status,
  ]));
}

/**
 * The export of the conversations `f` selects, oldest first, at most `maxRows`, as CSV chunks:
 * the header with the first page, then a chunk per page. The first page is read before this
 * resolves, so a statement that fails (an unknown zone) fails the request rather than a
 * download already under way.
 */
export async function conversationsCsv(
  reports: ReportStore,
  f: ReportFilter,
  { pageRows = EXPORT_PAGE_ROWS, maxRows = MAX_EXPORT_ROWS } = {},
): Promise<AsyncIterable<string>> {
  const first = await reports.conversations(f, null, Math.min(pageRows, maxRows));
  async function* chunks(): AsyncGenerator<string> {
    let rows = first;
    let sent = 0;
    yield csvRows([CONVERSATIONS_HEADER]) + page(rows);
    sent += rows.length;
    while (rows.length === pageRows && sent < maxRows) {
      const last = rows[rows.length - 1];
      rows = await reports.conversations(
        f,
        { createdAt: last.createdAt, id: last.id },
        Math.min(pageRows, maxRows - sent),
      );
      if (rows.length === 0) return;
      yield page(rows);
      sent += rows.length;
    }
  }
  return chunks();
}
