/**
 * The store contract suite, run against both backends: PGlite in a temporary directory and a
 * fresh Postgres database created (and dropped) per run.
 *
 * Postgres: `DATABASE_URL` names the server (default `postgres://postgres@127.0.0.1:5432/test`);
 * the suite connects there only to create and drop `parley_test_<random>`. When the server is
 * unreachable the Postgres variant is skipped with a message, except under `CI=true`, where it
 * fails.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  createStore,
  type DbStore,
  loadMigrations,
  migrate,
  StoreError,
  StoreUnavailableError,
} from "./mod.ts";
import { createPostgresDb } from "./postgres_driver.ts";
import { createPgliteDb } from "./pglite_driver.ts";
import { contractSteps } from "./testing/contract.ts";
import { freshDatabase, IN_CI, postgresReachable, SERVER_URL } from "../tests/helpers/database.ts";

const postgresUp = await postgresReachable();
if (!postgresUp && !IN_CI) {
  console.warn(
    `Postgres is not reachable at ${new URL(SERVER_URL).host}: skipping the Postgres store ` +
      "tests (set DATABASE_URL, or CI=true to make this a failure)",
  );
}

Deno.test({
  name: "Store contract on PGlite",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "parley_store_test_" });
    const store = await createStore({ dataDir: dir });
    try {
      assert.equal(store.backend, "pglite");
      await contractSteps(t, store);
    } finally {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "Store contract on Postgres",
  ignore: !postgresUp && !IN_CI,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    if (!postgresUp) throw new Error(`Postgres is not reachable at ${new URL(SERVER_URL).host}`);
    const fresh = await freshDatabase();
    try {
      await t.step("two instances migrating a fresh database at once both succeed", async () => {
        const a = createPostgresDb(fresh.url, { max: 2 });
        const b = createPostgresDb(fresh.url, { max: 2 });
        try {
          const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
          const all = (await loadMigrations()).map((m) => m.name);
          assert.deepEqual([...ra, ...rb].sort(), all.sort());
          const rows = await a.query("SELECT count(*)::int AS n FROM schema_migrations");
          assert.equal(rows[0].n, all.length);
        } finally {
          await a.close();
          await b.close();
        }
      });
      const store = await createStore({ databaseUrl: fresh.url, dataDir: "unused" });
      try {
        assert.equal(store.backend, "postgres");
        await contractSteps(t, store);
        await t.step(
          "a killed connection is StoreUnavailableError and the pool recovers",
          async () => {
            const other = await createStore({
              databaseUrl: fresh.url,
              dataDir: "unused",
              poolSize: 1,
            });
            try {
              const [{ pid }] = await other.db.query("SELECT pg_backend_pid() AS pid");
              const sleeping = other.db.query("SELECT pg_sleep(10)");
              const killed = assert.rejects(sleeping, StoreUnavailableError);
              await new Promise((r) => setTimeout(r, 200));
              await store.db.query("SELECT pg_terminate_backend($1)", [pid]);
              await killed;
              // The pool replaces the dead connection; allow it a moment, as a caller's retry
              // would.
              let recovered = false;
              for (let i = 0; i < 20 && !recovered; i++) {
                recovered = await other.ping().then(() => true, () => false);
                if (!recovered) await new Promise((r) => setTimeout(r, 50));
              }
              assert.ok(recovered, "the pool did not recover after its connection was killed");
            } finally {
              await other.close();
            }
          },
        );
        await t.step("a closed store fails with StoreUnavailableError", async () => {
          const other = await createStore({ databaseUrl: fresh.url, dataDir: "unused" });
          await other.close();
          await assert.rejects(() => other.getSetting("x"), StoreUnavailableError);
        });
      } finally {
        await store.close();
      }
    } finally {
      await fresh.drop();
    }
  },
});

Deno.test("createStore on a refused Postgres port throws StoreUnavailableError", async () => {
  await assert.rejects(
    () => createStore({ databaseUrl: "postgres://postgres@127.0.0.1:1/none", dataDir: "unused" }),
    (err: unknown) => {
      assert.ok(err instanceof StoreUnavailableError);
      assert.ok(!(err instanceof StoreError));
      return true;
    },
  );
});

Deno.test({
  name: "PGlite keeps data across reopen and refuses a second opener of its directory",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "parley_pglite_test_" });
    try {
      const first: DbStore = await createStore({ dataDir: dir });
      try {
        await first.setSettingIfAbsent("k", "v1");
        await assert.rejects(() => createPgliteDb(dir), StoreUnavailableError);
      } finally {
        await first.close();
      }
      await assert.rejects(() => first.getSetting("k"), StoreUnavailableError);
      const again = await createStore({ dataDir: dir });
      try {
        assert.equal(await again.getSetting("k"), "v1");
        assert.deepEqual(await migrate(again.db), []);
      } finally {
        await again.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
