/**
 * Privacy and the data lifecycle: a visitor's data exported for them or erased for good, the
 * automatic retention of old conversations and forgotten visitors, and the audit log of admin
 * actions. See `docs/security.md` ("Privacy") and `docs/operations.md` ("Retention").
 *
 * @module
 */

export { type AuditAction, recordAdminAction, safeDetails } from "./audit.ts";
export {
  type AuditActor,
  type EraseDeps,
  type EraseHooks,
  eraseVisitor,
  eraseVisitorAs,
} from "./erase.ts";
export {
  EXPORT_FORMAT,
  type ExportedConversation,
  exportVisitor,
  type SubjectExport,
} from "./export.ts";
export {
  Retention,
  RETENTION_DEFAULTS,
  type RetentionCounts,
  type RetentionDeps,
  type RetentionOptions,
} from "./retention.ts";
export { MAX_AUDIT_PAGE, PrivacyService, type PrivacyServiceDeps } from "./service.ts";
