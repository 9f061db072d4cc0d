/**
 * Erasure of a visitor (a data subject's request): the one way the console, the API and any
 * later surface erase someone, so every erasure has the same effects:
 *
 * 1. in one transaction (`Store.eraseVisitor`): the visitor, their conversations, messages,
 *    read markers and presence rows are deleted for good, their id is replaced by its SHA-256 in
 *    the audit log, and a `visitor.erase` entry is recorded;
 * 2. then, live, on every instance (the bus's `visitor_erased`): the visitor's open sockets are
 *    closed with 4410 (`CloseCode.VisitorErased`), and consoles that may see the site drop the
 *    visitor's conversations.
 *
 * The `visitor.deleted` webhook event belongs here too: the webhooks' outbox row should be
 * written in step 1's transaction (see {@link EraseHooks}).
 *
 * @module
 */

import { ErrorCode } from "../../protocol/codes.ts";
import type { AgentRecord, ErasedVisitor, Store } from "../../db/store.ts";
import { StoreError } from "../../db/store.ts";
import type { AuditDetails } from "../../protocol/api.ts";
import type { Bus } from "../cluster/bus.ts";
import { requireAdmin } from "../accounts/agents.ts";
import { ParleyError } from "../errors.ts";

/** Collaborators of {@link eraseVisitor}. */
export interface EraseDeps {
  store: Store;
  bus: Bus;
  /** Runs after the erasure committed (webhooks, metrics); a failure is the caller's. */
  hooks?: EraseHooks;
}

/** Extension points of an erasure. */
export interface EraseHooks {
  /** Called once the visitor is gone, with what was removed. */
  erased?(visitorId: string, erased: ErasedVisitor): Promise<void>;
}

/**
 * Who an erasure or an export is recorded as in the audit log: an agent (id and email), or an
 * API token (`token:<id>`, no email, its name in the details).
 */
export interface AuditActor {
  actorId: string;
  actorEmail: string | null;
  details?: AuditDetails;
}

/**
 * Erases visitor `visitorId` for `actor`, who must be an admin (else `forbidden`, before anything
 * is read). Throws `not_found` for an unknown visitor. Returns what was removed.
 */
export async function eraseVisitor(
  deps: EraseDeps,
  actor: AgentRecord,
  visitorId: string,
): Promise<ErasedVisitor> {
  requireAdmin(actor);
  return await eraseVisitorAs(deps, { actorId: actor.id, actorEmail: actor.email }, visitorId);
}

/**
 * Erases visitor `visitorId`, recorded as `who`: for a caller that has checked its own right to
 * (the public API: a write token allowed on the visitor's site). Throws `not_found`.
 */
export async function eraseVisitorAs(
  deps: EraseDeps,
  who: AuditActor,
  visitorId: string,
): Promise<ErasedVisitor> {
  let erased: ErasedVisitor;
  try {
    ({ erased } = await deps.store.eraseVisitor(visitorId, {
      actorId: who.actorId,
      actorEmail: who.actorEmail,
      action: "visitor.erase",
      targetId: null,
      details: who.details ?? {},
    }));
  } catch (err) {
    if (err instanceof StoreError && err.code === "not_found") {
      throw new ParleyError(ErrorCode.NotFound, "No such visitor", { cause: err });
    }
    throw err;
  }
  // Persist, then broadcast: a lost event leaves a socket to be refused its token on its next
  // connection and a console to drop the conversations when it reloads; nothing survives.
  await deps.bus.publish({ kind: "visitor_erased", visitorId, siteId: erased.siteId });
  await deps.hooks?.erased?.(visitorId, erased);
  return erased;
}
