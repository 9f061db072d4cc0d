/**
 * Bulk actions in real Chromium against the real server (issue 17): rows ticked by their
 * "Select …" checkboxes, a shift-click range and the `x` key; "Add label…" then "Resolve" change
 * every ticked conversation on the server and report in the notices; axe clean with the toolbar
 * and its menu shown. Screenshots (desktop 1280x800, phone 390x844) go to `tests/artifacts/` and
 * `/work/wt/shots/`. Run after `deno task build` (the server serves `dist/`).
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { artifactsDir, browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { axeViolations } from "./helpers/axe.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { signInConsole } from "./helpers/console_sign_in.ts";

const TIMEOUT = 30_000;
const SHOTS = "/work/wt/shots";

/** A queued conversation of a visitor named `name`; returns its id. */
async function conversationOf(srv: TestServer, name: string, body: string): Promise<string> {
  const visitor = await srv.visitorSocket();
  const [welcome] = visitor.all("welcome");
  visitor.send({ type: "message", clientId: "c1", body });
  const ack = await visitor.nextOf("ack");
  await srv.store.updateVisitor((welcome.visitor as { id: string }).id, { name });
  await visitor.close();
  return String(ack.conversationId);
}

/** Saves a screenshot under both the test artifacts and the shared shots folder. */
async function shot(page: Page, dir: string, name: string) {
  await page.screenshot({ path: `${dir}/${name}.png` });
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

Deno.test({
  name: "bulk actions: tick rows by checkbox, shift-click and x, then add a label and resolve them",
  ignore: !browserAvailable(),
  async fn() {
    await using srv = await startTestServer();
    await using browser = await launchBrowser();
    const dir = await artifactsDir();
    await Deno.mkdir(SHOTS, { recursive: true });
    const cookie = await srv.login(ADMIN.email, ADMIN.password);
    const res = await fetch(`${srv.url}/api/labels`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-parley-csrf": "1", cookie },
      body: JSON.stringify({ name: "Refund", color: "#15803d" }),
    });
    assert.equal(res.status, 201);
    const labelId = ((await res.json()) as { label: { id: string } }).label.id;
    const ids: Record<string, string> = {};
    for (
      const [name, body] of [["Ada", "My parcel is late"], ["Grace", "Refund please"], [
        "Linus",
        "Wrong size",
      ]]
    ) {
      ids[name] = await conversationOf(srv, name, body);
    }
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      bypassCSP: true,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    try {
      await signInConsole(page, srv.url);
      await page.getByRole("tab", { name: /^Queue\s*3$/ }).waitFor();
      const box = (name: string) => page.getByRole("checkbox", { name: `Select ${name}` });
      const bar = page.getByRole("toolbar", { name: "Bulk actions" });
      const selected = (n: number) => bar.getByText(`${n} selected`, { exact: true }).waitFor();

      // Two rows by their checkboxes; Clear selection hides the bar.
      await box("Ada").click();
      await box("Linus").click();
      await selected(2);
      assert.equal(await box("Grace").isChecked(), false);
      await bar.getByRole("button", { name: "Clear selection" }).click();
      await bar.waitFor({ state: "hidden" });

      // Shift-click ticks the range from the last one clicked, whatever the rows' order.
      const order = await page.locator(".rows .row-name").allInnerTexts();
      assert.deepEqual([...order].sort(), ["Ada", "Grace", "Linus"]);
      await box(order[0]).click();
      await box(order[2]).click({ modifiers: ["Shift"] });
      await selected(3);
      assert.equal(await box(order[1]).isChecked(), true);

      // `x` toggles the row holding the focus; the row's link still opens it (Enter).
      await page.locator(".row", { hasText: order[1] }).focus();
      await page.keyboard.press("x");
      await selected(2);
      assert.equal(await box(order[1]).isChecked(), false);
      await page.keyboard.press("x");
      await selected(3);
      await page.keyboard.press("Enter");
      await page.locator('.row[aria-current="true"]', { hasText: order[1] }).waitFor();
      await selected(3);
      // "Select all" unticks every row when all are ticked, and ticks them all again.
      const all = page.getByRole("checkbox", { name: "Select all" });
      assert.equal(await all.isChecked(), true);
      await all.uncheck();
      await bar.waitFor({ state: "hidden" });
      await all.check();
      await selected(3);

      // "Add label…": a menu of labels, keyboard-reachable; choosing one labels all three.
      await bar.getByRole("button", { name: "Add label…" }).click();
      const menu = page.getByRole("group", { name: "Add label" });
      await menu.getByRole("button", { name: "Refund" }).waitFor();
      assert.deepEqual(await axeViolations(page), []);
      await shot(page, dir, "bulk-label-menu-desktop");
      await page.keyboard.press("Escape");
      await menu.waitFor({ state: "hidden" });
      assert.equal(
        await page.evaluate(() => document.activeElement?.textContent),
        "Add label…",
        "Escape gives focus back to the toggle",
      );
      await page.keyboard.press("Enter");
      await menu.getByRole("button", { name: "Refund" }).click();
      await page.getByText("3 conversations labelled Refund").waitFor();
      const labelsOf = async (id: string): Promise<string[]> => {
        const r = await fetch(`${srv.url}/api/conversations/${id}`, { headers: { cookie } });
        return ((await r.json()) as { conversation: { labels?: string[] } }).conversation.labels ??
          [];
      };
      for (const id of Object.values(ids)) assert.deepEqual(await labelsOf(id), [labelId]);
      await selected(3);
      assert.deepEqual(await axeViolations(page), []);
      await shot(page, dir, "bulk-desktop");
      // On a phone the inbox shows once the conversation is left (Escape); the ticks stay.
      await page.keyboard.press("Escape");
      await page.locator('.row[aria-current="true"]').waitFor({ state: "detached" });
      await page.setViewportSize({ width: 390, height: 844 });
      await selected(3);
      await shot(page, dir, "bulk-phone");
      await page.setViewportSize({ width: 1280, height: 800 });

      // "Resolve": every ticked conversation resolved on the server; the rows leave the queue.
      await bar.getByRole("button", { name: "Resolve" }).click();
      await page.getByText("3 conversations resolved").waitFor();
      await page.getByRole("tab", { name: /^Queue\s*0$/ }).waitFor();
      for (const id of Object.values(ids)) {
        assert.equal((await srv.store.getConversation(id))?.status, "resolved");
      }
      await bar.waitFor({ state: "hidden" });
    } catch (err) {
      await page.screenshot({ path: `${SHOTS}/bulk-failure.png` });
      throw err;
    } finally {
      await context.close();
    }
  },
});
