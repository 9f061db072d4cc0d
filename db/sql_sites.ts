/**
 * Sites: the SQL behind the site methods of `Store`. A site's widget settings live in one jsonb
 * column holding the fields an admin set; `rows.ts` merges them over the defaults on read.
 *
 * A conversation belongs to the site of its visitor, so conversations are counted through
 * `visitors` (indexed by site) and `conversations.visitor_id` (indexed): an index on
 * `conversations.site_id` would cost a write on every message (each bumps `updated_at`) for a
 * count only admins ask for.
 *
 * @module
 */

import { type NewSite, type Site, type SitePatch, StoreError } from "./store.ts";
import type { Queryable } from "./driver.ts";
import { integer, rowToSite, siteColumns, text } from "./rows.ts";
import { constraintError } from "./sql_agents.ts";

/** A random 256-bit identity secret, hex. */
function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** See `Store.upsertSite`. A new site without `identitySecret` gets a random 256-bit one. */
export async function upsertSite(
  db: Queryable,
  site: Pick<Site, "id" | "name"> & Partial<Omit<Site, "id" | "name" | "createdAt">>,
): Promise<Site> {
  const rows = await db.query(
    `INSERT INTO sites AS s (id, name, identity_secret, allowed_origins, require_verified,
       auto_assign, settings)
     VALUES ($1, $2, COALESCE($3, $7), COALESCE($4::text[], '{}'), COALESCE($5, false),
       COALESCE($6, false), COALESCE($8::text::jsonb, '{}'))
     ON CONFLICT (id) DO UPDATE SET
       name = EXCLUDED.name,
       identity_secret = COALESCE($3, s.identity_secret),
       allowed_origins = COALESCE($4::text[], s.allowed_origins),
       require_verified = COALESCE($5, s.require_verified),
       auto_assign = COALESCE($6, s.auto_assign),
       settings = COALESCE($8::text::jsonb, s.settings)
     RETURNING ${siteColumns("s")}`,
    [
      site.id,
      site.name,
      site.identitySecret ?? null,
      site.allowedOrigins ?? null,
      site.requireVerified ?? null,
      site.autoAssign ?? null,
      randomSecret(),
      site.settings === undefined ? null : JSON.stringify(site.settings),
    ],
  );
  return rowToSite(rows[0]);
}

/** See `Store.createSite`. */
export async function createSite(db: Queryable, site: NewSite): Promise<Site> {
  try {
    const rows = await db.query(
      `INSERT INTO sites AS s (id, name, identity_secret, allowed_origins, require_verified,
         auto_assign, settings, retention_days, sender_name, reply_to, notification_email)
       VALUES ($1, $2, $3, $4::text[], $5, $6, $7::text::jsonb, $8::integer, $9, $10, $11)
       RETURNING ${siteColumns("s")}`,
      [
        site.id,
        site.name,
        site.identitySecret ?? randomSecret(),
        site.allowedOrigins ?? [],
        site.requireVerified ?? false,
        site.autoAssign ?? false,
        JSON.stringify(site.settings ?? {}),
        site.retentionDays ?? null,
        site.senderName ?? null,
        site.replyTo ?? null,
        site.notificationEmail ?? null,
      ],
    );
    return rowToSite(rows[0]);
  } catch (err) {
    throw constraintError(err, `Site ${site.id}`);
  }
}

/** Patchable site fields and their columns; the SQL is built only from these constants. */
const SITE_PATCH_COLUMNS = {
  name: "name",
  allowedOrigins: "allowed_origins",
  requireVerified: "require_verified",
  autoAssign: "auto_assign",
  retentionDays: "retention_days",
  senderName: "sender_name",
  replyTo: "reply_to",
  notificationEmail: "notification_email",
} as const satisfies Record<Exclude<keyof SitePatch, "settings">, string>;

