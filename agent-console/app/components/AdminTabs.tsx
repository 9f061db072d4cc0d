/**
 * The admin-only settings tabs, in one module the console loads on demand (`SettingsDialog`
 * imports it with a dynamic `import()`): the build puts it in a chunk of its own, so agents who
 * are not admins never download it and the page's own script stays small.
 *
 * @module
 */

export { ApiTokensTab } from "./ApiTokensTab.tsx";
export { AuditTab } from "./AuditTab.tsx";
export { LabelsTab } from "./LabelsTab.tsx";
export { SitesTab } from "./SitesTab.tsx";
export { TeamTab } from "./TeamTab.tsx";
export { WebhooksTab } from "./WebhooksTab.tsx";
