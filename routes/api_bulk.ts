/**
 * `POST /api/conversations/bulk` (docs/http_api.md, "Bulk actions"): one action on many inbox
 * rows. Thin: parse and validate the body, then `core/organise/bulk.ts` applies the action to each
 * conversation through the single actions and answers one result per id.
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import type { Obj } from "../protocol/validate.ts";
import { ParleyError } from "../core/errors.ts";
import { applyBulk, type BulkAction, MAX_BULK_IDS } from "../core/organise/bulk.ts";
import { actorOf } from "./api_labels.ts";
import type { Handler } from "./context.ts";
import { requireAgent, requireCsrf } from "./guard.ts";
import { json, readJson } from "./http.ts";

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const FIELDS = ["ids", "action", "agentId", "labelId"];

function bad(message: string, field: string): never {
  throw new ParleyError(ErrorCode.BadFrame, message, { field });
}

/** `ids`: 1 to {@link MAX_BULK_IDS} conversation ids; a repeated id counts once. */
function bulkIds(body: Obj): string[] {
  const v = body.ids;
  if (
    !Array.isArray(v) || v.length === 0 || v.length > MAX_BULK_IDS ||
    !v.every((x): x is string => typeof x === "string" && ID.test(x))
  ) {
    bad(`ids must be a list of 1 to ${MAX_BULK_IDS} conversation ids`, "ids");
  }
  return [...new Set(v)];
}

/** The action and the one field it needs; a field another action takes is refused. */
function bulkAction(body: Obj): BulkAction {
  const kind = body.action;
  const only = (field: string | null) => {
    for (const f of ["agentId", "labelId"]) {
      if (f !== field && body[f] !== undefined) bad(`${f} does not go with ${kind}`, f);
    }
  };
  switch (kind) {
    case "assign": {
      only("agentId");
      const agentId = body.agentId;
      if (agentId !== null && !(typeof agentId === "string" && ID.test(agentId))) {
        bad("agentId must be an agent id, or null for the queue", "agentId");
      }
      return { kind, agentId };
    }
    case "label":
    case "unlabel": {
      only("labelId");
      const labelId = body.labelId;
      if (!(typeof labelId === "string" && ID.test(labelId))) {
        bad("labelId must be a label id", "labelId");
      }
      return { kind, labelId };
    }
    case "resolve":
      only(null);
      return { kind };
    default:
      return bad("action must be one of assign, label, unlabel, resolve", "action");
  }
}

/** `POST /api/conversations/bulk` `{ids, action, agentId?, labelId?}` */
export const bulkConversations: Handler = async (req, ctx) => {
  requireCsrf(req, ctx);
  const agent = await requireAgent(req, ctx);
  const body = await readJson(req);
  for (const k of Object.keys(body)) {
    if (!FIELDS.includes(k)) bad(`Unknown field: ${k.slice(0, 40)}`, k);
  }
  const ids = bulkIds(body);
  const action = bulkAction(body);
  const { commands, organiser } = ctx.app.core;
  const results = await applyBulk(
    { commands, organiser, log: ctx.app.log },
    actorOf(agent),
    ids,
    action,
  );
  return json({ results });
};
