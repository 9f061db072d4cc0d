/**
 * The Reports view's lazily loaded chunk: `Console` reaches it only through a dynamic
 * `import()`, so the build gives it a chunk of its own (`console-reports-js`) and the console's
 * first load does not grow with the charts.
 *
 * @module
 */

export { ReportsView } from "./ReportsView.tsx";
