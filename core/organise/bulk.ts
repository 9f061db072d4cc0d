/**
 * Bulk actions on inbox rows (issue 17): one action applied to many conversations, each through
 * the very operation a single action uses (`ChatCommands.transfer` / `unassign` / `resolve`,
 * `Organiser.changeLabels`), so the live frames, system messages, webhooks and audit of each are
 * exactly those of one. One conversation at a time: the batch is small (at most
 * {@link MAX_BULK_IDS}) and a sequence keeps each conversation's frames in the order a single
 * agent clicking would produce. A failure is that conversation's result, never the batch's: a
 * conversation the agent may not see fails `not_found` as it would alone, and the rest go on.
 *
 * @module
 */

import { ErrorCode } from "../../protocol/codes.ts";
import type { Actor, ChatCommands } from "../chat/commands.ts";
import { toParleyError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Organiser } from "./mod.ts";

/** Most conversations one bulk request names. */
export const MAX_BULK_IDS = 100;

/** What a bulk request does to each conversation. */
export type BulkAction =
  /** Hands each to `agentId`, or puts it back in the queue when null. */
  | { kind: "assign"; agentId: string | null }
  /** Adds (`label`) or removes (`unlabel`) one label. */
  | { kind: "label" | "unlabel"; labelId: string }
  | { kind: "resolve" };

/** The outcome for one conversation, in the order the request named them. */
export type BulkResult =
  | { id: string; ok: true }
  | { id: string; ok: false; error: { code: ErrorCode; message: string } };

/** The collaborators of {@link applyBulk}: the single actions, and where surprises are logged. */
export interface BulkDeps {
  commands: Pick<ChatCommands, "transfer" | "unassign" | "resolve">;
  organiser: Pick<Organiser, "changeLabels">;
  log: Logger;
}

/** Applies `action` to every conversation of `ids` (distinct) as `actor`; one result each. */
export async function applyBulk(
  deps: BulkDeps,
  actor: Actor,
  ids: readonly string[],
  action: BulkAction,
): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const id of ids) {
    try {
      await applyOne(deps, actor, id, action);
      results.push({ id, ok: true });
    } catch (err) {
      const e = toParleyError(err);
      // Expected refusals (not found, conflict…) are the caller's to read; anything else is ours.
      if (e.code === ErrorCode.Internal) {
        deps.log.error("bulk action failed", { conversationId: id, action: action.kind }, err);
      }
      results.push({ id, ok: false, error: { code: e.code, message: e.message } });
    }
  }
  return results;
}

function applyOne(deps: BulkDeps, actor: Actor, id: string, action: BulkAction): Promise<unknown> {
  switch (action.kind) {
    case "assign":
      return action.agentId === null
        ? deps.commands.unassign(actor, id)
        : deps.commands.transfer(actor, id, action.agentId);
    case "label":
      return deps.organiser.changeLabels(actor, id, { add: [action.labelId], remove: [] });
    case "unlabel":
      return deps.organiser.changeLabels(actor, id, { add: [], remove: [action.labelId] });
    case "resolve":
      return deps.commands.resolve(actor, id);
  }
}
