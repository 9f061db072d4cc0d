/**
 * Settings, agents, sessions and canned responses: the SQL behind those `Store` methods (sites
 * are in `sql_sites.ts`).
 *
 * @module
 */

import {
  type AgentPatch,
  type AgentRecord,
  type CannedResponse,
  type NewAgent,
  StoreError,
} from "./store.ts";
import {
  CHECK_VIOLATION,
  FOREIGN_KEY_VIOLATION,
  isDbError,
  type Queryable,
  UNIQUE_VIOLATION,
} from "./driver.ts";
import { agentColumns, cannedColumns, integer, rowToAgent, rowToCanned, text } from "./rows.ts";

/** Rethrows constraint violations as `StoreError`s; other errors unchanged. */
export function constraintError(err: unknown, what: string): unknown {
  if (isDbError(err, UNIQUE_VIOLATION)) return new StoreError("conflict", `${what} already exists`);
  if (isDbError(err, FOREIGN_KEY_VIOLATION)) {
    return new StoreError("not_found", `${what} refers to a missing row`);
  }
  if (isDbError(err, CHECK_VIOLATION)) {
    return new StoreError("invalid", `${what} has an invalid value`);
  }
  return err;
}

// --- settings -------------------------------------------------------------------------------

/** See `Store.getSetting`. */
export async function getSetting(db: Queryable, key: string): Promise<string | null> {
  const rows = await db.query("SELECT value FROM settings WHERE key = $1", [key]);
  return rows.length === 0 ? null : text(rows[0], "value");
}

/** See `Store.setSettingIfAbsent`. */
export async function setSettingIfAbsent(
  db: Queryable,
  key: string,
  value: string,
): Promise<string> {
  const rows = await db.query(
    "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING value",
    [key, value],
  );
  if (rows.length > 0) return text(rows[0], "value");
  // Another writer won; a new statement sees its committed row.
  const stored = await getSetting(db, key);
  if (stored === null) throw new StoreError("conflict", "Setting was deleted concurrently");
  return stored;
}

// --- agents ---------------------------------------------------------------------------------

/** See `Store.createAgent`. */
export async function createAgent(db: Queryable, agent: NewAgent): Promise<AgentRecord> {
  try {
    const rows = await db.query(
      `INSERT INTO agents AS a (email, name, password_hash, role, capacity, sites)
       VALUES ($1, $2, $3, $4, COALESCE($5::int, 5), COALESCE($6::text[], '{}'))
       RETURNING ${agentColumns("a")}`,
      [
        agent.email,
        agent.name,
        agent.passwordHash,
        agent.role,
        agent.capacity ?? null,
        agent.sites ?? null,
      ],
    );
    return rowToAgent(rows[0]);
  } catch (err) {
    throw constraintError(err, "Agent email");
  }
}

/** Patchable agent fields and their columns; the SQL is built only from these constants. */
const AGENT_PATCH_COLUMNS = {
  name: "name",
  avatar: "avatar",
  role: "role",
  disabled: "disabled",
  capacity: "capacity",
  sites: "sites",
  passwordHash: "password_hash",
} as const satisfies Record<keyof AgentPatch, string>;

/** Parameters that need a type the driver cannot infer from the value (an array of text). */
const AGENT_PATCH_CASTS: Partial<Record<keyof AgentPatch, string>> = { sites: "::text[]" };

/** See `Store.updateAgent`. */
export async function updateAgent(
  db: Queryable,
  id: string,
  patch: AgentPatch,
): Promise<AgentRecord> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const key of Object.keys(AGENT_PATCH_COLUMNS) as (keyof AgentPatch)[]) {
    if (patch[key] === undefined) continue;
    params.push(patch[key]);
    sets.push(`${AGENT_PATCH_COLUMNS[key]} = $${params.length}${AGENT_PATCH_CASTS[key] ?? ""}`);
  }
  try {
    const rows = sets.length === 0
      ? await db.query(`SELECT ${agentColumns("a")} FROM agents a WHERE a.id = $1`, params)
      : await db.query(
        `UPDATE agents AS a SET ${sets.join(", ")} WHERE a.id = $1 RETURNING ${agentColumns("a")}`,
        params,
      );
    if (rows.length === 0) throw new StoreError("not_found", "Agent not found");
    return rowToAgent(rows[0]);
  } catch (err) {
    throw constraintError(err, "Agent");
  }
}

