/**
 * Visitors: the SQL behind `createVisitor` and `updateVisitor` (reads are grouped, in
 * `sql_point_reads.ts`).
 *
 * @module
 */

import { type NewVisitor, StoreError, type VisitorPatch, type VisitorRecord } from "./store.ts";
import type { Queryable } from "./driver.ts";
import { MAX_VISITOR_ATTRIBUTE_BYTES, MAX_VISITOR_ATTRIBUTES } from "../protocol/limits.ts";
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

/**
 * A condition that holds when `merged` (a jsonb SQL expression: the attributes after a merge)
 * stays within {@link MAX_VISITOR_ATTRIBUTES} keys and {@link MAX_VISITOR_ATTRIBUTE_BYTES} bytes
 * (each key's UTF-8 length plus its value's JSON text). It sits in the WHERE clause of the UPDATE
 * that merges, so the check and the write see the same row version: concurrent merges cannot
 * together overshoot the cap, and a refused merge leaves the stored attributes as they were.
 */
export function attributesFit(merged: string): string {
  return `(SELECT count(*) <= ${MAX_VISITOR_ATTRIBUTES}
      AND COALESCE(sum(octet_length(a.key) + octet_length(a.value::text)), 0)
        <= ${MAX_VISITOR_ATTRIBUTE_BYTES}
    FROM jsonb_each(${merged}) AS a)`;
}

/** The error for a merge {@link attributesFit} refused. */
export function attributesTooLarge(): StoreError {
  return new StoreError(
    "too_large",
    `Visitor attributes would exceed ${MAX_VISITOR_ATTRIBUTES} keys or ` +
      `${MAX_VISITOR_ATTRIBUTE_BYTES} bytes; nothing was stored`,
  );
}

/** See `Store.createVisitor`. Throws `not_found` when the site does not exist. */
export async function createVisitor(db: Queryable, v: NewVisitor): Promise<VisitorRecord> {
  const page = v.page === undefined ? null : JSON.stringify(v.page);
  try {
    const rows = await db.query(
      `INSERT INTO visitors AS v (site_id, name, last_page, pages_visited, referrer, user_agent,
         timezone, locale)
       SELECT $1, $2, p.page,
         CASE WHEN p.page IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(p.page) END,
         $4, $5, $6, $7
       FROM (SELECT $3::text::jsonb AS page) p
       RETURNING ${visitorColumns("v")}`,
      [
        v.siteId,
        v.name,
        page,
        v.referrer ?? null,
        v.userAgent ?? null,
        v.timezone ?? null,
        v.locale ?? null,
      ],
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
 * kept with a null value) in the UPDATE itself, never read and written back, so concurrent merges
 * keep each other's keys; a merge past the total cap is refused whole with `too_large`. A `page`
 * becomes `page`, is appended to `pagesVisited` (the last {@link PAGES_KEPT} kept, oldest first)
 * and bumps `lastSeenAt`.
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
  const where = ["v.id = $1"];
  if (patch.attributes !== undefined) {
    const merged = `v.attributes || ${param(JSON.stringify(patch.attributes))}::text::jsonb`;
    sets.push(`attributes = ${merged}`);
    where.push(attributesFit(merged));
  }
  if (patch.page !== undefined) {
    sets.push(...pageSets(`${param(JSON.stringify(patch.page))}::text::jsonb`));
  }
  const rows = sets.length === 0
    ? await db.query(`SELECT ${visitorColumns("v")} FROM visitors v WHERE v.id = $1`, params)
    : await db.query(
      `UPDATE visitors AS v SET ${sets.join(", ")} WHERE ${where.join(" AND ")} RETURNING ${
        visitorColumns("v")
      }`,
      params,
    );
  if (rows.length === 0) {
    // No row: the visitor is unknown, or the merge did not fit (then nothing was written).
    if (where.length > 1 && (await db.query("SELECT 1 FROM visitors WHERE id = $1", [id])).length) {
      throw attributesTooLarge();
    }
    throw new StoreError("not_found", "Visitor not found");
  }
  return rowToVisitor(rows[0]);
}
