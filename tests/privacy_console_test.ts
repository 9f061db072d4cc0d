/**
 * Privacy in the console, in real Chromium against the real server (issue 15): the visitor
 * panel's "Export data" downloads `visitor-<id>.json`; "Erase visitor" is offered to admins only,
 * asks in a dialog naming the visitor, and the conversation leaves every console live; Settings →
 * "Audit log" lists the export and the erasure; the Sites form sets a site's retention.
 * Screenshots (desktop 1280x800, phone 390x844) go to `/work/wt/shots/privacy/` when `/work/wt`
 * exists, else to `tests/artifacts/privacy/` (tests/helpers/shots.ts).
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { shotsDir } from "./helpers/shots.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { storySteps } from "./helpers/story.ts";
import { waitUntil } from "./helpers/wait.ts";

const TIMEOUT = 30_000;

async function consolePage(
  browser: Browser,
  url: string,
  who: { email: string; password: string },
  viewport = { width: 1280, height: 800 },
): Promise<Page> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  await page.goto(`${url}/console`);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("tab", { name: /^Queue/ }).waitFor();
  await page.locator(".conn-connected").waitFor();
  return page;
}

/** A visitor of `demo` who wrote `text`; returns their id and name. */
async function visitorWhoWrote(srv: TestServer, text: string) {
  const v = await srv.store.createVisitor({ siteId: "demo", name: `Robin ${text.slice(-4)}` });
  await srv.store.appendVisitorMessage({
    visitorId: v.id,
    clientId: crypto.randomUUID(),
    body: text,
  });
  return v;
}

