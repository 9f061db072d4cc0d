/**
 * Schema migrations: the `NNNN_name.sql` files of `db/migrations/`, applied in name order and
 * recorded in `schema_migrations`. Safe when several instances start at once: everything runs
 * in one transaction holding a transaction-scoped advisory lock, so a second instance waits,
 * then sees the versions the first recorded and applies nothing.
 *
 * @module
 */

import type { Db, Queryable } from "./driver.ts";

/** One migration file. */
export interface Migration {
  /** File name, e.g. `0001_init.sql`; also the recorded version. */
  name: string;
  /** The SQL script. */
  sql: string;
  /** SHA-256 hex of the script, to detect edits to an applied migration. */
  checksum: string;
}

/** Arbitrary constant key of the advisory lock that serializes migrations ("parley" in ASCII). */
const MIGRATION_LOCK_KEY = "112971129108101121";

const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;

/** The folder holding the bundled migrations (works wherever the module's files are deployed). */
export const MIGRATIONS_DIR: URL = new URL("./migrations/", import.meta.url);

async function sha256Hex(text: string): Promise<string> {
  // Line endings are normalized so a checkout with CRLF does not look like an edited file.
  const normalized = text.replace(/\r\n/g, "\n");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(normalized));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads the `NNNN_name.sql` files of `dir`, sorted by name. Other files are ignored. */
export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && MIGRATION_FILE.test(entry.name)) names.push(entry.name);
  }
  names.sort();
  return await Promise.all(names.map(async (name) => {
    const sql = await Deno.readTextFile(new URL(name, dir));
    return { name, sql, checksum: await sha256Hex(sql) };
  }));
}

/**
 * Applies the migrations not yet recorded, in order, and returns their names. Throws when an
 * applied migration's file has since changed (fix forward with a new file instead).
 */
export async function migrate(db: Db, migrations?: Migration[]): Promise<string[]> {
  const files = migrations ?? await loadMigrations();
  return await db.transaction(async (tx) => {
    // The key is a constant literal, not user data. The lock is released at COMMIT/ROLLBACK.
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await tx.query("SELECT version, checksum FROM schema_migrations");
    const applied = new Map(rows.map((r) => [String(r.version), String(r.checksum)]));
    const done: string[] = [];
    for (const m of files) {
      const checksum = applied.get(m.name);
      if (checksum !== undefined) {
        if (checksum !== m.checksum) {
          throw new Error(`Migration ${m.name} was edited after it was applied`);
        }
        continue;
      }
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", [
        m.name,
        m.checksum,
      ]);
      done.push(m.name);
    }
    return done;
  });
}

/** One applied migration, as {@link migrationStatus} reports it. */
export interface AppliedMigration {
  /** The recorded version (file name). */
  name: string;
  /** When it was applied, ISO 8601. */
  appliedAt: string;
  /** True when its file has changed since (or is missing: a newer release applied it). */
  changed: boolean;
}

/** What {@link migrationStatus} finds: the applied migrations, and the files not applied yet. */
export interface MigrationStatus {
  applied: AppliedMigration[];
  /** Names of the migration files not recorded yet, in the order `migrate` would apply them. */
  pending: string[];
}

/**
 * Reads which migrations are applied and which are pending, without applying or creating
 * anything (a database never migrated has every file pending). An applied version with no file
 * here was applied by a newer release: it is listed with `changed: true`.
 */
export async function migrationStatus(
  db: Queryable,
  migrations?: Migration[],
): Promise<MigrationStatus> {
  const files = migrations ?? await loadMigrations();
  const [{ present }] = await db.query(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  const rows = present === true
    ? await db.query(
      "SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version",
    )
    : [];
  const byName = new Map(files.map((m) => [m.name, m.checksum]));
  const applied = rows.map((r) => ({
    name: String(r.version),
    appliedAt: r.applied_at instanceof Date ? r.applied_at.toISOString() : String(r.applied_at),
    changed: byName.get(String(r.version)) !== String(r.checksum),
  }));
  const done = new Set(applied.map((a) => a.name));
  return { applied, pending: files.filter((m) => !done.has(m.name)).map((m) => m.name) };
}
