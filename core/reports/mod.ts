/**
 * Reports (issue 17, docs/http_api.md "Reports"): the service the routes call, the query
 * parameters, the CSV writer and the streamed conversations export.
 *
 * @module
 */

export {
  agentReportActor,
  agentsTable,
  type CsvTable,
  dailyTable,
  heatmapTable,
  type ReportActor,
  ReportService,
  type ReportServiceDeps,
  summaryTable,
  tableCsv,
} from "./service.ts";
export { MAX_REPORT_DAYS, parseReportParams, type ReportParams } from "./params.ts";
export { type CsvCell, csvCell, csvRows, toCsv } from "./csv.ts";
export {
  CONVERSATIONS_HEADER,
  conversationsCsv,
  EXPORT_PAGE_ROWS,
  MAX_EXPORT_ROWS,
} from "./export.ts";