/** See `Store.updateSite`. Settings are merged in SQL, so concurrent edits of other fields stay. */
export async function updateSite(db: Queryable, id: string, patch: SitePatch): Promise<Site> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const key of Object.keys(SITE_PATCH_COLUMNS) as (keyof typeof SITE_PATCH_COLUMNS)[]) {
    if (patch[key] === undefined) continue;
    params.push(patch[key]);
    sets.push(`${SITE_PATCH_COLUMNS[key]} = $${params.length}`);
  }
  if (patch.settings !== undefined) {
    params.push(JSON.stringify(patch.settings));
    sets.push(`settings = s.settings || $${params.length}::text::jsonb`);
  }
  const rows = sets.length === 0
    ? await db.query(`SELECT ${siteColumns("s")} FROM sites s WHERE s.id = $1`, params)
    : await db.query(
      `UPDATE sites AS s SET ${sets.join(", ")} WHERE s.id = $1 RETURNING ${siteColumns("s")}`,
      params,
    );
  if (rows.length === 0) throw new StoreError("not_found", "Site not found");
  return rowToSite(rows[0]);
}

/**
 * See `Store.deleteSite`. One statement counts and deletes, so an unforced delete never removes
 * a conversation it did not count; the cascade (`ON DELETE CASCADE` from `sites`) takes the
 * site's visitors, their conversations and the messages with them.
 */
export async function deleteSite(
  db: Queryable,
  id: string,
  opts: { force: boolean },
): Promise<void> {
  const rows = await db.query(
    `WITH n AS (
       SELECT count(*)::int AS n FROM visitors v JOIN conversations c ON c.visitor_id = v.id
       WHERE v.site_id = $1
     ), d AS (
       DELETE FROM sites WHERE id = $1 AND ($2::boolean OR (SELECT n FROM n) = 0) RETURNING id
     )
     SELECT EXISTS (SELECT 1 FROM sites WHERE id = $1) AS present,
       EXISTS (SELECT 1 FROM d) AS deleted, (SELECT n FROM n) AS n`,
    [id, opts.force],
  );
  const row = rows[0];
  if (row.deleted === true) return;
  if (row.present !== true) throw new StoreError("not_found", "Site not found");
  const n = integer(row, "n");
  throw new StoreError(
    "conflict",
    `Site ${id} has ${n} conversation${n === 1 ? "" : "s"}; delete with force to remove them too`,
  );
}

/** See `Store.rotateIdentitySecret`. */
export async function rotateIdentitySecret(db: Queryable, id: string): Promise<string> {
  const rows = await db.query(
    "UPDATE sites SET identity_secret = $2 WHERE id = $1 RETURNING identity_secret",
    [id, randomSecret()],
  );
  if (rows.length === 0) throw new StoreError("not_found", "Site not found");
  return text(rows[0], "identity_secret");
}

/** See `Store.listSites`. */
export async function listSites(db: Queryable): Promise<Site[]> {
  const rows = await db.query(`SELECT ${siteColumns("s")} FROM sites s ORDER BY s.name, s.id`);
  return rows.map((r) => rowToSite(r));
}

/** See `Store.getSite`. */
export async function getSite(db: Queryable, id: string): Promise<Site | null> {
  const rows = await db.query(`SELECT ${siteColumns("s")} FROM sites s WHERE s.id = $1`, [id]);
  return rows.length === 0 ? null : rowToSite(rows[0]);
}

/** See `Store.countSiteConversations`. */
export async function countSiteConversations(db: Queryable, id: string): Promise<number> {
  const rows = await db.query(
    `SELECT count(*)::int AS n FROM visitors v JOIN conversations c ON c.visitor_id = v.id
     WHERE v.site_id = $1`,
    [id],
  );
  return integer(rows[0], "n");
}

/** See `Store.siteConversationCounts`. */
export async function siteConversationCounts(db: Queryable): Promise<Map<string, number>> {
  const rows = await db.query(
    `SELECT v.site_id, count(*)::int AS n FROM visitors v JOIN conversations c
       ON c.visitor_id = v.id
     GROUP BY v.site_id`,
  );
  return new Map(rows.map((r) => [text(r, "site_id"), integer(r, "n")]));
}
