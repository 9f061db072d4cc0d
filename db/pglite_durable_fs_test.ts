/**
 * PGlite commits reach the disk before they are acknowledged: the WAL is synced after each
 * append began and before it resolved, once per group-committed batch, and the data directory
 * is private.
 */

import assert from "node:assert/strict";
import { createPgliteDb } from "./pglite_driver.ts";
import { migrate } from "./migrate.ts";
import { SqlStore } from "./sql_store.ts";

/** A store on a fresh PGlite whose syncs are logged in `events` (`"wal"` or `"other"`). */
async function durableStore(events: string[]) {
  const dir = await Deno.makeTempDir({ prefix: "parley_durable_test_" });
  const db = await createPgliteDb(dir, {
    onSync: (path) => events.push(path.includes("/pg_wal/") ? "wal" : "other"),
  });
  await migrate(db);
  const store = new SqlStore(db);
  return {
    dir,
    store,
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("an acknowledged append has had its WAL synced, one sync per append", async () => {
  const events: string[] = [];
  await using t = await durableStore(events);
  const site = await t.store.upsertSite({ id: "shop", name: "Shop" });
  const v = await t.store.createVisitor({ siteId: site.id, name: "V" });
  for (let i = 0; i < 20; i++) {
    const from = events.length;
    await t.store.appendVisitorMessage({ visitorId: v.id, clientId: `c${i}`, body: `m${i}` });
    assert.deepEqual(events.slice(from), ["wal"], `append ${i} synced the WAL exactly once`);
  }
});

Deno.test("concurrent appends are group-committed: each ack follows a sync, one per batch", async () => {
  const events: string[] = [];
  await using t = await durableStore(events);
  const site = await t.store.upsertSite({ id: "shop", name: "Shop" });
  const visitors = [];
  for (let i = 0; i < 10; i++) {
    const v = await t.store.createVisitor({ siteId: site.id, name: `V${i}` });
    // The first message opens the conversation (a path of its own); the batch follows.
    await t.store.appendVisitorMessage({ visitorId: v.id, clientId: "first", body: "hi" });
    visitors.push(v);
  }
  const from = events.length;
  let unsynced = 0;
  await Promise.all(visitors.flatMap((v) =>
    [0, 1, 2, 3, 4].map(async (k) => {
      const issuedAt = events.length;
      await t.store.appendVisitorMessage({ visitorId: v.id, clientId: `c${k}`, body: `m${k}` });
      if (!events.slice(issuedAt).includes("wal")) unsynced++;
    })
  ));
  const walSyncs = events.slice(from).filter((e) => e === "wal").length;
  assert.equal(unsynced, 0, "every append resolved after a WAL sync that followed its call");
  assert.ok(walSyncs >= 1 && walSyncs <= 5, `50 concurrent appends took ${walSyncs} WAL syncs`);
});

Deno.test("the data directory is private to the server's user", async () => {
  await using t = await durableStore([]);
  assert.equal((await Deno.stat(t.dir)).mode! & 0o777, 0o700);
  assert.equal((await Deno.stat(`${t.dir}/pglite`)).mode! & 0o777, 0o700);
});

Deno.test("an existing world-readable data directory is made private", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parley_durable_test_" });
  await Deno.chmod(dir, 0o755);
  const db = await createPgliteDb(dir);
  try {
    assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
