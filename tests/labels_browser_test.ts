/**
 * Labels and priority in real Chromium against a real server on Postgres (issue 17): an admin
 * creates labels in Settings → Labels; an agent, with the keyboard only, opens the picker with
 * `l`, filters by typing, adds a label with Enter (a chip on the inbox row and in the header) and
 * removes it the same way, sets the priority with `p`; the inbox sorts by priority ("Sort") and
 * filters by label ("Label"). axe is clean with the picker open. Screenshots (desktop 1280x800,
 * phone 390x844) go to `tests/artifacts/` and `/work/wt/shots/labels-*.png`.
 *
 * Needs Postgres (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`) and
 * Chromium: skipped when either is missing, except under `CI=true`. Run after `deno task build`.
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { artifactsDir, browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { axeViolations } from "./helpers/axe.ts";
import { IN_CI, postgresReachable } from "./helpers/database.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { signInConsole } from "./helpers/console_sign_in.ts";

const TIMEOUT = 30_000;
const SHOTS = "/work/wt/shots";
const postgresUp = await postgresReachable();

async function signedIn(browser: Browser, url: string, email: string, password: string) {
  // bypassCSP: axe is injected as an inline script, which the console's CSP refuses.
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    bypassCSP: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  await signInConsole(page, url, { email, password });
  return { context, page };
}

/** Settings → Labels, as an admin: adds each label with the form. */
async function addLabels(page: Page, labels: { name: string; color: string }[]) {
  await page.getByRole("button", { name: "Settings" }).click();
  const dialog = page.getByRole("dialog", { name: "Settings" });
  await dialog.getByRole("button", { name: "Labels", exact: true }).click();
  for (const l of labels) {
    await dialog.getByLabel("New label").fill(l.name);
    await dialog.getByLabel("Colour", { exact: true }).fill(l.color);
    await dialog.getByRole("button", { name: "Add label" }).click();
    await dialog.getByLabel(`Name of ${l.name}`).waitFor();
  }
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
}

/** A conversation opened by a visitor writing `body`. */
async function visitorWrites(t: TestServer, body: string): Promise<void> {
  const v = await t.visitorSocket();
  v.send({ type: "message", clientId: "c1", body });
  await v.nextOf("ack", (f) => f.clientId === "c1");
  await v.close();
}

