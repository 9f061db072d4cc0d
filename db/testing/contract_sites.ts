/**
 * Contract steps for sites: creation, patches of fields and widget settings, the identity
 * secret's rotation, conversation counts and deletion (refused while conversations exist unless
 * forced). Test-only.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DbStore } from "../mod.ts";
import { type BusinessHours, DEFAULT_WIDGET_SETTINGS } from "../../protocol/site_settings.ts";
import { rejectsWith, say, uid } from "./fixtures.ts";

/** Registers the steps on `t`. */
export async function siteSteps(t: Deno.TestContext, store: DbStore): Promise<void> {
  await t.step("createSite fills defaults and refuses a taken id as conflict", async () => {
    const id = `site-${uid()}`;
    const created = await store.createSite({ id, name: "Shop" });
    assert.match(created.identitySecret, /^[0-9a-f]{64}$/);
    assert.deepEqual(created.allowedOrigins, []);
    assert.equal(created.requireVerified, false);
    assert.equal(created.autoAssign, false);
    assert.deepEqual(created.settings, DEFAULT_WIDGET_SETTINGS);
    assert.deepEqual(await store.getSite(id), created);
    await rejectsWith(() => store.createSite({ id, name: "Other" }), "conflict");
    assert.equal((await store.getSite(id))?.name, "Shop");
  });

  await t.step("createSite keeps the given settings over the defaults", async () => {
    const id = `site-${uid()}`;
    const hours: BusinessHours = { timezone: "Europe/Paris", days: { mon: [["09:00", "17:30"]] } };
    const created = await store.createSite({
      id,
      name: "Boutique",
      allowedOrigins: ["https://shop.example"],
      requireVerified: true,
      autoAssign: true,
      settings: {
        color: "#ffd43b",
        greeting: { en: "Hi!", fr: "Bonjour !" },
        locale: "fr",
        businessHours: hours,
      },
    });
    assert.deepEqual(created.allowedOrigins, ["https://shop.example"]);
    assert.equal(created.requireVerified, true);
    assert.equal(created.autoAssign, true);
    assert.deepEqual(created.settings, {
      ...DEFAULT_WIDGET_SETTINGS,
      color: "#ffd43b",
      greeting: { en: "Hi!", fr: "Bonjour !" },
      locale: "fr",
      businessHours: hours,
    });
    const listed = (await store.listSites()).find((s) => s.id === id);
    assert.deepEqual(listed, created);
  });

  await t.step("updateSite patches fields, merges settings and is read back at once", async () => {
    const id = `site-${uid()}`;
    await store.createSite({ id, name: "Shop", settings: { color: "#112233", greeting: "Hi" } });
    // Fill this instance's cache first: the update must not be hidden behind it.
    assert.equal((await store.getSite(id))?.settings.color, "#112233");
    const updated = await store.updateSite(id, {
      name: "Shop 2",
      allowedOrigins: ["https://a.example"],
      settings: { color: "#445566", teamName: "Ann & Bob", greeting: null },
    });
    assert.equal(updated.name, "Shop 2");
    assert.deepEqual(updated.allowedOrigins, ["https://a.example"]);
    assert.equal(updated.settings.color, "#445566");
    assert.equal(updated.settings.teamName, "Ann & Bob");
    assert.equal(updated.settings.greeting, null);
    assert.equal(updated.settings.position, DEFAULT_WIDGET_SETTINGS.position);
    assert.deepEqual(await store.getSite(id), updated);
    const again = await store.updateSite(id, { settings: { position: "left" } });
    assert.equal(again.settings.color, "#445566", "a settings patch keeps the other settings");
    assert.equal(again.settings.position, "left");
    assert.deepEqual(await store.updateSite(id, {}), again);
    await rejectsWith(() => store.updateSite(`missing-${uid()}`, { name: "x" }), "not_found");
  });

  await t.step("getSite reuses a cached read unless asked for a fresh one", async () => {
    const id = `site-${uid()}`;
    await store.createSite({ id, name: "Before" });
    assert.equal((await store.getSite(id))?.name, "Before");
    // Another instance's write, which this store's cache cannot know about.
    await store.db.query("UPDATE sites SET name = 'After' WHERE id = $1", [id]);
    assert.equal((await store.getSite(id))?.name, "Before", "within SITE_TTL_MS, cached");
    assert.equal((await store.getSite(id, { fresh: true }))?.name, "After");
    assert.equal((await store.getSite(id))?.name, "After", "a fresh read refreshes the cache");
  });

  await t.step("rotateIdentitySecret stores and returns a new secret", async () => {
    const id = `site-${uid()}`;
    const before = await store.createSite({ id, name: "Shop" });
    assert.equal((await store.getSite(id))?.identitySecret, before.identitySecret);
    const secret = await store.rotateIdentitySecret(id);
    assert.match(secret, /^[0-9a-f]{64}$/);
    assert.notEqual(secret, before.identitySecret);
    assert.equal((await store.getSite(id))?.identitySecret, secret);
    await rejectsWith(() => store.rotateIdentitySecret(`missing-${uid()}`), "not_found");
  });

  await t.step("deleteSite is refused while conversations exist, unless forced", async () => {
    const id = `site-${uid()}`;
    await store.createSite({ id, name: "Shop" });
    const a = await store.createVisitor({ siteId: id, name: "A" });
    const b = await store.createVisitor({ siteId: id, name: "B" });
    const first = await say(store, a.id, "hello");
    await say(store, b.id, "hi");
    assert.equal(await store.countSiteConversations(id), 2);
    assert.equal((await store.siteConversationCounts()).get(id), 2);
    await assert.rejects(
      () => store.deleteSite(id, { force: false }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, "conflict");
        assert.match(err.message, /2 conversations/);
        return true;
      },
    );
    assert.notEqual(await store.getSite(id), null);
    await store.deleteSite(id, { force: true });
    assert.equal(await store.getSite(id), null);
    assert.equal(await store.getVisitor(a.id), null);
    assert.equal(await store.getConversation(first.conversation.id), null);
    assert.equal(await store.getMessage(first.conversation.id, 1), null);
    assert.equal(await store.countSiteConversations(id), 0);
    assert.equal((await store.siteConversationCounts()).has(id), false);
    await rejectsWith(() => store.deleteSite(id, { force: true }), "not_found");
  });

  await t.step("deleteSite without conversations needs no force", async () => {
    const id = `site-${uid()}`;
    await store.createSite({ id, name: "Shop" });
    await store.createVisitor({ siteId: id, name: "Browsing only" });
    await store.getSite(id);
    await store.deleteSite(id, { force: false });
    assert.equal(await store.getSite(id), null);
    await rejectsWith(() => store.deleteSite(`missing-${uid()}`, { force: false }), "not_found");
  });
}
