/**
 * Sites in the agent console, in real Chromium against the scripted server
 * (`console_fake_server.ts` with `console_fake_sites.ts`): the Sites tab (create, edit with a
 * live preview, snippet, identity secret shown once, deletion with conversations), agents'
 * sites and password resets in the Team tab, and the inbox's site filter. Screenshots of the
 * Sites tab at desktop and phone sizes go to `/tmp/shots-console/`.
 */

import assert from "node:assert/strict";
import { stop } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { buildConsole } from "../agent-console/build.ts";
import { DEFAULT_WIDGET_SETTINGS } from "../protocol/site_settings.ts";
import type { ConversationSummary } from "../protocol/frames.ts";
import { browserAvailable, sharedBrowser } from "./helpers/browser.ts";
import { axeViolations } from "./helpers/axe.ts";
import { waitUntil } from "./helpers/wait.ts";
import { type FakeData, type FakeServer, startFakeServer } from "./console_fake_server.ts";
import { demoData } from "./console_fixtures.ts";

const SHOTS = "/tmp/shots-console";

interface Open {
  server: FakeServer;
  page: Page;
  cspErrors: string[];
  pageErrors: string[];
}

interface OpenOptions {
  email?: string;
  password?: string;
  viewport?: { width: number; height: number };
  /** Changes the fixtures before the console loads. */
  setup?(data: FakeData): void;
  /** Let the page run scripts its CSP forbids (axe needs it). */
  bypassCSP?: boolean;
}

/** A second site, "Outlet", with one waiting conversation. */
function addOutlet(data: FakeData, conversation = true) {
  data.sites.sites.push({
    ...DEFAULT_WIDGET_SETTINGS,
    id: "outlet",
    name: "Outlet",
    allowedOrigins: ["https://outlet.example"],
    requireVerified: false,
    autoAssign: false,
    createdAt: new Date().toISOString(),
  });
  if (conversation) data.conversations.push(outletConversation("c20", "Olga Outlet"));
}

function outletConversation(id: string, visitorName: string): ConversationSummary {
  const now = new Date().toISOString();
  return {
    id,
    siteId: "outlet",
    visitorId: `v-${id}`,
    visitorName,
    status: "queued",
    assigneeId: null,
    lastSeq: 1,
    lastMessage: { body: "Is this on sale?", authorKind: "visitor", createdAt: now },
    readSeq: 0,
    visitorReadSeq: 0,
    rating: null,
    createdAt: now,
    updatedAt: now,
  };
}

async function withConsole(
  browser: Browser,
  dist: string,
  opts: OpenOptions,
  fn: (o: Open) => Promise<void>,
) {
  const data = demoData();
  opts.setup?.(data);
  const server = await startFakeServer(dist, data);
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    bypassCSP: opts.bypassCSP ?? false,
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  const page = await context.newPage();
  const o: Open = { server, page, cspErrors: [], pageErrors: [] };
  page.on("console", (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) o.cspErrors.push(m.text());
  });
  page.on("pageerror", (e) => o.pageErrors.push(e.message));
  try {
    await page.goto(`${server.url}/console`);
    await page.getByLabel("Email").fill(opts.email ?? "ann@example.com");
    await page.getByLabel("Password").fill(opts.password ?? "correct horse");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Chloé Martin").waitFor();
    await fn(o);
  } finally {
    await context.close();
    await server.close();
  }
}

async function openSettings(page: Page, tab: string) {
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("dialog", { name: "Settings" }).getByRole("button", {
    name: tab,
    exact: true,
  })
    .click();
}

/** The preview's computed colours and direction. */
function previewLook(page: Page) {
  return page.getByTestId("widget-preview").evaluate((el) => {
    const head = el.querySelector(".pv-head");
    const style = head ? getComputedStyle(head) : null;
    return {
      background: style?.backgroundColor,
      color: style?.color,
      dir: el.querySelector(".pv-panel")?.getAttribute("dir"),
    };
  });
}

/** True when nothing on the page is wider than the viewport (no sideways scrolling). */
function noHorizontalOverflow(page: Page) {
  return page.evaluate(() => {
    const dialog = document.querySelector("dialog[open]");
    const doc = document.documentElement;
    return doc.scrollWidth <= doc.clientWidth &&
      (!dialog || dialog.scrollWidth <= dialog.clientWidth);
  });
}

