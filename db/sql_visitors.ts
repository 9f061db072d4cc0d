/**
 * Visitors: the SQL behind `createVisitor` and `updateVisitor` (reads are grouped, in
 * `sql_point_reads.ts`).
 *
 * @module
 */

import { StoreError, type VisitorPatch, type VisitorRecord } from "./store.ts";
import type { Queryable } from "./driver.ts";
import { rowToVisitor, visitorColumns } from "./rows.ts";
import { constraintError } from "./sql_agents.ts";

/** How many pages `pagesVisited` keeps. */
export const PAGES_KEPT = 20;

/**
 * The SET clauses of a page view: `page` (a jsonb SQL expression) becomes the last page and joins
 * `pages_visited`, of which the latest {@link PAGES_KEPT} are kept; the visitor was seen now.
 */
export function pageSets(page: string): string[] {
  return [
    `last_page = ${page}`,
    `pages_visited = (
      SELECT COALESCE(jsonb_agg(kept.e ORDER BY kept.i), '[]'::jsonb) FROM (
        SELECT t.e, t.i
        FROM jsonb_array_elements(v.pages_visited || jsonb_build_array(${page}))
          WITH ORDINALITY AS t(e, i)
        ORDER BY t.i DESC LIMIT ${PAGES_KEPT}
      ) kept
    )`,
    "last_seen_at = now()",
  ];
}

/** See `Store.createVisitor`. Throws `not_found` when the site does not exist. */
export async function createVisitor(
  db: Queryable,
  v: { siteId: string; name: string },
): Promise<VisitorRecord> {
  try {
    const rows = await db.query(
      `INSERT INTO visitors AS v (site_id, name) VALUES ($1, $2) RETURNING ${visitorColumns("v")}`,
      [v.siteId, v.name],
    );
    return rowToVisitor(rows[0]);
  } catch (err) {
    throw constraintError(err, "Visitor site");
  }
}

/**
 * The patch fields that set a column as given, and their columns; `sql_visitor_batch.ts` uses the
 * same map. The SQL is built only from these constants.
 */
export const VISITOR_PATCH_COLUMNS = {
  name: "name",
  email: "email",
  verified: "verified",
  emailVerified: "email_verified",
  nameVerified: "name_verified",
  externalId: "external_id",
  referrer: "referrer",
  userAgent: "user_agent",
  timezone: "timezone",
  locale: "locale",
} as const satisfies Partial<Record<keyof VisitorPatch, string>>;

/**
 * See `Store.updateVisitor`. `attributes` are merged into the stored ones (a key set to null is
 * kept with a null value). A `page` becomes `page`, is appended to `pagesVisited` (the last
 * {@link PAGES_KEPT} kept, oldest first) and bumps `lastSeenAt`.
 */
export async function updateVisitor(
  db: Queryable,
  id: string,
  patch: VisitorPatch,
): Promise<VisitorRecord> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  for (const key of Object.keys(VISITOR_PATCH_COLUMNS) as (keyof typeof VISITOR_PATCH_COLUMNS)[]) {
    if (patch[key] !== undefined) sets.push(`${VISITOR_PATCH_COLUMNS[key]} = ${param(patch[key])}`);
  }
  if (patch.attributes !== undefined) {
    sets.push(
      `attributes = v.attributes || ${param(JSON.stringify(patch.attributes))}::text::jsonb`,
    );
  }
  if (patch.page !== undefined) {
    sets.push(...pageSets(`${param(JSON.stringify(patch.page))}::text::jsonb`));
  }
  const rows = sets.length === 0
    ? await db.query(`SELECT ${visitorColumns("v")} FROM visitors v WHERE v.id = $1`, params)
    : await db.query(
      `UPDATE visitors AS v SET ${sets.join(", ")} WHERE v.id = $1 RETURNING ${
        visitorColumns("v")
      }`,
      params,
    );
  if (rows.length === 0) throw new StoreError("not_found", "Visitor not found");
  return rowToVisitor(rows[0]);
}
