/**
 * Throwaway Postgres databases for tests: each test server or store suite gets its own
 * `parley_test_<random>` database, dropped afterwards, so tests never touch real data.
 *
 * @module
 */

import { createPostgresDb } from "../../db/postgres_driver.ts";

/** The server tests create databases on (`DATABASE_URL`, or the local default). */
export const SERVER_URL = Deno.env.get("DATABASE_URL") || "postgres://postgres@127.0.0.1:5432/test";
/** Under CI a missing Postgres is a failure, never a skip. */
export const IN_CI = Deno.env.get("CI") === "true";

/** True when the Postgres server answers. */
export async function postgresReachable(): Promise<boolean> {
  const db = createPostgresDb(SERVER_URL, { max: 1, connectTimeout: 3 });
  try {
    await db.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await db.close();
  }
}

/** Creates `parley_test_<random>` on the server; `drop` removes it. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `parley_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = createPostgresDb(SERVER_URL, { max: 1 });
  // The name is generated above from hex digits only; identifiers cannot be parameters.
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.close();
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const a = createPostgresDb(SERVER_URL, { max: 1 });
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.close();
      }
    },
  };
}
