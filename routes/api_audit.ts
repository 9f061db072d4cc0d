/**
 * The audit log for admins: `GET /api/audit?before=<id>&limit=<n>`, newest first. The next page
 * is `before=` the last entry's id (`nextBefore` in the answer, null on the last page).
 *
 * @module
 */

import { ErrorCode } from "../protocol/codes.ts";
import { ParleyError } from "../core/errors.ts";
import { MAX_AUDIT_PAGE } from "../core/privacy/mod.ts";
import type { Handler } from "./context.ts";
import { requireAgent } from "./guard.ts";
import { json } from "./http.ts";

function intParam(url: URL, name: string, min: number, max: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ParleyError(ErrorCode.BadFrame, `${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** `GET /api/audit?before=&limit=` */
export const listAudit: Handler = async (req, ctx) => {
  const agent = await requireAgent(req, ctx);
  const before = intParam(ctx.url, "before", 1, 2 ** 31 - 1);
  const limit = intParam(ctx.url, "limit", 1, MAX_AUDIT_PAGE) ?? 50;
  const entries = await ctx.app.privacy.auditLog(agent, {
    limit,
    ...(before !== undefined ? { before } : {}),
  });
  const last = entries.at(-1);
  return json({
    entries,
    nextBefore: entries.length === limit && last !== undefined ? last.id : null,
  });
};
