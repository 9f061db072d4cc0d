/**
 * The console's Reports view in real Chromium against the scripted server
 * (`console_fake_server.ts` with `console_fake_reports.ts`): the canned figures in human units,
 * the query parameters period and filter changes send, the charts' table equivalents, the CSV
 * links, an agent without the agent picker, keyboard focus, axe in light and dark schemes, and
 * screenshots (desktop and phone, light and dark).
 */

import assert from "node:assert/strict";
import { stop } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { buildConsole } from "../agent-console/build.ts";
import { addDays, todayIn } from "../agent-console/app/reports/period.ts";
import { artifactsDir, browserAvailable, sharedBrowser } from "./helpers/browser.ts";
import { axeViolations } from "./helpers/axe.ts";
import { waitUntil } from "./helpers/wait.ts";
import { type FakeServer, startFakeServer } from "./console_fake_server.ts";
import { demoData } from "./console_fixtures.ts";
import { demoReports } from "./console_fake_reports.ts";

const TZ = "Europe/Paris";

interface Open {
  server: FakeServer;
  page: Page;
  pageErrors: string[];
}

interface OpenOptions {
  /** Who signs in (default Ann, an admin). */
  as?: "ann" | "bob";
  scheme?: "light" | "dark";
  viewport?: { width: number; height: number };
  /** No labels endpoint (404). */
  noLabels?: boolean;
  /** Needed to inject axe (an inline script the console's CSP forbids). */
  bypassCSP?: boolean;
}

const ACCOUNTS = {
  ann: ["ann@example.com", "correct horse"],
  bob: ["bob@example.com", "battery staple"],
} as const;

async function withReports(
  browser: Browser,
  dist: string,
  opts: OpenOptions,
  fn: (o: Open) => Promise<void>,
): Promise<void> {
  const data = demoData();
  data.reports = demoReports();
  if (opts.noLabels) data.reports.labels = null;
  // A second site, so the site filter has a choice.
  data.sites.sites.push({ ...data.sites.sites[0], id: "docs", name: "Docs portal" });
  const server = await startFakeServer(dist, data);
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    colorScheme: opts.scheme ?? "light",
    timezoneId: TZ,
    bypassCSP: opts.bypassCSP ?? false,
  });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  try {
    await page.goto(`${server.url}/console`);
    const [email, password] = ACCOUNTS[opts.as ?? "ann"];
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("tab", { name: /^Queue/ }).waitFor();
    await fn({ server, page, pageErrors });
  } finally {
    await context.close();
    await server.close();
  }
}

/** Opens Reports from the top bar and waits for the canned figures. */
async function openReports(page: Page) {
  await page.getByRole("button", { name: "Reports", exact: true }).click();
  await page.getByRole("heading", { name: "Reports", level: 2 }).waitFor();
  await page.getByText("1 min 35 s").first().waitFor();
}

/** The report requests (path and parsed query) the console sent, oldest first. */
function reportRequests(server: FakeServer, name: string): URLSearchParams[] {
  return server.requests
    .filter((r) => r.startsWith(`GET /api/reports/${name}?`))
    .map((r) => new URLSearchParams(r.slice(r.indexOf("?") + 1)));
}

/** Waits for a `name` request whose query has every pair of `expected`. */
async function waitForQuery(server: FakeServer, name: string, expected: Record<string, string>) {
  await waitUntil(
    () =>
      reportRequests(server, name).some((q) =>
        Object.entries(expected).every(([k, v]) => q.get(k) === v)
      ),
    `a ${name} request with ${JSON.stringify(expected)}`,
  );
}

