/**
 * The audit log: the SQL behind `Store.recordAudit` and `Store.listAudit`. Entries are append
 * only; the one rewrite is an erasure replacing the erased visitor's id (`sql_retention.ts`).
 * Pages go newest first by id, the identity column, so a cursor is exact whatever the clock.
 *
 * @module
 */

import type { AuditDetails, AuditEntry } from "../protocol/api.ts";
import type { Queryable, Row } from "./driver.ts";
import { integer } from "./rows.ts";

/** An entry to record; see {@link AuditEntry}. */
export type AuditInput = Omit<AuditEntry, "id" | "createdAt">;

const COLUMNS = "id, actor_id, actor_email, action, target_id, details, created_at";

function optText(r: Row, col: string): string | null {
  const v = r[col];
  if (v === null || v === undefined) return null;
  if (typeof v !== "string") throw new TypeError(`Column ${col}: unexpected value`);
  return v;
}

function details(v: unknown): AuditDetails {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return {};
  const out: AuditDetails = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || ["string", "number", "boolean"].includes(typeof x)) {
      out[k] = x as string | number | boolean | null;
    } else if (Array.isArray(x) && x.every((s) => typeof s === "string")) out[k] = x;
  }
  return out;
}

function rowToAudit(r: Row): AuditEntry {
  const at = r.created_at;
  return {
    id: integer(r, "id"),
    actorId: optText(r, "actor_id"),
    actorEmail: optText(r, "actor_email"),
    action: String(r.action),
    targetId: optText(r, "target_id"),
    details: details(r.details),
    createdAt: (at instanceof Date ? at : new Date(String(at))).toISOString(),
  };
}

/** See `Store.recordAudit`. */
export async function recordAudit(db: Queryable, e: AuditInput): Promise<AuditEntry> {
  const rows = await db.query(
    `INSERT INTO audit_log (actor_id, actor_email, action, target_id, details)
     VALUES ($1, $2, $3, $4, $5::text::jsonb) RETURNING ${COLUMNS}`,
    [e.actorId, e.actorEmail, e.action, e.targetId, JSON.stringify(e.details)],
  );
  return rowToAudit(rows[0]);
}

/** See `Store.listAudit`. */
export async function listAudit(
  db: Queryable,
  q: { before?: number; limit: number },
): Promise<AuditEntry[]> {
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM audit_log WHERE ($1::integer IS NULL OR id < $1::integer)
     ORDER BY id DESC LIMIT $2`,
    [q.before ?? null, q.limit],
  );
  return rows.map(rowToAudit);
}
