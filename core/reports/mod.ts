/**
 * Reports (issue 17, docs/http_api.md "Reports"): the service the routes call, the query
 * parameters, and the CSV writer.
 *
 * @module
 */

export {
  agentsTable,
  type CsvTable,
  dailyTable,
  heatmapTable,
  MAX_EXPORT_ROWS,
  ReportService,
  type ReportServiceDeps,
  summaryTable,
  tableCsv,
} from "./service.ts";
export { MAX_REPORT_DAYS, parseReportParams, type ReportParams } from "./params.ts";
export { type CsvCell, csvCell, toCsv } from "./csv.ts";