Deno.test({
  name: "console: export a visitor's data, erase them (admins), read the audit log",
  ignore: !browserAvailable(),
  async fn(t) {
    const step = storySteps(t);
    await using srv = await startTestServer();
    await using browser = await launchBrowser();
    const dir = await shotsDir("privacy");
    const agent = await srv.createAgent({ name: "Pat Agent" });
    const text = `Please delete my account ${crypto.randomUUID().slice(0, 4)}`;
    const visitor = await visitorWhoWrote(srv, text);
    const admin = await consolePage(browser, srv.url, ADMIN);
    const other = await consolePage(browser, srv.url, agent);
    const row = (p: Page) => p.locator(".row", { hasText: text });

    await step("an agent exports the visitor's data as a JSON download", async () => {
      await row(other).click();
      const panel = other.getByRole("complementary", { name: "Visitor details" });
      const link = panel.getByRole("link", { name: "Export data" });
      await link.waitFor();
      assert.equal(await panel.getByRole("button", { name: "Erase visitor" }).count(), 0);
      const [download] = await Promise.all([other.waitForEvent("download"), link.click()]);
      assert.equal(download.suggestedFilename(), `visitor-${visitor.id}.json`);
      const path = await download.path();
      const data = JSON.parse(await Deno.readTextFile(path));
      assert.equal(data.visitor.id, visitor.id);
      assert.equal(data.conversations[0].messages[0].body, text);
    });

    await step("an admin erases the visitor after a dialog naming them", async () => {
      await row(admin).click();
      const panel = admin.getByRole("complementary", { name: "Visitor details" });
      await panel.getByRole("button", { name: "Erase visitor" }).click();
      const dialog = admin.getByRole("dialog", { name: `Erase ${visitor.name}?` });
      await dialog.getByText(`${visitor.name}, their conversations and messages`).waitFor();
      await admin.screenshot({ path: `${dir}/erase-dialog-desktop.png` });
      await dialog.getByRole("button", { name: "Erase for good" }).click();
      await dialog.waitFor({ state: "hidden" });
      await row(admin).waitFor({ state: "detached" });
      // The other console drops it live, without a reload.
      await row(other).waitFor({ state: "detached" });
      assert.equal(await srv.store.getVisitor(visitor.id), null);
      await admin.getByText("Visitor erased").waitFor();
    });

    await step("Settings → Audit log lists the export and the erasure", async () => {
      await admin.getByRole("button", { name: "Settings" }).click();
      const dialog = admin.getByRole("dialog", { name: "Settings" });
      await dialog.getByRole("button", { name: "Audit log" }).click();
      const log = dialog.getByRole("region", { name: "Audit log" });
      await log.getByText("Erased visitor").waitFor();
      await log.getByText("Exported the data of visitor").waitFor();
      assert.ok(!(await log.textContent() ?? "").includes(visitor.id), "no erased id shown");
      await admin.screenshot({ path: `${dir}/audit-log-desktop.png` });
      await dialog.getByRole("button", { name: "Close" }).click();
    });

    await step("an agent's Settings have no Audit log tab", async () => {
      await other.getByRole("button", { name: "Settings" }).click();
      const dialog = other.getByRole("dialog", { name: "Settings" });
      await dialog.getByRole("button", { name: "Profile", exact: true }).waitFor();
      assert.equal(await dialog.getByRole("button", { name: "Audit log" }).count(), 0);
    });

    await step("the Sites form sets how long resolved conversations are kept", async () => {
      await admin.getByRole("button", { name: "Settings" }).click();
      const dialog = admin.getByRole("dialog", { name: "Settings" });
      await dialog.getByRole("button", { name: "Sites" }).click();
      await dialog.getByRole("button", { name: "Edit Demo Storefront" }).click();
      const field = dialog.getByLabel("Keep resolved conversations (days)");
      await field.fill("45");
      await dialog.getByRole("button", { name: "Save site" }).click();
      await waitUntil(
        async () => (await srv.store.getSite("demo", { fresh: true }))?.retentionDays === 45,
        "the site keeps resolved conversations 45 days",
      );
      await field.scrollIntoViewIfNeeded();
      await admin.screenshot({ path: `${dir}/site-retention-desktop.png` });
    });

    await step("on a phone the panel's actions and the dialog fit the screen", async () => {
      const phoneText = `Forget me too ${crypto.randomUUID().slice(0, 4)}`;
      const second = await visitorWhoWrote(srv, phoneText);
      const phone = await consolePage(browser, srv.url, ADMIN, { width: 390, height: 844 });
      await phone.locator(".row", { hasText: phoneText }).click();
      await phone.getByRole("button", { name: "Details" }).click();
      const panel = phone.getByRole("complementary", { name: "Visitor details" });
      const erase = panel.getByRole("button", { name: "Erase visitor" });
      await erase.scrollIntoViewIfNeeded();
      await panel.getByRole("link", { name: "Export data" }).waitFor();
      await phone.screenshot({ path: `${dir}/visitor-actions-phone.png` });
      await erase.click();
      const dialog = phone.getByRole("dialog", { name: `Erase ${second.name}?` });
      await dialog.getByRole("button", { name: "Erase for good" }).waitFor();
      const box = await dialog.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, "the dialog fits the phone");
      await phone.screenshot({ path: `${dir}/erase-dialog-phone.png` });
      await dialog.getByRole("button", { name: "Cancel" }).click();
      assert.ok(await srv.store.getVisitor(second.id), "Cancel erases nothing");
      await phone.getByRole("button", { name: "Close details" }).click();
      await phone.getByRole("button", { name: "Settings" }).click();
      const settings = phone.getByRole("dialog", { name: "Settings" });
      await settings.getByRole("button", { name: "Audit log" }).click();
      await settings.getByRole("region", { name: "Audit log" }).getByText("Erased visitor")
        .waitFor();
      const overflow = await phone.evaluate(() => {
        const dialog = document.querySelector("dialog[open]");
        const doc = document.documentElement;
        return doc.scrollWidth > doc.clientWidth ||
          (dialog !== null && dialog.scrollWidth > dialog.clientWidth);
      });
      assert.equal(overflow, false, "the Settings tabs and the log fit the phone");
      await phone.screenshot({ path: `${dir}/audit-log-phone.png` });
    });
  },
});