Deno.test({
  name: "console Reports view against a scripted server",
  ignore: !browserAvailable(),
  async fn(t) {
    const dist = await Deno.makeTempDir({ prefix: "parley-console-reports-" });
    await buildConsole({ outDir: dist });
    await stop();
    await using browsers = sharedBrowser();
    const step = (name: string, opts: OpenOptions, fn: (o: Open) => Promise<void>) =>
      t.step(name, async () => withReports(await browsers.get(), dist, opts, fn));
    const today = todayIn(TZ, Date.now());
    try {
      await step(
        "an admin sees the canned figures in human units, for the last 7 days",
        {},
        async (o) => {
          const { page, server } = o;
          // The chunk is fetched only when Reports opens: nothing asked for before.
          assert.equal(reportRequests(server, "summary").length, 0);
          await openReports(page);
          // Focus moves to the view's heading, like opening a conversation.
          assert.equal(await page.evaluate(() => document.activeElement?.id), "reports-heading");
          const card = (name: string) => page.locator(".report-card", { hasText: name });
          assert.match(await card("First response, median").innerText(), /1 min 35 s/);
          assert.match(await card("First response, p90").innerText(), /10 min/);
          assert.match(await card("Answered within target").innerText(), /82 %[\s\S]*target 5 min/);
          assert.match(await card("Resolution, median").innerText(), /2 h 10 min/);
          assert.match(await card("Resolution, p90").innerText(), /1 d/);
          assert.match(await card("Created").innerText(), /120/);
          assert.match(await card("Missed").innerText(), /3/);
          assert.match(await card("Replies per conversation").innerText(), /3\.4/);
          assert.match(await card("CSAT average").innerText(), /4\.3 \/ 5[\s\S]*40 ratings/);
          await waitForQuery(server, "summary", { from: addDays(today, -6), to: today, tz: TZ });
          for (const name of ["daily", "heatmap", "agents"]) {
            await waitForQuery(server, name, { from: addDays(today, -6), to: today, tz: TZ });
          }
          const q = reportRequests(server, "summary")[0];
          assert.equal(q.has("agentId"), false, "everyone by default");
          assert.equal(new URL(page.url()).hash, "#/reports");
          // The agents table shows both agents to an admin.
          const agents = page.getByRole("table").filter({ hasText: "Open now" });
          await agents.getByRole("rowheader", { name: "Ann Agent" }).waitFor();
          await agents.getByRole("rowheader", { name: "Bob Builder" }).waitFor();
          assert.deepEqual(o.pageErrors, []);
        },
      );

      await step("period and filter changes send the right query parameters", {}, async (o) => {
        const { page, server } = o;
        await openReports(page);
        await page.getByLabel(/^Period/).selectOption({ label: "Last 30 days" });
        await waitForQuery(server, "daily", { from: addDays(today, -29), to: today });
        await page.getByLabel(/^Period/).selectOption({ label: "Last 90 days" });
        await waitForQuery(server, "heatmap", { from: addDays(today, -89), to: today });
        await page.getByLabel(/^Period/).selectOption({ label: "Custom" });
        await page.getByLabel(/^From/).fill("2026-11-01");
        await page.getByLabel(/^To/).fill("2026-11-30");
        await waitForQuery(server, "summary", { from: "2026-11-01", to: "2026-11-30", tz: TZ });
        // A range the server would refuse is not sent; the view says why.
        await page.getByLabel(/^To/).fill("2026-10-01");
        await page.getByRole("alert").filter({ hasText: "before the start day" }).waitFor();
        assert.ok(!reportRequests(server, "summary").some((q) => q.get("to") === "2026-10-01"));
        await page.getByLabel(/^To/).fill("2026-11-30");
        await page.getByRole("combobox", { name: /^Agent/ }).selectOption({ label: "Bob Builder" });
        await waitForQuery(server, "agents", { agentId: "bob", from: "2026-11-01" });
        await page.getByLabel(/^Site/).selectOption({ label: "Docs portal" });
        await waitForQuery(server, "summary", { agentId: "bob", siteId: "docs" });
        await page.getByLabel(/^Label/).selectOption({ label: "Bug" });
        await waitForQuery(server, "daily", { agentId: "bob", siteId: "docs", labelId: "lb-bug" });
        // Back to everyone drops the parameter.
        await page.getByRole("combobox", { name: /^Agent/ }).selectOption({ label: "Everyone" });
        await waitUntil(() => {
          const last = reportRequests(server, "summary").at(-1);
          return last !== undefined && !last.has("agentId") && last.get("labelId") === "lb-bug";
        }, "a summary request for everyone");
        // Admins edit the first response target; the figures are asked again.
        const before = reportRequests(server, "summary").length;
        await page.getByLabel("First response target (seconds)").fill("120");
        await page.getByRole("button", { name: "Save target" }).click();
        await page.getByRole("status").filter({ hasText: "Saved: 2 min" }).waitFor();
        assert.equal(server.data.reports?.targetSeconds, 120);
        assert.ok(server.requests.includes("PUT /api/reports/settings"));
        await waitUntil(
          () => reportRequests(server, "summary").length > before,
          "the figures asked again",
        );
      });

      await step(
        "every chart has a table; CSV links point at the report endpoints",
        {},
        async (o) => {
          const { page, server } = o;
          await openReports(page);
          const figures = page.locator("figure.report-chart");
          assert.equal(await figures.count(), 5);
          for (let i = 0; i < 5; i++) {
            const f = figures.nth(i);
            assert.equal(await f.locator("svg[role=img]").count(), 1);
            assert.ok(
              ((await f.locator("svg[role=img]").getAttribute("aria-label")) ?? "").length > 20,
            );
            assert.equal(await f.locator("table").count(), 1);
          }
          // "Show as table" reveals the table by keyboard, named by its caption.
          const volume = page.getByRole("figure", { name: "New conversations per day" });
          await volume.getByText("Show as table").focus();
          await page.keyboard.press("Enter");
          const table = page.getByRole("table", { name: "New and resolved conversations per day" });
          await table.waitFor();
          assert.equal(await table.getByRole("row").count(), 1 + 7);
          await table.getByRole("rowheader", { name: today }).waitFor();
          // The heat map's table: 7 weekdays × 24 hours, the peak where the data put it.
          const heat = page.getByRole("figure", { name: "New conversations by weekday and hour" });
          await heat.getByText("Show as table").click();
          const mon = heat.getByRole("row", { name: /^Mon/ });
          assert.equal(await mon.getByRole("cell").count(), 24);
          assert.equal(await mon.getByRole("cell").nth(10).innerText(), "12");

          const query = `from=${addDays(today, -6)}&to=${today}&tz=${encodeURIComponent(TZ)}`;
          const links: Record<string, string> = {
            "Summary (CSV)": `/api/reports/summary?${query}&format=csv`,
            "Daily figures (CSV)": `/api/reports/daily?${query}&format=csv`,
            "Heat map (CSV)": `/api/reports/heatmap?${query}&format=csv`,
            "Agents (CSV)": `/api/reports/agents?${query}&format=csv`,
            "Conversations (CSV)": `/api/reports/conversations?${query}&format=csv`,
          };
          for (const [name, href] of Object.entries(links)) {
            const link = page.getByRole("link", { name, exact: true });
            assert.equal(await link.getAttribute("href"), href, name);
            assert.notEqual(await link.getAttribute("download"), null);
          }
          // The link downloads a CSV (with the session cookie, like the rest of the API).
          const download = page.waitForEvent("download");
          await page.getByRole("link", { name: "Conversations (CSV)" }).click();
          const file = await download;
          assert.equal(
            file.suggestedFilename(),
            `parley-conversations-${addDays(today, -6)}-${today}.csv`,
          );
          assert.ok(server.requests.includes(`GET ${links["Conversations (CSV)"]}`));
        },
      );

      await step(
        "an agent sees their own figures: no agent picker, one row",
        { as: "bob" },
        async (o) => {
          const { page, server } = o;
          await openReports(page);
          assert.equal(await page.getByRole("combobox", { name: /^Agent/ }).count(), 0);
          assert.equal(await page.getByLabel("First response target (seconds)").count(), 0);
          assert.equal(await page.getByLabel(/^Period/).count(), 1);
          assert.ok(reportRequests(server, "summary").every((q) => !q.has("agentId")));
          const agents = page.getByRole("table").filter({ hasText: "Open now" });
          await agents.getByRole("rowheader", { name: "Bob Builder" }).waitFor();
          assert.equal(await agents.getByRole("rowheader").count(), 1);
        },
      );

      await step(
        "no labels endpoint (404): the label filter is hidden",
        { noLabels: true },
        async (o) => {
          await openReports(o.page);
          await waitUntil(() => o.server.requests.includes("GET /api/labels"), "labels asked");
          assert.equal(await o.page.getByLabel(/^Label/).count(), 0);
          assert.deepEqual(o.pageErrors, []);
        },
      );

      await step(
        "keyboard: #/reports opens the view; back returns focus to the Reports button",
        {},
        async (o) => {
          const { page } = o;
          await page.goto(`${o.server.url}/console#/reports`);
          await page.getByText("1 min 35 s").first().waitFor();
          const back = page.getByRole("button", { name: "Back to conversations" });
          await back.focus();
          await page.keyboard.press("Enter");
          await page.getByRole("tab", { name: /^Queue/ }).waitFor();
          assert.equal(await page.evaluate(() => document.activeElement?.id), "reports-button");
          assert.equal(
            await page.getByRole("button", { name: "Reports", exact: true }).getAttribute(
              "aria-pressed",
            ),
            "false",
          );
          // The view shortcut (2 = Mine) leaves Reports too.
          await page.keyboard.press("Enter");
          await page.getByRole("heading", { name: "Reports", level: 2 }).waitFor();
          await page.locator("body").click({ position: { x: 5, y: 400 } });
          await page.keyboard.press("2");
          await page.getByRole("tab", { name: /^Mine/, selected: true }).waitFor();
          assert.equal(await page.getByRole("heading", { name: "Reports", level: 2 }).count(), 0);
        },
      );

      for (const scheme of ["light", "dark"] as const) {
        await step(`axe finds no serious or critical violations (${scheme})`, {
          scheme,
          bypassCSP: true,
        }, async (o) => {
          await openReports(o.page);
          // Tables open too, so axe checks them as well.
          for (const s of await o.page.locator("details.report-table summary").all()) {
            await s.click();
          }
          await o.page.getByLabel(/^Period/).selectOption({ label: "Custom" });
          assert.deepEqual(await axeViolations(o.page), []);
        });
      }

      for (const scheme of ["light", "dark"] as const) {
        for (
          const [device, viewport] of [
            ["desktop", { width: 1280, height: 800 }],
            ["phone", { width: 390, height: 844 }],
          ] as const
        ) {
          await step(`screenshot: ${device}, ${scheme}`, { scheme, viewport }, async (o) => {
            await openReports(o.page);
            const dir = await artifactsDir();
            await o.page.screenshot({
              path: `${dir}/console-reports-${device}-${scheme}.png`,
              fullPage: true,
            });
            // Nothing wider than the screen on a phone: tables scroll inside their box.
            const overflow = await o.page.evaluate(() =>
              document.documentElement.scrollWidth - document.documentElement.clientWidth
            );
            assert.ok(overflow <= 0, `page scrolls sideways by ${overflow} px`);
          });
        }
      }
    } finally {
      await Deno.remove(dist, { recursive: true });
    }
  },
});
