import assert from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
import { PgliteStatements } from "./pglite_prepared.ts";
import { createPgliteDb } from "./pglite_driver.ts";

const SAMPLE = `SELECT $1::text AS t, $2::int AS i, $3::boolean AS b, $4::text[] AS a,
  $5::text::jsonb AS j, $6::text::timestamptz AS ts, $7::text AS n, now() IS NOT NULL AS ok`;
const PARAMS = [
  'it\'s "quoted"',
  42,
  true,
  ["a", "b,c", 'd"e', null],
  JSON.stringify({ x: [1, "y"] }),
  "2026-01-02T03:04:05.678Z",
  null,
];

Deno.test("PgliteStatements returns the same values as PGlite.query, run after run", async () => {
  await using pg = await PGlite.create();
  const statements = new PgliteStatements(pg);
  const expected = (await pg.query(SAMPLE, PARAMS)).rows;
  assert.deepEqual(await statements.query(SAMPLE, PARAMS), expected);
  assert.deepEqual(await statements.query(SAMPLE, PARAMS), expected);
  assert.deepEqual(await statements.query("SELECT 1 AS one WHERE false", []), []);
});

Deno.test("PgliteStatements reports errors with their SQLSTATE and keeps working", async () => {
  await using pg = await PGlite.create();
  const statements = new PgliteStatements(pg);
  await pg.exec("CREATE TABLE t (id int PRIMARY KEY)");
  const insert = "INSERT INTO t (id) VALUES ($1) RETURNING id";
  assert.deepEqual(await statements.query(insert, [1]), [{ id: 1 }]);
  await assert.rejects(() => statements.query(insert, [1]), { code: "23505" });
  await assert.rejects(() => statements.query("SELEC 1", []), { code: "42601" });
  assert.deepEqual(await statements.query(insert, [2]), [{ id: 2 }]);
});

Deno.test("PGlite driver never runs a statement inside another caller's transaction", async () => {
  const dir = await Deno.makeTempDir();
  const db = await createPgliteDb(dir);
  try {
    await db.exec("CREATE TABLE t (id int PRIMARY KEY)");
    let outside: Promise<unknown> | null = null;
    await assert.rejects(() =>
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO t (id) VALUES (1)");
        outside = db.query("INSERT INTO t (id) VALUES (2)");
        await new Promise((r) => setTimeout(r, 20));
        throw new Error("roll back");
      })
    );
    await outside;
    assert.deepEqual(await db.query("SELECT id FROM t ORDER BY id"), [{ id: 2 }]);
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
