/**
 * The search view's filter row in real Chromium against the real server (issue 17): Enter in an
 * empty search box opens the view; choosing Label, Status, Agent, Site, From or To searches again
 * (by filters alone, then with words); hits show their labels as chips; axe clean. Screenshots
 * (desktop 1280x800, phone 390x844) go to `tests/artifacts/` and `/work/wt/shots/`.
 * Run after `deno task build` (the server serves `dist/`).
 */

import assert from "node:assert/strict";
import { artifactsDir, browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { axeViolations } from "./helpers/axe.ts";
import { startTestServer } from "./helpers/server.ts";
import { signInConsole } from "./helpers/console_sign_in.ts";

const TIMEOUT = 30_000;
const SHOTS = "/work/wt/shots";

Deno.test({
  name: "the search view's filters re-run the search and hits show their labels",
  ignore: !browserAvailable(),
  async fn() {
    await using srv = await startTestServer();
    await using browser = await launchBrowser();
    const dir = await artifactsDir();
    await Deno.mkdir(SHOTS, { recursive: true });
    const store = srv.store;
    const refund = await store.createLabel({ name: "Refund", color: "#b91c1c" });
    const vip = await store.createLabel({ name: "VIP", color: "#1d4ed8" });
    const ids: string[] = [];
    for (const body of ["My parcel is broken", "Where is my parcel?", "Do you ship abroad?"]) {
      const v = await srv.visitorSocket();
      v.send({ type: "message", clientId: `c-${ids.length}`, body });
      ids.push(String((await v.nextOf("ack")).conversationId));
      await v.close();
    }
    await store.changeConversationLabels(ids[0], { set: [refund.id, vip.id] }, null);
    await store.resolve(ids[1]);
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      bypassCSP: true,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    try {
      await signInConsole(page, srv.url);
      // Enter in an empty box opens the view with its filters.
      await page.getByRole("searchbox", { name: "Search messages" }).press("Enter");
      const results = page.getByRole("region", { name: "Search results" });
      await results.getByText("Type words or choose a filter").waitFor();
      for (const name of ["Label", "Site", "Agent", "Status"]) {
        await results.getByRole("combobox", { name, exact: true }).waitFor();
      }
      for (const name of ["From", "To"]) {
        assert.equal(await results.getByLabel(name, { exact: true }).getAttribute("type"), "date");
      }
      const hits = results.locator(".row");

      await results.getByRole("combobox", { name: "Label", exact: true }).selectOption({
        label: "Refund",
      });
      await results.getByText("1 result for the filters").waitFor();
      await hits.filter({ hasText: "My parcel is broken" }).waitFor();
      const chips = hits.first().locator(".label-chip");
      assert.deepEqual(await chips.allInnerTexts(), ["Refund", "VIP"]);

      await results.getByRole("combobox", { name: "Label", exact: true }).selectOption("");
      await results.getByRole("combobox", { name: "Status", exact: true }).selectOption({
        label: "Resolved",
      });
      await results.getByText("1 result for the filters").waitFor();
      await hits.filter({ hasText: "Where is my parcel?" }).waitFor();

      // Words and filters together.
      await results.getByRole("combobox", { name: "Status", exact: true }).selectOption({
        label: "Unresolved",
      });
      await page.getByRole("searchbox", { name: "Search messages" }).fill("parcel");
      await page.getByRole("searchbox", { name: "Search messages" }).press("Enter");
      await results.getByText("1 result for “parcel”").waitFor();
      await hits.filter({ hasText: "My parcel is broken" }).waitFor();
      await results.getByRole("combobox", { name: "Status", exact: true }).selectOption("");
      await results.getByText("2 results for “parcel”").waitFor();
      await results.getByRole("combobox", { name: "Agent", exact: true }).selectOption({
        label: "Unassigned",
      });
      await results.getByText("2 results for “parcel”").waitFor();
      await results.getByRole("combobox", { name: "Site", exact: true }).selectOption("demo");
      await results.getByText("2 results for “parcel”").waitFor();
      // A From after today finds nothing; To today finds both again.
      const today = await page.evaluate(() => {
        const d = new Date();
        const p = (n: number) => String(n).padStart(2, "0");
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
      });
      const tomorrow = await page.evaluate(() => {
        const d = new Date(Date.now() + 86_400_000);
        const p = (n: number) => String(n).padStart(2, "0");
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
      });
      await results.getByLabel("From", { exact: true }).fill(tomorrow);
      await results.getByText("0 results for “parcel”").waitFor();
      await results.getByLabel("From", { exact: true }).fill("");
      await results.getByLabel("To", { exact: true }).fill(today);
      await results.getByText("2 results for “parcel”").waitFor();

      // Filters alone again, for the screenshots: every conversation with its chips.
      await page.getByRole("searchbox", { name: "Search messages" }).fill("");
      await results.getByText("3 results for the filters").waitFor();
      assert.deepEqual(await axeViolations(page), []);
      await page.screenshot({ path: `${dir}/search-filters-desktop.png` });
      await page.screenshot({ path: `${SHOTS}/search-desktop.png` });
      await page.setViewportSize({ width: 390, height: 844 });
      await results.getByRole("combobox", { name: "Label", exact: true }).waitFor();
      await page.screenshot({ path: `${dir}/search-filters-phone.png` });
      await page.screenshot({ path: `${SHOTS}/search-phone.png` });

      // Closing forgets the filters and brings the inbox back.
      await page.getByRole("button", { name: "Close search" }).click();
      await page.getByRole("tab", { name: /^Queue/ }).waitFor();
      assert.equal(await results.count(), 0);
    } finally {
      await context.close();
    }
  },
});