/** Moves the focus out of any field, so single-key shortcuts apply. */
async function blur(page: Page) {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

async function shot(page: Page, dir: string, name: string) {
  await page.screenshot({ path: `${dir}/labels-${name}.png` });
  await page.screenshot({ path: `${SHOTS}/labels-${name}.png` });
}

Deno.test({
  name: "labels and priority with the keyboard: picker, chips, removal, sort and label filter",
  ignore: !browserAvailable() || (!postgresUp && !IN_CI),
  async fn() {
    await using srv = await startTestServer({ backend: "postgres" });
    await using browser = await launchBrowser();
    const dir = await artifactsDir();
    await Deno.mkdir(SHOTS, { recursive: true });
    const agent = await srv.createAgent({ role: "agent" });
    const admin = await signedIn(browser, srv.url, ADMIN.email, ADMIN.password);
    const { context, page } = await signedIn(browser, srv.url, agent.email, agent.password);
    try {
      await addLabels(admin.page, [
        { name: "Refund", color: "#15803d" },
        { name: "VIP", color: "#7c3aed" },
        { name: "Billing question", color: "#b45309" },
      ]);
      await visitorWrites(srv, "Where is my refund?");
      await visitorWrites(srv, "Do you ship to Norway?");
      // The queue is first come, first served: the conversation labelled below comes second.
      const otherRow = page.locator(".row", { hasText: "Where is my refund?" });
      const labelledRow = page.locator(".row", { hasText: "Do you ship to Norway?" });
      await labelledRow.waitFor();
      const previews = () => page.locator(".rows .row-preview").allInnerTexts();
      assert.deepEqual(await previews(), ["Where is my refund?", "Do you ship to Norway?"]);

      // `l` opens the picker with the focus in its filter; typing narrows, Enter adds.
      await labelledRow.click();
      const header = page.locator(".conversation header");
      await blur(page);
      await page.keyboard.press("l");
      const filter = page.getByRole("combobox", { name: "Labels" });
      await filter.waitFor();
      assert.equal(await filter.evaluate((e) => e === document.activeElement), true);
      const listbox = page.getByRole("listbox", { name: "Labels" });
      const options = listbox.getByRole("option");
      assert.equal(await options.count(), 3);
      await page.keyboard.type("ref");
      assert.deepEqual(await options.allInnerTexts(), ["Refund"]);
      await page.keyboard.press("Enter");
      await labelledRow.locator(".label-chip", { hasText: "Refund" }).waitFor();
      await header.locator(".label-chip", { hasText: "Refund" }).waitFor();
      await listbox.getByRole("option", { name: "Refund", selected: true }).waitFor();
      assert.equal(await page.locator("#labels-button").innerText(), "Labels (1)");

      // Enter again on the same label removes it.
      await page.keyboard.press("Enter");
      await listbox.getByRole("option", { name: "Refund", selected: false }).waitFor();
      await labelledRow.locator(".label-chip").waitFor({ state: "detached" });
      await header.locator(".label-chip").waitFor({ state: "detached" });

      // Arrows move among the matches: clear the filter, go to the second label (Refund,
      // Billing question and VIP are listed by name), add it, and VIP too.
      await filter.fill("");
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("Enter");
      await header.locator(".label-chip", { hasText: "Refund" }).waitFor();
      await page.keyboard.type("vip");
      await page.keyboard.press("Enter");
      await labelledRow.locator(".label-chip", { hasText: "VIP" }).waitFor();
      assert.deepEqual(await axeViolations(page), []);
      await shot(page, dir, "picker-desktop");
      // Escape closes it and gives the focus back to the button.
      await page.keyboard.press("Escape");
      await filter.waitFor({ state: "detached" });
      assert.equal(
        await page.evaluate(() => document.activeElement?.id),
        "labels-button",
      );

      // `p` focuses the priority; typing picks an option (one change, one request).
      await blur(page);
      await page.keyboard.press("p");
      const priority = page.getByRole("combobox", { name: "Priority" });
      assert.equal(await priority.evaluate((e) => e === document.activeElement), true);
      await page.keyboard.press("u");
      await labelledRow.locator(".badge-urgent", { hasText: "Urgent" }).waitFor();
      assert.equal(await priority.inputValue(), "urgent");

      // Sort by priority: the urgent one leads though it came second.
      await page.getByLabel("Sort").selectOption("priority");
      await page.waitForFunction(() =>
        document.querySelector(".rows .row-preview")?.textContent === "Do you ship to Norway?"
      );
      // Filter by label: only the labelled one.
      await page.getByLabel("Label", { exact: true }).selectOption({ label: "VIP" });
      await otherRow.waitFor({ state: "detached" });
      assert.deepEqual(await previews(), ["Do you ship to Norway?"]);
      await page.getByLabel("Label", { exact: true }).selectOption({ label: "All labels" });
      await otherRow.waitFor();
      assert.deepEqual(await axeViolations(page), []);
      await shot(page, dir, "inbox-desktop");

      // The phone layout: the inbox with its chips, then the conversation with the picker open.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByRole("button", { name: "Back to inbox" }).click();
      await labelledRow.locator(".label-chip", { hasText: "VIP" }).waitFor();
      await shot(page, dir, "inbox-phone");
      await labelledRow.click();
      await page.locator("#labels-button").click();
      await filter.waitFor();
      assert.deepEqual(await axeViolations(page), []);
      await shot(page, dir, "picker-phone");
    } catch (err) {
      await page.screenshot({ path: `${SHOTS}/labels-failure.png` });
      throw err;
    } finally {
      await context.close();
      await admin.context.close();
    }
  },
});