/** See `Store.getAgentByEmail`. */
export async function getAgentByEmail(db: Queryable, email: string): Promise<AgentRecord | null> {
  const rows = await db.query(
    `SELECT ${agentColumns("a")} FROM agents a WHERE lower(a.email) = lower($1)`,
    [email],
  );
  return rows.length === 0 ? null : rowToAgent(rows[0]);
}

/** See `Store.listAgents`. */
export async function listAgents(db: Queryable): Promise<AgentRecord[]> {
  const rows = await db.query(
    `SELECT ${agentColumns("a")} FROM agents a ORDER BY a.name, a.created_at, a.id`,
  );
  return rows.map((r) => rowToAgent(r));
}

/** See `Store.countAgents`. */
export async function countAgents(db: Queryable): Promise<number> {
  const rows = await db.query("SELECT count(*)::int AS n FROM agents");
  return integer(rows[0], "n");
}

// --- sessions -------------------------------------------------------------------------------

/** See `Store.createSession`. Also purges the agent's expired sessions. */
export async function createSession(
  db: Queryable,
  s: { tokenHash: string; agentId: string; expiresAt: Date },
): Promise<void> {
  try {
    await db.query(
      `WITH purged AS (
         DELETE FROM agent_sessions WHERE agent_id = $2 AND expires_at <= now()
       )
       INSERT INTO agent_sessions (token_hash, agent_id, expires_at)
       VALUES ($1, $2, $3::text::timestamptz)`,
      [s.tokenHash, s.agentId, s.expiresAt.toISOString()],
    );
  } catch (err) {
    throw constraintError(err, "Session");
  }
}

/** See `Store.getSessionAgent`. */
export async function getSessionAgent(
  db: Queryable,
  tokenHash: string,
): Promise<AgentRecord | null> {
  const rows = await db.query(
    `SELECT ${agentColumns("a")} FROM agent_sessions s JOIN agents a ON a.id = s.agent_id
     WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT a.disabled`,
    [tokenHash],
  );
  return rows.length === 0 ? null : rowToAgent(rows[0]);
}

/** See `Store.deleteSession`. */
export async function deleteSession(db: Queryable, tokenHash: string): Promise<void> {
  await db.query("DELETE FROM agent_sessions WHERE token_hash = $1", [tokenHash]);
}

/** See `Store.deleteAgentSessions`. */
export async function deleteAgentSessions(
  db: Queryable,
  agentId: string,
  exceptHash?: string,
): Promise<number> {
  // `IS DISTINCT FROM` with a null parameter keeps nothing: every session goes.
  const rows = await db.query(
    `WITH d AS (
       DELETE FROM agent_sessions WHERE agent_id = $1 AND token_hash IS DISTINCT FROM $2
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM d`,
    [agentId, exceptHash ?? null],
  );
  return integer(rows[0], "n");
}

// --- canned responses -----------------------------------------------------------------------

/** See `Store.listCanned`: the agent's own first, then shared, each by shortcut. */
export async function listCanned(db: Queryable, agentId: string): Promise<CannedResponse[]> {
  const rows = await db.query(
    `SELECT ${cannedColumns("k")} FROM canned_responses k
     WHERE k.agent_id = $1 OR k.agent_id IS NULL
     ORDER BY lower(k.shortcut), k.agent_id NULLS LAST`,
    [agentId],
  );
  return rows.map((r) => rowToCanned(r));
}

/** See `Store.createCanned`. Shortcuts are compared case-insensitively. */
export async function createCanned(
  db: Queryable,
  c: { agentId: string; shared: boolean; shortcut: string; body: string },
): Promise<CannedResponse> {
  try {
    const rows = await db.query(
      `INSERT INTO canned_responses AS k (agent_id, shortcut, body) VALUES ($1, $2, $3)
       RETURNING ${cannedColumns("k")}`,
      [c.shared ? null : c.agentId, c.shortcut, c.body],
    );
    return rowToCanned(rows[0]);
  } catch (err) {
    throw constraintError(err, "Canned response shortcut");
  }
}

/** See `Store.deleteCanned`. */
export async function deleteCanned(
  db: Queryable,
  id: string,
  agentId: string,
  isAdmin: boolean,
): Promise<boolean> {
  const rows = await db.query(
    `DELETE FROM canned_responses
     WHERE id = $1 AND (agent_id = $2 OR (agent_id IS NULL AND $3::boolean))
     RETURNING id`,
    [id, agentId, isAdmin],
  );
  return rows.length > 0;
}
