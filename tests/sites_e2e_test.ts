/**
 * Two storefronts on two site keys from one server, set up from the console, in real Chromium
 * against the real server: an admin creates a second site, a storefront on another origin embeds
 * it with its own colour and greeting, a colour change reaches it on reload, an origin not
 * allowed gets no chat, Arabic renders right to left, a light brand colour passes axe, and an
 * agent limited to the new site sees only its conversations.
 * Run after `deno task build` (the server serves `dist/`).
 */

import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { artifactsDir, browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { storySteps } from "./helpers/story.ts";
import { axeViolations } from "./helpers/axe.ts";
import { waitUntil } from "./helpers/wait.ts";
import { signInConsole } from "./helpers/console_sign_in.ts";

const TIMEOUT = 30_000;

/** A storefront on its own origin (a port of its own) whose pages embed `widget.js`. */
interface Storefront extends AsyncDisposable {
  origin: string;
  /** The URL of a page embedding site `site` with extra `data-*` attributes. */
  page(site: string, attrs?: Record<string, string>): string;
}

function startStorefront(parley: string): Storefront {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    const attrs = [...url.searchParams].filter(([k]) => k !== "site")
      .map(([k, v]) => ` data-${k}="${v.replace(/[^\w#-]/g, "")}"`).join("");
    const site = (url.searchParams.get("site") ?? "").replace(/[^\w-]/g, "");
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
      `<title>Fernhill Garden</title></head><body><main><h1>Fernhill Garden</h1>` +
      `<p>Seeds and tools.</p></main>` +
      `<script src="${parley}/widget.js" data-site="${site}"${attrs} async></script>` +
      `</body></html>`;
    return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    origin,
    page: (site, attrs = {}) => `${origin}/?${new URLSearchParams({ site, ...attrs })}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function newPage(
  browser: Browser,
  opts: { phone?: boolean; locale?: string } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: opts.phone ? { width: 390, height: 844 } : { width: 1280, height: 800 },
    ...(opts.locale ? { locale: opts.locale } : {}),
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  return { context, page };
}

/** The launcher's computed background colour, once it is drawn. */
async function launcherColour(page: Page): Promise<string> {
  const launcher = page.locator("parley-chat").getByRole("button", { name: /chat/i }).first();
  await launcher.waitFor();
  return await launcher.evaluate((el) => getComputedStyle(el).backgroundColor);
}

Deno.test({
  name: "sites end to end: two storefronts, each with its own settings, origins and agents",
  ignore: !browserAvailable(),
  async fn(t) {
    const step = storySteps(t);
    await using srv: TestServer = await startTestServer();
    await using browser = await launchBrowser();
    await using shop = startStorefront(srv.url);
    await using elsewhere = startStorefront(srv.url);
    const dir = await artifactsDir();
    const admin = await newPage(browser);
    const a = admin.page;
    await signInConsole(a, srv.url);

    await step("an admin creates a second site in the console", async () => {
      await a.getByRole("button", { name: "Settings" }).click();
      const dialog = a.getByRole("dialog", { name: "Settings" });
      await dialog.getByRole("button", { name: "Sites" }).click();
      await dialog.getByRole("button", { name: "New site" }).click();
      await dialog.getByLabel("Name", { exact: true }).fill("Fernhill Garden");
      await dialog.getByLabel("Site id").fill("fernhill");
      await dialog.getByLabel("Allowed origins").fill(shop.origin);
      await dialog.getByLabel("Brand colour hex code").fill("#ffd43b");
      await dialog.getByLabel("Greeting", { exact: true }).fill(
        "Welcome to Fernhill! Ask us anything.",
      );
      await dialog.getByRole("button", { name: "Save site" }).click();
      await dialog.getByText("Site Fernhill Garden created").waitFor();
      assert.equal(
        await dialog.getByLabel("Embed snippet").inputValue(),
        `<script src="${srv.url}/widget.js" data-site="fernhill" async></script>`,
      );
      // The identity secret is shown once, on creation.
      await dialog.getByRole("textbox", { name: "Identity secret" }).waitFor();
      await a.screenshot({ path: `${dir}/sites-e2e-console.png` });
      await a.keyboard.press("Escape");
      const site = await srv.store.getSite("fernhill");
      assert.ok(site, "the site is stored");
      assert.deepEqual(site.allowedOrigins, [shop.origin]);
    });

    await step(
      "the storefront on another origin shows the site's colour and greeting",
      async () => {
        const { context, page } = await newPage(browser);
        try {
          await page.goto(shop.page("fernhill"));
          assert.equal(await launcherColour(page), "rgb(255, 212, 59)");
          await page.locator("parley-chat").getByRole("button", { name: "Open chat" }).click();
          await page.getByText("Welcome to Fernhill! Ask us anything.").waitFor();
          await page.getByRole("textbox", { name: "Message" }).fill("Do you sell tulip bulbs?");
          await page.getByRole("button", { name: "Send", exact: true }).click();
          await page.locator("parley-chat .ds[title='Sent']").waitFor();
          assert.deepEqual(await axeViolations(page), [], "light brand colour, open panel");
          await page.screenshot({ path: `${dir}/sites-e2e-storefront.png` });
        } finally {
          await context.close();
        }
      },
    );

    await step("changing the colour in the console changes the widget on reload", async () => {
      const { context, page } = await newPage(browser);
      try {
        await page.goto(shop.page("fernhill"));
        assert.equal(await launcherColour(page), "rgb(255, 212, 59)");
        await a.getByRole("button", { name: "Settings" }).click();
        const dialog = a.getByRole("dialog", { name: "Settings" });
        await dialog.getByRole("button", { name: "Sites" }).click();
        await dialog.getByRole("button", { name: "Edit Fernhill Garden" }).click();
        await dialog.getByLabel("Brand colour hex code").fill("#0a6b2e");
        await dialog.getByRole("button", { name: "Save site" }).click();
        await dialog.getByText("Saved. Storefronts load it on their next page view.").waitFor();
        await a.keyboard.press("Escape");
        await page.reload();
        assert.equal(await launcherColour(page), "rgb(10, 107, 46)");
      } finally {
        await context.close();
      }
    });

    await step("an origin not in allowedOrigins gets no chat", async () => {
      const { context, page } = await newPage(browser);
      try {
        const refused = page.waitForResponse((r) => r.url().includes("/api/widget/sites/fernhill"));
        await page.goto(elsewhere.page("fernhill"));
        assert.equal((await refused).status(), 403);
        await page.waitForLoadState("networkidle");
        assert.equal(await page.locator("parley-chat").getByRole("button").count(), 0);
      } finally {
        await context.close();
      }
    });

    await step("Arabic renders right to left, desktop and phone", async () => {
      for (const phone of [false, true]) {
        const { context, page } = await newPage(browser, { phone });
        try {
          await page.goto(shop.page("fernhill", { locale: "ar" }));
          await page.locator("parley-chat").getByRole("button", { name: "فتح الدردشة" }).click();
          const box = page.locator("parley-chat").getByRole("textbox").first();
          await box.waitFor();
          await box.evaluate(async (el) => {
            const root = el.getRootNode() as ShadowRoot;
            await Promise.all(root.getAnimations().map((a) => a.finished.catch(() => a)));
          });
          const panelDir = await page.locator("parley-chat").getByRole("log").first().evaluate(
            (el) => getComputedStyle(el).direction,
          );
          assert.equal(panelDir, "rtl");
          await page.screenshot({
            path: `${dir}/sites-e2e-arabic-${phone ? "phone" : "desktop"}.png`,
          });
        } finally {
          await context.close();
        }
      }
    });

    await step(
      "an agent limited to the new site sees its conversation, not the demo's",
      async () => {
        const demoVisitor = await srv.visitorSocket();
        demoVisitor.send({
          type: "message",
          clientId: "demo-1",
          body: "A question from the demo shop",
        });
        await demoVisitor.nextOf("ack");
        await demoVisitor.close();
        const cleo = await srv.createAgent({ name: "Cleo Fernhill" });
        await a.getByRole("button", { name: "Settings" }).click();
        const dialog = a.getByRole("dialog", { name: "Settings" });
        await dialog.getByRole("button", { name: "Team" }).click();
        await dialog.getByRole("button", { name: "Edit Cleo Fernhill" }).click();
        const limits = dialog.getByRole("group", { name: /^Sites Cleo Fernhill may answer/ });
        await limits.getByRole("checkbox", { name: "Fernhill Garden" }).check();
        await dialog.getByRole("button", { name: "Save", exact: true }).click();
        await waitForAgentSites(srv, cleo.id, ["fernhill"]);
        await a.keyboard.press("Escape");

        const { context, page } = await newPage(browser);
        try {
          await signInConsole(page, srv.url, { email: cleo.email, password: cleo.password });
          await page.locator(".row", { hasText: "Do you sell tulip bulbs?" }).waitFor();
          assert.equal(
            await page.locator(".row", { hasText: "A question from the demo shop" }).count(),
            0,
          );
          // The admin sees both, and can filter by site.
          await a.locator(".row", { hasText: "A question from the demo shop" }).waitFor();
          await a.getByLabel("Site").selectOption({ label: "Fernhill Garden" });
          await a.locator(".row", { hasText: "Do you sell tulip bulbs?" }).waitFor();
          assert.equal(
            await a.locator(".row", { hasText: "A question from the demo shop" }).count(),
            0,
          );
        } finally {
          await context.close();
        }
      },
    );
    await admin.context.close();
  },
});

function waitForAgentSites(srv: TestServer, agentId: string, sites: string[]) {
  return waitUntil(
    async () =>
      JSON.stringify((await srv.store.getAgent(agentId))?.sites) === JSON.stringify(sites),
    `agent ${agentId} may answer only ${sites.join(", ")}`,
  );
}
