/**
 * API tokens of the public REST API (`/api/v1`, docs/api.md): create, list, read for
 * verification, note their use, revoke. Only the SHA-256 of a token's secret is stored, and it
 * leaves this module only through {@link getApiTokenSecret}, which verification alone calls.
 *
 * @module
 */

import type { ApiTokenRecord, NewApiToken } from "./store.ts";
import type { Queryable } from "./driver.ts";
import { apiTokenColumns, rowToApiToken, text } from "./rows.ts";

/** See `Store.createApiToken`. */
export async function createApiToken(db: Queryable, t: NewApiToken): Promise<ApiTokenRecord> {
  const rows = await db.query(
    `INSERT INTO api_tokens AS t (id, name, scope, sites, secret_hash, created_by)
     VALUES ($1, $2, $3, $4::text[], $5, $6)
     RETURNING ${apiTokenColumns("t")}`,
    [t.id, t.name, t.scope, [...t.sites], t.secretHash, t.createdBy],
  );
  return rowToApiToken(rows[0]);
}

/** See `Store.listApiTokens`. */
export async function listApiTokens(db: Queryable): Promise<ApiTokenRecord[]> {
  const rows = await db.query(
    `SELECT ${apiTokenColumns("t")} FROM api_tokens t WHERE t.revoked_at IS NULL
     ORDER BY t.created_at DESC, t.id`,
  );
  return rows.map((r) => rowToApiToken(r));
}

/** See `Store.getApiTokenSecret`. */
export async function getApiTokenSecret(
  db: Queryable,
  id: string,
): Promise<{ token: ApiTokenRecord; secretHash: string } | null> {
  const rows = await db.query(
    `SELECT ${apiTokenColumns("t")}, t.secret_hash FROM api_tokens t
     WHERE t.id = $1 AND t.revoked_at IS NULL`,
    [id],
  );
  const row = rows[0];
  return row === undefined
    ? null
    : { token: rowToApiToken(row), secretHash: text(row, "secret_hash") };
}

/** See `Store.touchApiToken`: a no-op within a minute of the last recorded use. */
export async function touchApiToken(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE api_tokens SET last_used_at = now()
     WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [id],
  );
}

/** See `Store.revokeApiToken`. */
export async function revokeApiToken(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query(
    "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id",
    [id],
  );
  return rows.length > 0;
}
