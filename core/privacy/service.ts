/**
 * What the HTTP routes (and any later API) call for privacy: a visitor's export and erasure, the
 * audit log, and recording an admin action. Holds the collaborators so callers pass an actor and
 * an id only.
 *
 * @module
 */

import type { AuditDetails, AuditEntry } from "../../protocol/api.ts";
import type { AgentRecord, ErasedVisitor, Store } from "../../db/store.ts";
import { requireAdmin } from "../accounts/agents.ts";
import type { Bus } from "../cluster/bus.ts";
import { type AuditAction, recordAdminAction } from "./audit.ts";
import { type AuditActor, type EraseHooks, eraseVisitor, eraseVisitorAs } from "./erase.ts";
import { exportVisitor, exportVisitorAs, type SubjectExport } from "./export.ts";

/** Collaborators of {@link PrivacyService}. */
export interface PrivacyServiceDeps {
  store: Store;
  bus: Bus;
  /** Extension points of an erasure (webhooks). */
  eraseHooks?: EraseHooks;
}

/** The largest page of the audit log. */
export const MAX_AUDIT_PAGE = 200;

/** Export, erasure and the audit log. */
export class PrivacyService {
  readonly #deps: PrivacyServiceDeps;

  /** Creates the service. */
  constructor(deps: PrivacyServiceDeps) {
    this.#deps = deps;
  }

  /** The visitor's data for the visitor (see `export.ts`); `not_found` outside the actor's sites. */
  export(actor: AgentRecord, visitorId: string): Promise<SubjectExport> {
    return exportVisitor(this.#deps.store, actor, visitorId);
  }

  /** Erases the visitor (admins only; see `erase.ts`). */
  erase(actor: AgentRecord, visitorId: string): Promise<ErasedVisitor> {
    const { store, bus, eraseHooks } = this.#deps;
    return eraseVisitor(
      { store, bus, ...(eraseHooks ? { hooks: eraseHooks } : {}) },
      actor,
      visitorId,
    );
  }

  /**
   * The visitor's data for a requester that is not an agent (an API token), recorded as `who`
   * and limited to `sites` (empty: every site).
   */
  exportAs(who: AuditActor, sites: readonly string[], visitorId: string): Promise<SubjectExport> {
    return exportVisitorAs(this.#deps.store, who, sites, visitorId);
  }

  /**
   * Erases the visitor for a requester that is not an agent and has checked its own right to
   * (an API token with the write scope on the visitor's site), recorded as `who`.
   */
  eraseAs(who: AuditActor, visitorId: string): Promise<ErasedVisitor> {
    const { store, bus, eraseHooks } = this.#deps;
    return eraseVisitorAs(
      { store, bus, ...(eraseHooks ? { hooks: eraseHooks } : {}) },
      who,
      visitorId,
    );
  }

  /** A page of the audit log, newest first (admins only). */
  async auditLog(actor: AgentRecord, q: { before?: number; limit: number }): Promise<AuditEntry[]> {
    requireAdmin(actor);
    return await this.#deps.store.listAudit({ ...q, limit: Math.min(q.limit, MAX_AUDIT_PAGE) });
  }

  /** Records an admin action (see `audit.ts`). */
  record(
    actor: Pick<AgentRecord, "id" | "email"> | null,
    action: AuditAction,
    targetId: string | null,
    details: AuditDetails = {},
  ): Promise<AuditEntry> {
    return recordAdminAction(this.#deps.store, actor, action, targetId, details);
  }
}