Deno.test({
  name: "console sites against a scripted server",
  ignore: !browserAvailable(),
  async fn(t) {
    const dist = await Deno.makeTempDir({ prefix: "parley-console-sites-" });
    await buildConsole({ outDir: dist });
    await stop();
    await Deno.mkdir(SHOTS, { recursive: true });
    await using browsers = sharedBrowser();
    const step = (name: string, opts: OpenOptions, fn: (o: Open) => Promise<void>) =>
      t.step(name, async () => withConsole(await browsers.get(), dist, opts, fn));
    try {
      await step(
        "an admin creates a site, edits colour, greeting and hours with a live preview",
        {},
        async ({ page, server, cspErrors, pageErrors }) => {
          await openSettings(page, "Sites");
          const list = page.getByRole("region", { name: "Sites" });
          const demo = list.getByRole("listitem").filter({ hasText: "Demo shop" });
          await demo.getByText("5 conversations").waitFor();
          await demo.getByText("Any website can embed this chat").waitFor();

          await page.getByRole("button", { name: "New site" }).click();
          await page.getByLabel("Name", { exact: true }).fill("Second shop");
          await page.getByLabel("Site id").fill("second");
          await page.getByLabel("Allowed origins").fill("https://second.example");
          await page.getByRole("button", { name: "Save site" }).click();

          // The identity secret is shown once, then gone.
          const secretBox = page.getByRole("textbox", { name: "Identity secret" });
          await secretBox.waitFor();
          await page.screenshot({ path: `${SHOTS}/sites-created-secret-desktop.png` });
          assert.equal(await secretBox.inputValue(), server.data.sites.secrets.second);
          assert.ok(server.requests.includes("POST /api/sites"));
          await page.getByRole("button", { name: "I have stored it" }).click();
          await secretBox.waitFor({ state: "detached" });

          // The colour: the preview's header turns yellow with black text (the readable one).
          await page.getByLabel("Brand colour hex code").fill("#ffd43b");
          await waitUntil(
            async () => (await previewLook(page)).background === "rgb(255, 212, 59)",
            "the preview shows the new colour",
          );
          assert.equal((await previewLook(page)).color, "rgb(0, 0, 0)");
          await page.getByLabel("Brand colour hex code").fill("#1a237e");
          await waitUntil(
            async () => (await previewLook(page)).color === "rgb(255, 255, 255)",
            "the preview's text turns white on a dark colour",
          );

          // The greeting, in English and in French.
          const preview = page.getByTestId("widget-preview");
          await page.getByLabel("Greeting").fill("Welcome to the second shop");
          await preview.getByText("Welcome to the second shop").waitFor();
          await page.getByLabel("Text language").selectOption("fr");
          assert.equal(await page.getByLabel("Greeting").inputValue(), "");
          await page.getByLabel("Greeting").fill("Bienvenue dans la deuxième boutique");
          await preview.getByText("Bienvenue dans la deuxième boutique").waitFor();

          // Business hours: Monday 09:00-17:00 and 18:00-20:00 in Paris.
          await page.getByLabel("Set business hours").check();
          await page.getByLabel("Time zone").selectOption("Europe/Paris");
          await page.getByRole("button", { name: "Add a range on Monday" }).click();
          await page.getByRole("button", { name: "Add a range on Monday" }).click();
          await page.getByLabel("Monday range 2 from").fill("20:00");
          await page.getByLabel("Monday range 2 to").fill("18:00");
          await page.getByRole("button", { name: "Save site" }).click();
          // The server's refusal shows beside the form, as text.
          await page.getByRole("alert").filter({ hasText: "ends before it starts" }).waitFor();
          await page.getByLabel("Monday range 2 from").fill("18:00");
          await page.getByLabel("Monday range 2 to").fill("20:00");
          await page.getByRole("button", { name: "Add a range on Saturday" }).click();
          await page.getByLabel("Saturday range 1 to").fill("12:30");
          await page.getByRole("button", { name: "Use Monday's hours from Tuesday to Friday" })
            .click();
          assert.equal(await page.getByLabel("Friday range 2 to").inputValue(), "20:00");
          await page.getByRole("button", { name: "Add a range on Sunday" }).click();
          await page.getByRole("button", { name: "Remove Sunday range 1" }).click();
          await page.getByRole("button", { name: "Save site" }).click();
          await page.getByText("Saved. Storefronts load it on their next page view.").waitFor();
          const saved = server.data.sites.sites.find((s) => s.id === "second");
          assert.equal(saved?.color, "#1a237e");
          assert.deepEqual(saved?.greeting, {
            en: "Welcome to the second shop",
            fr: "Bienvenue dans la deuxième boutique",
          });
          const week: [string, string][] = [["09:00", "17:00"], ["18:00", "20:00"]];
          assert.deepEqual(saved?.businessHours, {
            timezone: "Europe/Paris",
            days: {
              mon: week,
              tue: week,
              wed: week,
              thu: week,
              fri: week,
              sat: [["09:00", "12:30"]],
            },
          });
          assert.deepEqual(saved?.allowedOrigins, ["https://second.example"]);

          // Arabic as the default language mirrors the preview.
          await page.getByLabel("Default language").selectOption("ar");
          await waitUntil(async () => (await previewLook(page)).dir === "rtl", "RTL preview");

          // The snippet, copied.
          const snippet =
            `<script src="${server.url}/widget.js" data-site="second" async></script>`;
          assert.equal(await page.getByLabel("Embed snippet").inputValue(), snippet);
          await page.getByRole("button", { name: "Copy snippet" }).click();
          await page.getByRole("region", { name: "Snippet" }).getByText("Copied").waitFor();
          assert.equal(await page.evaluate(() => navigator.clipboard.readText()), snippet);

          // Rotation: a new secret, shown once.
          const before = server.data.sites.secrets.second;
          await page.getByRole("button", { name: "Rotate identity secret" }).click();
          await page.getByRole("button", { name: "Yes, rotate" }).click();
          await secretBox.waitFor();
          const rotated = await secretBox.inputValue();
          assert.notEqual(rotated, before);
          assert.equal(rotated, server.data.sites.secrets.second);
          await page.getByRole("button", { name: "Copy secret" }).click();
          assert.equal(await page.evaluate(() => navigator.clipboard.readText()), rotated);
          await page.getByRole("button", { name: "I have stored it" }).click();
          await secretBox.waitFor({ state: "detached" });
          // Never in a listing either.
          await page.getByRole("button", { name: "‹ All sites" }).click();
          assert.equal(await list.getByText(rotated).count(), 0);
          assert.deepEqual(cspErrors, []);
          assert.deepEqual(pageErrors, []);
        },
      );

      await step(
        "deleting a site with conversations asks again, then deletes them with force",
        {},
        async ({ page, server }) => {
          await openSettings(page, "Sites");
          await page.getByRole("button", { name: "Edit Demo shop" }).click();
          await page.getByRole("button", { name: "Delete site" }).click();
          await page.getByRole("button", { name: "Yes, delete" }).click();
          const force = page.getByRole("button", { name: "Delete with 5 conversations" });
          await force.waitFor();
          await page.getByRole("alert").filter({ hasText: "has 5 conversations" }).waitFor();
          await page.getByRole("region", { name: "Identity secret and deletion" }).screenshot({
            path: `${SHOTS}/sites-delete-conflict-desktop.png`,
          });
          assert.ok(server.requests.includes("DELETE /api/sites/demo"));
          assert.equal(server.data.sites.sites.length, 1);
          await force.click();
          await page.getByRole("region", { name: "Sites" }).getByText("No site yet").waitFor();
          assert.ok(server.requests.includes("DELETE /api/sites/demo?force=true"));
          assert.equal(server.data.sites.sites.length, 0);
          // Its conversations leave the inbox too.
          await page.getByRole("button", { name: "Close" }).click();
          await page.getByText("Chloé Martin").waitFor({ state: "detached" });
        },
      );

      await step(
        "an agent sees neither the Sites nor the Team tab, nor a site filter with one site",
        { email: "bob@example.com", password: "battery staple" },
        async ({ page }) => {
          assert.equal(await page.getByRole("combobox", { name: "Site" }).count(), 0);
          await page.getByRole("button", { name: "Settings" }).click();
          const dialog = page.getByRole("dialog", { name: "Settings" });
          await dialog.getByRole("button", { name: "Profile", exact: true }).waitFor();
          assert.equal(await dialog.getByRole("button", { name: "Sites", exact: true }).count(), 0);
          assert.equal(await dialog.getByRole("button", { name: "Team", exact: true }).count(), 0);
        },
      );

      await step(
        "an admin limits an agent to some sites and resets their password",
        { setup: (d) => addOutlet(d) },
        async ({ page, server }) => {
          await openSettings(page, "Team");
          await page.getByRole("button", { name: "Edit Bob Builder" }).click();
          const sites = page.getByRole("group", { name: /Sites Bob Builder may answer/ });
          await sites.getByRole("checkbox", { name: "Outlet" }).check();
          await page.getByRole("button", { name: "Save", exact: true }).click();
          await page.getByText("bob@example.com · away · capacity 3 · Outlet").waitFor();
          const bob = () => server.data.agents.find((a) => a.id === "bob");
          assert.deepEqual(bob()?.sites, ["outlet"]);
          assert.ok(server.requests.includes("PATCH /api/agents/bob"));

          // Back to every site: no box checked.
          await page.getByRole("button", { name: "Edit Bob Builder" }).click();
          await sites.getByRole("checkbox", { name: "Outlet" }).uncheck();
          await page.getByRole("button", { name: "Save", exact: true }).click();
          await page.getByText("bob@example.com · away · capacity 3 · All sites").waitFor();
          assert.deepEqual(bob()?.sites, []);

          await page.getByRole("button", { name: "Edit Bob Builder" }).click();
          await page.getByLabel("New password for Bob Builder").waitFor();
          await page.screenshot({ path: `${SHOTS}/team-edit-desktop.png` });
          await page.getByLabel("New password for Bob Builder").fill("a brand new one");
          await page.getByRole("button", { name: "Reset password" }).click();
          await page.getByRole("status").filter({ hasText: "Password reset." }).waitFor();
          assert.equal(server.data.passwords["bob@example.com"], "a brand new one");
          assert.ok(server.requests.includes("POST /api/agents/bob/password"));
        },
      );

      await step(
        "the site filter refetches the inbox with ?site= and conversations name their site",
        { setup: (d) => addOutlet(d) },
        async ({ page, server }) => {
          const filter = page.getByRole("combobox", { name: "Site" });
          await filter.waitFor();
          const olga = page.locator(".row", { hasText: "Olga Outlet" });
          await olga.getByText("Outlet", { exact: true }).waitFor();
          await page.locator(".row", { hasText: "Chloé Martin" }).getByText("Demo shop").waitFor();

          // Not in the welcome: only the refetch can bring it.
          server.data.conversations.push(outletConversation("c21", "Late Larch"));
          await filter.selectOption("outlet");
          await page.locator(".row", { hasText: "Late Larch" }).waitFor();
          await page.getByText("Chloé Martin").waitFor({ state: "detached" });
          assert.ok(
            server.requests.some((r) =>
              r.startsWith("GET /api/conversations?") && r.includes("site=outlet")
            ),
          );
          await page.getByRole("tab", { name: /^Queue\s*2$/ }).waitFor();

          await olga.click();
          await page.getByRole("heading", { name: "Olga Outlet", level: 2 }).waitFor();
          await page.locator(".conv-sub", { hasText: "· Outlet" }).waitFor();
          const panel = page.getByRole("complementary", { name: "Visitor details" });
          await panel.locator(".fact", { hasText: "Site" }).getByText("Outlet").waitFor();
          await page.screenshot({ path: `${SHOTS}/inbox-site-filter-desktop.png` });

          await filter.selectOption("");
          await page.getByText("Chloé Martin").waitFor();
        },
      );

      await step(
        "the agent's own sites changing refetches the inbox without a reconnect",
        { setup: (d) => addOutlet(d) },
        async ({ page, server }) => {
          await page.getByRole("combobox", { name: "Site" }).waitFor();
          const ann = server.data.agents.find((a) => a.id === "ann")!;
          ann.sites = ["outlet"];
          server.data.conversations.push(outletConversation("c22", "Fresh Fern"));
          const sockets = server.socketCount;
          server.push({ type: "agent", agent: { ...ann } });
          await page.locator(".row", { hasText: "Fresh Fern" }).waitFor();
          await page.getByText("Chloé Martin").waitFor({ state: "detached" });
          // One site left: no filter, no site names.
          await page.getByRole("combobox", { name: "Site" }).waitFor({ state: "detached" });
          assert.equal(await page.locator(".badge-site").count(), 0);
          assert.equal(server.socketCount, sockets);
        },
      );

      await step(
        "axe-core finds no serious or critical violations in the Sites tab, Team and filter",
        { bypassCSP: true, setup: (d) => addOutlet(d) },
        async ({ page }) => {
          const scan = async (what: string) =>
            assert.deepEqual(await axeViolations(page), [], what);
          await page.getByRole("combobox", { name: "Site" }).waitFor();
          await scan("inbox with the site filter");
          await openSettings(page, "Team");
          await page.getByRole("button", { name: "Edit Bob Builder" }).click();
          await page.getByLabel("New password for Bob Builder").waitFor();
          await scan("team with sites and password reset");
          await page.getByRole("dialog", { name: "Settings" }).getByRole("button", {
            name: "Sites",
            exact: true,
          }).click();
          await page.getByText("5 conversations").waitFor();
          await scan("sites list");
          await page.getByRole("button", { name: "Edit Demo shop" }).click();
          await page.getByLabel("Set business hours").check();
          await page.getByRole("button", { name: "Add a range on Monday" }).click();
          await page.getByLabel("Brand colour hex code").fill("#ffd43b");
          await page.getByRole("button", { name: "Delete site" }).click();
          await scan("site editor");
        },
      );

      for (
        const [name, viewport] of [
          ["desktop", { width: 1280, height: 800 }],
          ["phone", { width: 390, height: 844 }],
        ] as const
      ) {
        await step(
          `screenshots of the Sites tab on a ${name}`,
          { viewport, setup: (d) => addOutlet(d, false) },
          async ({ page }) => {
            if (name === "phone") {
              // The phone shows the inbox alone; Settings is in the top bar.
              await page.getByRole("button", { name: "Settings" }).waitFor();
            }
            await openSettings(page, "Sites");
            await page.getByText("5 conversations").waitFor();
            assert.ok(await noHorizontalOverflow(page), "the list fits the width");
            await page.screenshot({ path: `${SHOTS}/sites-list-${name}.png` });
            await page.getByRole("button", { name: "Edit Demo shop" }).click();
            await page.getByLabel("Greeting").fill("Hi! Questions about an order? Ask away.");
            await page.getByLabel("Set business hours").check();
            await page.getByRole("button", { name: "Add a range on Monday" }).click();
            await page.getByRole("button", { name: "Add a range on Monday" }).click();
            await page.getByLabel("Brand colour hex code").fill("#ffd43b");
            assert.ok(await noHorizontalOverflow(page), "the editor fits the width");
            await page.screenshot({ path: `${SHOTS}/sites-edit-${name}.png` });
            await page.getByRole("group", { name: "Business hours" }).screenshot({
              path: `${SHOTS}/sites-hours-${name}.png`,
            });
            await page.getByRole("region", { name: "Preview" }).screenshot({
              path: `${SHOTS}/sites-preview-${name}.png`,
            });
            await page.getByLabel("Default language").selectOption("ar");
            await page.getByLabel("Greeting").fill("مرحبا! كيف يمكننا مساعدتك؟");
            await page.getByLabel("Team name").fill("فريق الدعم");
            await page.getByLabel("Launcher label").fill("تحدث معنا");
            await page.getByLabel("Position").selectOption("left");
            await page.getByTestId("widget-preview").getByText("تحدث معنا").waitFor();
            await page.getByRole("region", { name: "Preview" }).screenshot({
              path: `${SHOTS}/sites-preview-rtl-${name}.png`,
            });
          },
        );
      }
    } finally {
      await Deno.remove(dist, { recursive: true });
    }
  },
});
