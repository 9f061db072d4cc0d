/**
 * Contract steps for migrations, settings, sites, agents, sessions, visitors and canned
 * responses. Test-only.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type DbStore, migrate } from "../mod.ts";
import { agent, rejectsWith, site, uid, visitor } from "./fixtures.ts";
import { MAX_VISITOR_ATTRIBUTE_BYTES, MAX_VISITOR_ATTRIBUTES } from "../../protocol/limits.ts";

/** Registers the steps on `t`. */
export async function peopleSteps(t: Deno.TestContext, store: DbStore): Promise<void> {
  await t.step("running migrations again applies nothing", async () => {
    assert.deepEqual(await migrate(store.db), []);
    await store.ping();
  });

  await t.step("setSettingIfAbsent keeps the first writer's value", async () => {
    const key = `k-${uid()}`;
    assert.equal(await store.getSetting(key), null);
    assert.equal(await store.setSettingIfAbsent(key, "first"), "first");
    assert.equal(await store.setSettingIfAbsent(key, "second"), "first");
    const racing = `k-${uid()}`;
    const got = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.setSettingIfAbsent(racing, `v${i}`)),
    );
    assert.equal(new Set(got).size, 1);
    assert.equal(await store.getSetting(racing), got[0]);
  });

  await t.step("upsertSite fills defaults and keeps omitted fields on update", async () => {
    const id = `site-${uid()}`;
    const created = await store.upsertSite({ id, name: "Shop" });
    assert.equal(created.identitySecret.length, 64);
    assert.deepEqual(created.allowedOrigins, []);
    assert.equal(created.requireVerified, false);
    assert.equal(created.autoAssign, false);
    assert.match(created.createdAt, /^\d{4}-\d\d-\d\dT.*Z$/);
    const updated = await store.upsertSite({
      id,
      name: "Shop 2",
      allowedOrigins: ["https://a.example", "https://b.example"],
      autoAssign: true,
    });
    assert.equal(updated.name, "Shop 2");
    assert.equal(updated.identitySecret, created.identitySecret);
    assert.deepEqual(updated.allowedOrigins, ["https://a.example", "https://b.example"]);
    assert.equal(updated.autoAssign, true);
    assert.equal(updated.createdAt, created.createdAt);
    assert.deepEqual(await store.getSite(id), updated);
    assert.equal(await store.getSite(`missing-${uid()}`), null);
  });

  await t.step("createAgent rejects an email differing only in case as conflict", async () => {
    const email = `Ann.${uid()}@Example.com`;
    const ann = await store.createAgent({
      email,
      name: "Ann",
      passwordHash: "h",
      role: "admin",
    });
    assert.equal(ann.capacity, 5);
    assert.equal(ann.disabled, false);
    assert.equal(ann.avatar, null);
    await rejectsWith(
      () =>
        store.createAgent({
          email: email.toUpperCase(),
          name: "X",
          passwordHash: "h",
          role: "agent",
        }),
      "conflict",
    );
    assert.deepEqual(await store.getAgentByEmail(email.toLowerCase()), ann);
    assert.deepEqual(await store.getAgent(ann.id), ann);
    assert.equal(await store.getAgent(crypto.randomUUID()), null);
  });

  await t.step("updateAgent changes only given fields and validates", async () => {
    const a = await agent(store);
    const u = await store.updateAgent(a.id, { avatar: "https://img/a.png", capacity: 2 });
    assert.equal(u.avatar, "https://img/a.png");
    assert.equal(u.capacity, 2);
    assert.equal(u.name, a.name);
    assert.equal((await store.updateAgent(a.id, { avatar: null })).avatar, null);
    assert.deepEqual(await store.updateAgent(a.id, {}), await store.getAgent(a.id));
    await rejectsWith(() => store.updateAgent(crypto.randomUUID(), { name: "x" }), "not_found");
    await rejectsWith(() => store.updateAgent(a.id, { capacity: -1 }), "invalid");
  });

  await t.step("listAgents orders by name and countAgents counts them", async () => {
    const before = await store.countAgents();
    await agent(store, `zz-${uid()}`);
    await agent(store, `aa-${uid()}`);
    const list = await store.listAgents();
    assert.equal(list.length, before + 2);
    assert.equal(await store.countAgents(), before + 2);
    const names = list.map((a) => a.name);
    assert.deepEqual(names, [...names].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  });

  await t.step("getSessionAgent ignores expired sessions and disabled agents", async () => {
    const a = await agent(store);
    const live = `t-${uid()}`;
    const old = `t-${uid()}`;
    await store.createSession({
      tokenHash: live,
      agentId: a.id,
      expiresAt: new Date(Date.now() + 60_000),
    });
    await store.createSession({
      tokenHash: old,
      agentId: a.id,
      expiresAt: new Date(Date.now() - 1000),
    });
    assert.equal((await store.getSessionAgent(live))?.id, a.id);
    assert.equal(await store.getSessionAgent(old), null);
    assert.equal(await store.getSessionAgent("nope"), null);
    await store.updateAgent(a.id, { disabled: true });
    assert.equal(await store.getSessionAgent(live), null);
    await rejectsWith(
      () =>
        store.createSession({
          tokenHash: `t-${uid()}`,
          agentId: crypto.randomUUID(),
          expiresAt: new Date(Date.now() + 1000),
        }),
      "not_found",
    );
  });

  await t.step("deleteSession and deleteAgentSessions revoke sessions", async () => {
    const a = await agent(store);
    const expiresAt = new Date(Date.now() + 60_000);
    const tokens = [`t-${uid()}`, `t-${uid()}`, `t-${uid()}`];
    for (const tokenHash of tokens) {
      await store.createSession({ tokenHash, agentId: a.id, expiresAt });
    }
    await store.deleteSession(tokens[0]);
    assert.equal(await store.getSessionAgent(tokens[0]), null);
    assert.equal(await store.deleteAgentSessions(a.id, tokens[2]), 1, "all but the kept one");
    assert.equal((await store.getSessionAgent(tokens[2]))?.id, a.id);
    assert.equal(await store.deleteAgentSessions(a.id), 1);
    assert.equal(await store.getSessionAgent(tokens[1]), null);
    assert.equal(await store.deleteAgentSessions(a.id), 0);
  });

  await t.step("createVisitor needs an existing site", async () => {
    const s = await site(store);
    const v = await store.createVisitor({ siteId: s.id, name: "Blue Fox" });
    assert.equal(v.siteId, s.id);
    assert.equal(v.name, "Blue Fox");
    assert.deepEqual(v.pagesVisited, []);
    assert.deepEqual(v.attributes, {});
    assert.equal(v.page, null);
    assert.deepEqual(await store.getVisitor(v.id), v);
    assert.equal(await store.getVisitor(crypto.randomUUID()), null);
    await rejectsWith(
      () => store.createVisitor({ siteId: `nope-${uid()}`, name: "x" }),
      "not_found",
    );
  });

  await t.step("createVisitor stores what the first hello told, as an update would", async () => {
    const s = await site(store);
    const page = { url: "https://s/p", title: "Shoes", referrer: "https://search" };
    const seen = { userAgent: "UA/1", timezone: "Europe/Paris", locale: "fr" };
    const created = await store.createVisitor({
      siteId: s.id,
      name: "Red Owl",
      page,
      referrer: page.referrer,
      ...seen,
    });
    const plain = await store.createVisitor({ siteId: s.id, name: "Red Owl" });
    const updated = await store.updateVisitor(plain.id, { page, referrer: page.referrer, ...seen });
    const comparable = (v: typeof created) => ({ ...v, id: "", createdAt: "", lastSeenAt: "" });
    assert.deepEqual(comparable(created), comparable(updated));
    assert.deepEqual(created.pagesVisited, [page]);
    assert.deepEqual(await store.getVisitor(created.id), created);
  });

  await t.step("updateVisitor keeps the last 20 pages and bumps lastSeenAt", async () => {
    const v = await visitor(store);
    let last = v;
    for (let i = 1; i <= 25; i++) {
      last = await store.updateVisitor(v.id, { page: { url: `https://s/${i}`, title: `P${i}` } });
    }
    assert.equal(last.pagesVisited.length, 20);
    assert.equal(last.pagesVisited[0].url, "https://s/6");
    assert.equal(last.pagesVisited[19].url, "https://s/25");
    assert.deepEqual(last.page, { url: "https://s/25", title: "P25" });
    assert.ok(last.lastSeenAt >= v.lastSeenAt);
    const withRef = await store.updateVisitor(v.id, {
      page: { url: "https://s/x", title: "X", referrer: "https://google" },
    });
    assert.deepEqual(withRef.page, { url: "https://s/x", title: "X", referrer: "https://google" });
  });

  await t.step("updateVisitor sets identity fields and merges attributes", async () => {
    const v = await visitor(store);
    await store.updateVisitor(v.id, { attributes: { plan: "pro", seats: 3 } });
    const u = await store.updateVisitor(v.id, {
      name: "Jane",
      email: "jane@example.com",
      verified: true,
      emailVerified: true,
      nameVerified: false,
      externalId: "u-1",
      userAgent: "UA",
      timezone: "Europe/Paris",
      locale: "fr",
      referrer: "https://ref",
      attributes: { seats: 4, vip: true, note: null },
    });
    assert.equal(u.name, "Jane");
    assert.equal(u.email, "jane@example.com");
    assert.equal(u.verified, true);
    assert.deepEqual([u.emailVerified, u.nameVerified], [true, false]);
    assert.equal(u.externalId, "u-1");
    assert.equal(u.timezone, "Europe/Paris");
    assert.deepEqual(u.attributes, { plan: "pro", seats: 4, vip: true, note: null });
    assert.equal((await store.updateVisitor(v.id, { email: null })).email, null);
    await rejectsWith(() => store.updateVisitor(crypto.randomUUID(), { name: "x" }), "not_found");
  });

  await t.step(
    "updateVisitor refuses attributes past the total key cap whole and keeps what is stored",
    async () => {
      const v = await visitor(store);
      const keys = (from: number, n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${from + i}`, from + i]));
      let stored = {};
      for (let from = 0; from < MAX_VISITOR_ATTRIBUTES; from += 25) {
        stored = (await store.updateVisitor(v.id, { attributes: keys(from, 25) })).attributes;
      }
      assert.equal(Object.keys(stored).length, MAX_VISITOR_ATTRIBUTES);
      // One key too many: refused whole, with the other fields of the patch.
      await rejectsWith(
        () => store.updateVisitor(v.id, { name: "Over", attributes: { extra: 1, k0: "changed" } }),
        "too_large",
      );
      const after = await store.getVisitor(v.id);
      assert.deepEqual(after?.attributes, stored);
      assert.notEqual(after?.name, "Over");
      // Changing stored keys stays possible at the cap.
      const changed = await store.updateVisitor(v.id, { attributes: { k0: "changed" } });
      assert.equal(changed.attributes.k0, "changed");
      assert.equal(Object.keys(changed.attributes).length, MAX_VISITOR_ATTRIBUTES);
    },
  );

  await t.step("updateVisitor refuses attributes past the total byte cap", async () => {
    const v = await visitor(store);
    // Each key costs its UTF-8 length plus its value's JSON text ("…" with the quotes).
    const value = "é".repeat(498); // 996 bytes + 2 quotes
    const per = 2 + 998;
    const fit = Math.floor(MAX_VISITOR_ATTRIBUTE_BYTES / per);
    const attrs = Object.fromEntries(
      Array.from({ length: fit }, (_, i) => [String(i).padStart(2, "0"), value]),
    );
    const stored = await store.updateVisitor(v.id, { attributes: attrs });
    assert.equal(Object.keys(stored.attributes).length, fit);
    const left = MAX_VISITOR_ATTRIBUTE_BYTES - fit * per;
    await rejectsWith(
      () => store.updateVisitor(v.id, { attributes: { z: "x".repeat(left) } }),
      "too_large",
    );
    // Exactly at the cap fits: 1 byte of key, 2 quotes.
    const full = await store.updateVisitor(v.id, { attributes: { z: "x".repeat(left - 3) } });
    assert.equal(full.attributes.z, "x".repeat(left - 3));
    assert.deepEqual((await store.getVisitor(v.id))?.attributes, full.attributes);
  });

  await t.step("concurrent attribute merges of one visitor keep every key", async () => {
    const v = await visitor(store);
    const others = await Promise.all([visitor(store), visitor(store)]);
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        // Interleaved with other visitors' updates so batches hold several shapes and ids.
        i % 4 === 3
          ? store.updateVisitor(others[i % 2].id, { attributes: { [`o${i}`]: i } })
          : store.updateVisitor(v.id, { attributes: { [`a${i}`]: i, [`b${i}`]: `${i}` } })),
    );
    assert.ok(results.every((r) => r.status === "fulfilled"));
    const stored = (await store.getVisitor(v.id))?.attributes ?? {};
    assert.equal(Object.keys(stored).length, 60);
    // Past the cap concurrently: exactly the merges that fit are stored, the rest refused.
    const over = await Promise.allSettled(
      Array.from(
        { length: 30 },
        (_, i) => store.updateVisitor(v.id, { attributes: { [`c${i}`]: i, [`d${i}`]: i } }),
      ),
    );
    const refused = over.filter((r) => r.status === "rejected");
    assert.equal(refused.length, 30 - (MAX_VISITOR_ATTRIBUTES - 60) / 2);
    for (const r of refused) assert.equal((r.reason as { code: string }).code, "too_large");
    const final = (await store.getVisitor(v.id))?.attributes ?? {};
    assert.equal(Object.keys(final).length, MAX_VISITOR_ATTRIBUTES);
  });

  await t.step("canned responses: own plus shared, conflicts and delete rights", async () => {
    const ann = await agent(store);
    const bob = await agent(store);
    const admin = await agent(store, `Admin ${uid()}`, "admin");
    const mine = await store.createCanned({
      agentId: ann.id,
      shared: false,
      shortcut: "hi",
      body: "Hello!",
    });
    const shared = await store.createCanned({
      agentId: ann.id,
      shared: true,
      shortcut: `bye${uid()}`,
      body: "Bye",
    });
    assert.equal(mine.agentId, ann.id);
    assert.equal(shared.agentId, null);
    await rejectsWith(
      () => store.createCanned({ agentId: ann.id, shared: false, shortcut: "HI", body: "x" }),
      "conflict",
    );
    await rejectsWith(
      () =>
        store.createCanned({ agentId: bob.id, shared: true, shortcut: shared.shortcut, body: "x" }),
      "conflict",
    );
    // Another agent may reuse a shortcut for their own response.
    await store.createCanned({ agentId: bob.id, shared: false, shortcut: "hi", body: "Hey" });
    const annList = (await store.listCanned(ann.id)).map((c) => c.id);
    assert.ok(annList.includes(mine.id) && annList.includes(shared.id));
    assert.ok(!(await store.listCanned(bob.id)).some((c) => c.id === mine.id));
    assert.equal(await store.deleteCanned(mine.id, bob.id, false), false);
    assert.equal(await store.deleteCanned(shared.id, ann.id, false), false);
    assert.equal(await store.deleteCanned(mine.id, admin.id, true), false);
    assert.equal(await store.deleteCanned(shared.id, admin.id, true), true);
    assert.equal(await store.deleteCanned(mine.id, ann.id, false), true);
    assert.equal(await store.deleteCanned(mine.id, ann.id, false), false);
  });
}
