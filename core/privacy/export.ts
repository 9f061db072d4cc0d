/**
 * The export of everything stored about a visitor, for the visitor themself (a data subject's
 * access request): their profile and attributes, and each conversation with its rating and
 * messages. Agents' internal notes are left out: they are the team's working notes, not the
 * visitor's data as the visitor exchanged it (the command line's `visitor export`, for
 * operators, keeps them).
 *
 * @module
 */

import type { Message } from "../../protocol/frames.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import type { AgentRecord, Conversation, Store, VisitorRecord } from "../../db/store.ts";
import { siteAllowed, siteLimit } from "../chat/site_access.ts";
import { ParleyError } from "../errors.ts";
import { safeDetails } from "./audit.ts";
import type { AuditActor } from "./erase.ts";

/** The format name and version of {@link SubjectExport}, for whoever reads the file later. */
export const EXPORT_FORMAT = "parley-visitor-export/1";

/** A conversation in an export: its record and its messages (no internal notes), by seq. */
export interface ExportedConversation extends Conversation {
  messages: Message[];
}

/** The document `GET /api/visitors/:id/export` answers. */
export interface SubjectExport {
  format: typeof EXPORT_FORMAT;
  exportedAt: string;
  visitor: VisitorRecord;
  /** Oldest first. */
  conversations: ExportedConversation[];
}

/**
 * Builds the export of visitor `visitorId` for `actor`. An agent limited to sites gets
 * `not_found` for a visitor of another site, as for one that does not exist. Records a
 * `visitor.export` audit entry.
 */
export function exportVisitor(
  store: Store,
  actor: AgentRecord,
  visitorId: string,
  now: Date = new Date(),
): Promise<SubjectExport> {
  return exportVisitorAs(
    store,
    { actorId: actor.id, actorEmail: actor.email },
    siteLimit(actor),
    visitorId,
    now,
  );
}

/**
 * Builds the export of visitor `visitorId` for a requester recorded as `who` and limited to
 * `sites` (empty: every site): `not_found` for a visitor of another site, as for one that does
 * not exist. Records a `visitor.export` audit entry.
 */
export async function exportVisitorAs(
  store: Store,
  who: AuditActor,
  sites: readonly string[],
  visitorId: string,
  now: Date = new Date(),
): Promise<SubjectExport> {
  const data = await store.exportVisitor(visitorId);
  if (!data || !siteAllowed(sites, data.visitor.siteId)) {
    throw new ParleyError(ErrorCode.NotFound, "No such visitor");
  }
  const byConversation = new Map<string, Message[]>();
  for (const m of data.messages) {
    if (m.note) continue;
    const list = byConversation.get(m.conversationId) ?? [];
    list.push(m);
    byConversation.set(m.conversationId, list);
  }
  await store.recordAudit({
    actorId: who.actorId,
    actorEmail: who.actorEmail,
    action: "visitor.export",
    targetId: visitorId,
    details: safeDetails({ ...who.details, siteId: data.visitor.siteId }),
  });
  return {
    format: EXPORT_FORMAT,
    exportedAt: now.toISOString(),
    visitor: data.visitor,
    conversations: data.conversations.map((c) => ({
      ...c,
      messages: byConversation.get(c.id) ?? [],
    })),
  };
}
