/**
 * What people see of the public API, in real Chromium against the real server: a named bot's
 * reply sent through `/api/v1` shows in the widget under the bot's name and in the console
 * with a "Bot" badge; an admin creates an API token in Settings → API tokens (the secret shown
 * once, with "Copy token"), and revokes it behind a confirmation. Screenshots, desktop and
 * phone, go to the artifacts directory.
 */

import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { buildWidget } from "../widget/build.ts";
import { buildConsole } from "../agent-console/build.ts";
import { artifactsDir, browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { openChat } from "./helpers/widget_page.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { call, makeToken } from "./api_helpers.ts";

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

async function context(browser: Browser, viewport: typeof DESKTOP): Promise<BrowserContext> {
  return await browser.newContext({
    viewport,
    ...(viewport === PHONE ? { isMobile: true, hasTouch: true } : {}),
  });
}

/** The visitor writes `body` in the widget; returns the conversation the API lists for it. */
async function visitorWrites(p: Page, t: TestServer, token: string, body: string) {
  await p.getByRole("textbox", { name: "Message" }).fill(body);
  await p.keyboard.press("Enter");
  await p.locator("parley-chat .ds[title='Sent']").last().waitFor();
  const list = await call(t, "GET", "/api/v1/conversations?limit=100", { token });
  const conv = list.body.data.find((c: { lastMessage: { body: string } | null }) =>
    c.lastMessage?.body === body
  );
  assert.ok(conv, `conversation of ${body}`);
  return conv as { id: string };
}

async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/console`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".conn-connected").waitFor();
}

async function openTokensTab(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("dialog", { name: "Settings" })
    .getByRole("button", { name: "API tokens", exact: true }).click();
  await page.getByRole("region", { name: "API tokens" }).waitFor();
}

Deno.test({
  name: "the public API as people see it: bot replies, the API tokens tab",
  ignore: !browserAvailable(),
  async fn(t) {
    const dist = await Deno.makeTempDir({ prefix: "parley-api-dist-" });
    await Deno.mkdir(`${dist}/assets`);
    await buildWidget({ outDir: dist });
    await buildConsole({ outDir: dist });
    const { stop } = await import("esbuild");
    await stop();
    const shots = await artifactsDir();
    const server = await startTestServer({ env: { PARLEY_DIST_DIR: dist } });
    let browser: Browser | null = null;
    const errors: string[] = [];
    try {
      browser = await launchBrowser();
      const { secret } = await makeToken(server, { name: "Order bot integration" });

      await t.step(
        "a bot's reply shows in the widget under its name, and in the console",
        async () => {
          for (const viewport of [DESKTOP, PHONE]) {
            const ctx = await context(browser!, viewport);
            const p = await ctx.newPage();
            p.on("pageerror", (e) => errors.push(e.message));
            await p.goto(`${server.url}/`);
            await openChat(p);
            const question = `Do you ship to Oslo? (${viewport.width})`;
            const conv = await visitorWrites(p, server, secret, question);
            const sent = await call(server, "POST", `/api/v1/conversations/${conv.id}/messages`, {
              token: secret,
              body: {
                clientId: crypto.randomUUID(),
                body: "Yes: Oslo orders arrive in 2 days.",
                author: { kind: "bot", name: "Order bot" },
              },
            });
            assert.equal(sent.status, 201, sent.text);
            const bubble = p.locator("parley-chat .g").filter({ hasText: "Oslo orders arrive" });
            await bubble.waitFor();
            assert.equal(await bubble.locator(".who").innerText(), "Order bot");
            const name = viewport === DESKTOP ? "desktop" : "phone";
            await p.screenshot({ path: `${shots}/api-widget-bot-${name}.png` });
            await ctx.close();
          }

          const ctx = await context(browser!, DESKTOP);
          const page = await ctx.newPage();
          page.on("pageerror", (e) => errors.push(e.message));
          await signIn(page, server.url);
          await page.getByRole("link", { name: /Oslo orders arrive/ }).first().click();
          const row = page.locator("article.msg-bot").filter({ hasText: "Oslo orders arrive" });
          await row.waitFor();
          assert.equal(await row.locator(".msg-author").innerText(), "Order bot");
          await row.locator(".badge", { hasText: "Bot" }).waitFor();
          await page.screenshot({ path: `${shots}/api-console-bot-desktop.png` });
          await ctx.close();
        },
      );

      await t.step("an admin creates a token, copies it once, and revokes it", async () => {
        const ctx = await context(browser!, DESKTOP);
        await ctx.grantPermissions(["clipboard-read", "clipboard-write"]);
        const page = await ctx.newPage();
        page.on("pageerror", (e) => errors.push(e.message));
        await signIn(page, server.url);
        await openTokensTab(page);
        const form = page.getByRole("form", { name: "New token" });
        await form.getByLabel("Token name").fill("CRM <b>sync</b>");
        await form.getByLabel("Scope").selectOption("write");
        await form.getByRole("button", { name: "Create token" }).click();
        const panel = page.getByRole("region", { name: "New API token" });
        const value = await panel.getByLabel("API token").inputValue();
        assert.match(value, /^parley_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
        await panel.getByRole("button", { name: "Copy token" }).click();
        await panel.getByRole("status").filter({ hasText: /Copied|Selected/ }).waitFor();
        const list = page.getByRole("region", { name: "API tokens" });
        // Typed text stays text.
        await list.getByText("CRM <b>sync</b>").waitFor();
        await list.getByRole("listitem").filter({ hasText: "CRM <b>sync</b>" })
          .getByText("Read and write").waitFor();
        await page.screenshot({ path: `${shots}/api-tokens-created-desktop.png` });
        assert.equal((await call(server, "GET", "/api/v1/agents", { token: value })).status, 200);

        await panel.getByRole("button", { name: "I have stored it" }).click();
        await panel.waitFor({ state: "detached" });
        assert.equal(await page.getByText(value).count(), 0, "the secret is gone from the page");
        await page.reload();
        await page.locator(".conn-connected").waitFor();
        await openTokensTab(page);
        const row = page.getByRole("region", { name: "API tokens" }).getByRole("listitem")
          .filter({ hasText: "CRM <b>sync</b>" });
        await row.getByText(/last used/).waitFor();
        assert.ok(!(await row.innerText()).includes("last used never"), await row.innerText());
        await row.getByRole("button", { name: "Revoke CRM <b>sync</b>" }).click();
        await row.getByRole("group", { name: "Revoke CRM <b>sync</b>?" }).waitFor();
        await page.screenshot({ path: `${shots}/api-tokens-revoke-desktop.png` });
        await row.getByRole("button", { name: "Revoke token" }).click();
        await row.waitFor({ state: "detached" });
        assert.equal((await call(server, "GET", "/api/v1/agents", { token: value })).status, 401);
        await ctx.close();

        const phone = await context(browser!, PHONE);
        const p = await phone.newPage();
        p.on("pageerror", (e) => errors.push(e.message));
        await signIn(p, server.url);
        await openTokensTab(p);
        await p.getByRole("form", { name: "New token" }).getByLabel("Token name").fill(
          "Warehouse",
        );
        await p.getByRole("button", { name: "Create token" }).click();
        await p.getByRole("region", { name: "New API token" }).waitFor();
        await p.screenshot({ path: `${shots}/api-tokens-phone.png` });
        const wide = await p.evaluate(() => {
          const dialog = document.querySelector("dialog[open]");
          if (!dialog || dialog.scrollWidth <= dialog.clientWidth) return [];
          const right = dialog.getBoundingClientRect().right;
          return [...dialog.querySelectorAll("*")]
            .filter((e) => e.getBoundingClientRect().right > right + 1)
            .map((e) =>
              `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().width)}`
            );
        });
        assert.deepEqual(wide, [], "the tab fits a phone without sideways scrolling");
        await phone.close();
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      await server.close();
      await Deno.remove(dist, { recursive: true }).catch(() => {});
    }
  },
});
