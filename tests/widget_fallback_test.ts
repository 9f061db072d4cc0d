/**
 * The widget's HTTP fallback in real Chromium against the scripted fake server
 * (`tests/widget_fake_server.ts`) refusing the WebSocket upgrade, as a proxy that drops it does:
 * after two failed attempts the UI loads `widget-fallback-<hash>.js` and chats over the
 * streamed `fetch` and posts (docs/widget.md "When WebSockets are blocked"), messages both ways
 * live and exactly once, through a reload; the rating chunk loads once the conversation is
 * resolved. The real server's side is tested with the server (issue 19).
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { buildWidget } from "../widget/build.ts";
import { browserAvailable, sharedBrowser } from "./helpers/browser.ts";
import { openChat } from "./helpers/widget_page.ts";
import { waitUntil } from "./helpers/wait.ts";
import { startFakeServer } from "./widget_fake_server.ts";

const PAGES = {
  "/shop": {
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>` +
      `<body><h1>Shop</h1><script src="{{ORIGIN}}/widget.js" data-site="demo" async></script>` +
      `</body></html>`,
  },
};

/** Everything in the log's bubbles, the greeting included, in order. */
function thread(p: Page): Promise<string[]> {
  return p.locator("parley-chat .l .bb").allInnerTexts();
}

Deno.test({
  name: "widget over the HTTP fallback in Chromium, the upgrade refused",
  ignore: !browserAvailable(),
  async fn() {
    const dist = await Deno.makeTempDir({ prefix: "parley-widget-fallback-" });
    await Deno.mkdir(`${dist}/assets`);
    await buildWidget({ outDir: dist });
    const { stop } = await import("esbuild");
    await stop();
    const server = await startFakeServer({ distDir: dist, pages: PAGES, refuseUpgrade: true });
    const ctx = await (await sharedBrowser().get()).newContext();
    const errors: string[] = [];
    const scripts: string[] = [];
    try {
      const p = await ctx.newPage();
      p.on("pageerror", (e) => errors.push(e.message));
      p.on("request", (r) => {
        if (r.resourceType() === "script") scripts.push(new URL(r.url()).pathname);
      });
      await p.goto(`${server.url}/shop`);
      await openChat(p);
      await p.getByRole("textbox", { name: "Message" }).fill("Hello over HTTP");
      await p.getByRole("button", { name: "Send" }).click();

      // Two refused upgrades, then the chunk, whose first attempt tries a WebSocket once more
      // (the chunk has no failure of its own yet), then a stream and the message posted, once.
      await waitUntil(
        () => server.messages().some((m) => m.body === "Hello over HTTP"),
        "the message reached the server",
      );
      assert.equal(server.counts.ws, 3, "the fallback after the second refused upgrade");
      assert.equal(server.counts.stream, 1, "one stream, kept open");
      assert.equal(scripts.filter((s) => /\/widget-fallback-\w+\.js$/.test(s)).length, 1);
      await p.locator("parley-chat .ds[title=Sent]").waitFor();
      assert.match(await p.locator("parley-chat .h p").innerText(), /^Online/);

      // A reply arrives live, without a reload.
      server.agentSay("Hi, over Server-Sent Events");
      await p.getByText("Hi, over Server-Sent Events").waitFor();

      // A reload: the fallback again after the refusals; nothing shows twice.
      await p.reload();
      await openChat(p);
      await p.getByText("Hi, over Server-Sent Events").waitFor();
      await p.getByRole("textbox", { name: "Message" }).fill("Second, after the reload");
      await p.getByRole("button", { name: "Send" }).click();
      await waitUntil(
        () => server.messages().length === 3,
        "the second message reached the server",
      );
      await p.locator("parley-chat .ds[title=Sent]").nth(1).waitFor();
      assert.deepEqual(server.messages().map((m) => m.body), [
        "Hello over HTTP",
        "Hi, over Server-Sent Events",
        "Second, after the reload",
      ]);
      assert.deepEqual((await thread(p)).slice(1), server.messages().map((m) => m.body));
      assert.equal(scripts.filter((s) => /\/widget-fallback-\w+\.js$/.test(s)).length, 2);
      assert.ok(server.counts.ws >= 6);

      // Resolved: the rating chunk draws the stars; a rating goes over the fallback.
      server.resolve();
      await p.getByRole("button", { name: "Rate 5 out of 5" }).click();
      await p.getByText("Thanks for your feedback!").waitFor();
      await waitUntil(
        () => server.received.some((f) => f.type === "rate" && f.rating === 5),
        "the rating reached the server",
      );
      assert.equal(scripts.filter((s) => /\/widget-rating-\w+\.js$/.test(s)).length, 1);
      assert.deepEqual(errors, []);
    } finally {
      await ctx.close();
      await server.close();
      await Deno.remove(dist, { recursive: true });
    }
  },
});
