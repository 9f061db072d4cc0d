/**
 * Snooze in real Chromium against the real server (issue 17): from the conversation header with
 * the keyboard (`z`, then a preset), the conversation leaves "Mine" for the "Snoozed" tab, comes
 * back with a notice when the visitor writes, and `z` on a snoozed one unsnoozes it; axe clean
 * with the menu open. Screenshots (desktop and phone) go to `tests/artifacts/` and `/tmp/h4/`.
 * Run after `deno task build` (the server serves `dist/`).
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { artifactsDir, browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { axeViolations } from "./helpers/axe.ts";
import { startTestServer } from "./helpers/server.ts";
import { signInConsole } from "./helpers/console_sign_in.ts";

const TIMEOUT = 30_000;

/** Waits until the open snooze menu has the focus (it moves in once the menu has rendered). */
async function focusInMenu(page: Page) {
  await page.waitForFunction(() => document.activeElement?.closest(".snooze-menu") != null);
}

Deno.test({
  name:
    "snooze from the header with the keyboard, the Snoozed tab, and the wake on a visitor's message",
  ignore: !browserAvailable(),
  async fn() {
    await using srv = await startTestServer();
    await using browser = await launchBrowser();
    const dir = await artifactsDir();
    await Deno.mkdir("/tmp/h4", { recursive: true });
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      bypassCSP: true,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    const visitor = await srv.visitorSocket();
    try {
      await signInConsole(page, srv.url);
      visitor.send({ type: "message", clientId: "c1", body: "Can you check my refund?" });
      const row = page.locator(".row", { hasText: "Can you check my refund?" });
      await row.click();
      await page.getByRole("button", { name: "Accept", exact: true }).click();
      await page.getByRole("tab", { name: /^Mine\s*1$/ }).waitFor();

      // `z` opens the header's menu with focus on its first choice; Enter snoozes for an hour.
      await page.locator("body").click({ position: { x: 5, y: 790 } });
      await page.keyboard.press("z");
      const menu = page.getByRole("group", { name: "Snooze until" });
      await focusInMenu(page);
      assert.deepEqual(
        await menu.getByRole("button").allInnerTexts().then((t) => t.map((s) => s.split("\n")[0])),
        ["1 hour", "Tomorrow 9:00", "Next week", "Custom…"],
      );
      assert.equal(
        await page.evaluate(() => document.activeElement?.textContent?.startsWith("1 hour")),
        true,
      );
      assert.deepEqual(await axeViolations(page), []);
      await page.screenshot({ path: `${dir}/snooze-menu-desktop.png` });
      await page.screenshot({ path: "/tmp/h4/snooze-menu-desktop.png" });
      // Custom… shows a labelled date-time field.
      await menu.getByRole("button", { name: "Custom…" }).click();
      await menu.getByLabel("Snooze until").waitFor();
      await page.keyboard.press("Escape");
      await page.keyboard.press("z");
      await focusInMenu(page);
      await page.keyboard.press("Enter");
      await page.getByRole("tab", { name: /^Mine\s*0$/ }).waitFor();
      await page.getByRole("tab", { name: /^Snoozed\s*1$/ }).waitFor();
      await page.getByRole("button", { name: "Unsnooze" }).waitFor();
      await page.keyboard.press("5");
      await page.locator(".row .badge-snoozed").waitFor();
      assert.deepEqual(await axeViolations(page), []);
      await page.screenshot({ path: `${dir}/snooze-tab-desktop.png` });
      await page.screenshot({ path: "/tmp/h4/snooze-tab-desktop.png" });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: "/tmp/h4/snooze-tab-phone.png" });
      await page.setViewportSize({ width: 1280, height: 800 });

      // The visitor writing brings it back, with a notice for the assignee.
      visitor.send({ type: "message", clientId: "c2", body: "Any news?" });
      await page.getByText(/is back from snooze/).waitFor();
      await page.getByRole("tab", { name: /^Snoozed\s*0$/ }).waitFor();
      await page.getByRole("tab", { name: /^Mine\s*1$/ }).waitFor();

      // `z` again snoozes; on a snoozed conversation it unsnoozes (no notice: the agent did it).
      await page.locator("body").click({ position: { x: 5, y: 790 } });
      await page.keyboard.press("z");
      await menu.getByRole("button", { name: /^Tomorrow/ }).click();
      await page.getByRole("tab", { name: /^Snoozed\s*1$/ }).waitFor();
      await page.keyboard.press("z");
      await page.getByRole("tab", { name: /^Snoozed\s*0$/ }).waitFor();
      await page.getByRole("button", { name: "Snooze", exact: true }).waitFor();
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByRole("button", { name: "Snooze", exact: true }).click();
      await menu.waitFor();
      await page.screenshot({ path: "/tmp/h4/snooze-menu-phone.png" });
    } catch (err) {
      await page.screenshot({ path: "/tmp/h4/failure.png" });
      throw err;
    } finally {
      await visitor.close();
      await context.close();
    }
  },
});
