/**
 * The audit log of admin actions: who (agent id and their email at the time), what
 * (`<thing>.<verb>`), on what, with a few facts, and when. Every admin change goes through
 * {@link recordAdminAction}, whatever surface made it (console API, token API, erasure), so the
 * log is the one answer to "who changed this".
 *
 * @module
 */

import type { AuditDetails, AuditEntry } from "../../protocol/api.ts";
import type { AgentRecord, Store } from "../../db/store.ts";

/**
 * The actions recorded. Sites, agents, tokens (the token API calls this for its own), webhooks
 * (later) and the visitor data requests. New ones follow `<thing>.<verb>`.
 */
export type AuditAction =
  | "site.create"
  | "site.update"
  | "site.delete"
  | "site.rotate_secret"
  | "agent.create"
  | "agent.update"
  | "agent.disable"
  | "agent.enable"
  | "agent.role"
  | "agent.reset_password"
  | "agent.invite"
  | "agent.revoke_invitation"
  | "token.create"
  | "token.revoke"
  | `webhook.${string}`
  | "label.create"
  | "label.update"
  | "label.delete"
  | "visitor.export"
  | "visitor.erase"
  | "conversation.transcript"
  | "reports.settings";

/**
 * Detail keys never written, whatever a caller passes: the log must never hold a secret (a key
 * holding "secret", "password" or "hash", or named `token`; `tokenId` and `tokenName` pass).
 */
const SECRET_KEYS = /secret|password|hash|^token$/i;

/** `details` without secret-looking keys. */
export function safeDetails(details: AuditDetails): AuditDetails {
  const out: AuditDetails = {};
  for (const [k, v] of Object.entries(details)) if (!SECRET_KEYS.test(k)) out[k] = v;
  return out;
}

/**
 * Records one admin action by `actor` (null: the server itself or the command line) on
 * `targetId`. Call it after the change committed; `details` are small facts (which fields
 * changed, a name), never values that are secret (dropped by key name anyway).
 */
export async function recordAdminAction(
  store: Store,
  actor: Pick<AgentRecord, "id" | "email"> | null,
  action: AuditAction,
  targetId: string | null,
  details: AuditDetails = {},
): Promise<AuditEntry> {
  return await store.recordAudit({
    actorId: actor?.id ?? null,
    actorEmail: actor?.email ?? null,
    action,
    targetId,
    details: safeDetails(details),
  });
}
