/**
 * The widget's shell in real Chromium against the scripted fake server
 * (`tests/widget_fake_server.ts`): the greeting kept above the thread, the header's status
 * following the visitor's own connection, a site refused on the socket, page changes of
 * single-page storefronts, the JS API (`ready`, `hide`/`show`, `update`, `page`, the `kind` of
 * `message` events) and the preload of returning visitors, only when they have something to see.
 * Screenshots (desktop and phone) go to `/work/wt/shots/wshell/` when `/work/wt` exists, else
 * to `tests/artifacts/wshell/` (tests/helpers/shots.ts).
 */

import assert from "node:assert/strict";
import type { BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import type { PageInfo } from "../protocol/frames.ts";
import { buildWidget } from "../widget/build.ts";
import { browserAvailable, sharedBrowser } from "./helpers/browser.ts";
import { shotsDir } from "./helpers/shots.ts";
import { launcherAtRest, openChat } from "./helpers/widget_page.ts";
import { waitUntil } from "./helpers/wait.ts";
import { type FakeServer, startFakeServer } from "./widget_fake_server.ts";

const embed = (site = "demo") =>
  `<script src="{{ORIGIN}}/widget.js" data-site="${site}" async></script>`;
const page = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test shop</title>` +
  `<meta name="viewport" content="width=device-width, initial-scale=1"></head>` +
  `<body><h1>Test shop</h1>${body}</body></html>`;

/** The documented queue stub with every method, and what the page heard from the widget. */
const STUB = `<script>window.Parley=window.Parley||function(){Parley.q.push(arguments)};` +
  `Parley.q=Parley.q||[];["open","close","toggle","identify","setAttributes","update","setSound",` +
  `"on","hide","show","page","shutdown"].forEach(function(m){Parley[m]=Parley[m]||function(){` +
  `Parley.q.push([m].concat([].slice.call(arguments)))}});window.seen=[];` +
  `Parley("on","ready",function(){seen.push("ready")});` +
  `Parley.on("message",function(m){seen.push(m.kind+":"+m.body)});</script>`;

const PAGES = {
  "/shop": { html: page(embed()) },
  "/stub": { html: page(STUB + embed()) },
  // The settings request is blocked (connect-src has only the socket's origin), so the loader
  // draws the launcher from defaults; the socket then finds the site unknown.
  "/refused": {
    html: page(embed("closed-down")),
    csp:
      "default-src 'none'; script-src {{ORIGIN}}; connect-src ws://127.0.0.1:*; style-src 'none'",
  },
};

const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

async function send(p: Page, text: string): Promise<void> {
  await p.getByRole("textbox", { name: "Message" }).fill(text);
  await p.getByRole("button", { name: "Send" }).click();
}

/** The header's status line ("Online · Typically replies…"). */
function headerStatus(p: Page): Promise<string> {
  return p.locator("parley-chat .h p").innerText();
}

/** Everything in the log's bubbles, the greeting included, in order. */
function thread(p: Page): Promise<string[]> {
  return p.locator("parley-chat .l .bb").allInnerTexts();
}

function pagesSent(server: FakeServer): PageInfo[] {
  return server.received.flatMap((f) => f.type === "page" ? [f.page] : []);
}

/** Waits until the panel's entry animation has finished (before a screenshot). */
async function settled(p: Page): Promise<void> {
  await p.locator("parley-chat .p").evaluate((el) =>
    Promise.all(el.getAnimations().map((a) => a.finished.catch(() => a)))
  );
}

/** Lets the loader's idle callback (the preload, if any) run, then the network settle. */
async function idle(p: Page): Promise<void> {
  await launcherAtRest(p);
  await p.evaluate(() => new Promise((r) => requestIdleCallback(() => setTimeout(r, 0))));
  await p.waitForLoadState("networkidle");
}

Deno.test({
  name: "widget shell in Chromium",
  ignore: !browserAvailable(),
  async fn(t) {
    const dist = await Deno.makeTempDir({ prefix: "parley-widget-shell-" });
    await Deno.mkdir(`${dist}/assets`);
    await buildWidget({ outDir: dist });
    const { stop } = await import("esbuild");
    await stop();
    const browsers = sharedBrowser();
    const shots = await shotsDir("wshell");
    const errors: string[] = [];

    const scene = (
      name: string,
      fn: (server: FakeServer, newPage: (o?: BrowserContextOptions) => Promise<Page>) => Promise<
        void
      >,
    ) =>
      t.step(name, async () => {
        const server = await startFakeServer({ distDir: dist, pages: PAGES, heartbeatMs: 5_000 });
        const contexts: BrowserContext[] = [];
        try {
          await fn(server, async (options = DESKTOP) => {
            const ctx = await (await browsers.get()).newContext(options);
            contexts.push(ctx);
            const p = await ctx.newPage();
            p.on("pageerror", (e) => errors.push(e.message));
            return p;
          });
        } finally {
          for (const ctx of contexts) await ctx.close();
          await server.close();
        }
      });

    try {
      await scene("the greeting stays the first item of the thread", async (server, newPage) => {
        for (const [device, options] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
          const p = await newPage(options);
          await p.goto(`${server.url}/shop`);
          await openChat(p);
          await send(p, "Do you sell decaf?");
          await p.locator("parley-chat .ds[title='Sent']").waitFor();
          server.agentSay("We do: a Swiss-water Colombian.", "Ana");
          await p.getByText("a Swiss-water Colombian").waitFor();
          assert.deepEqual(await thread(p), [
            "Hi! Ask us anything.",
            "Do you sell decaf?",
            "We do: a Swiss-water Colombian.",
          ]);
          await p.screenshot({ path: `${shots}/greeting-kept-${device}.png` });
        }
      });

      await scene(
        "the header says Offline while the browser is offline, then Online again",
        async (server, newPage) => {
          for (const [device, options] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
            const p = await newPage(options);
            await p.goto(`${server.url}/shop`);
            await openChat(p);
            await waitUntil(async () => (await headerStatus(p)).startsWith("Online"), "online");
            await p.context().setOffline(true);
            await p.getByText("You're offline").waitFor();
            assert.match(await headerStatus(p), /^Offline · /);
            assert.equal(await p.locator("parley-chat .dot.on").count(), 0);
            await p.screenshot({ path: `${shots}/header-offline-${device}.png` });
            await p.context().setOffline(false);
            await waitUntil(async () => (await headerStatus(p)).startsWith("Online"), "back");
          }
          assert.equal(server.received.filter((f) => f.type === "hello").length >= 4, true);
        },
      );

      await scene(
        "a site refused on the socket: a neutral title, the reason, then no launcher",
        async (server, newPage) => {
          for (const [device, options] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
            const p = await newPage(options);
            await p.goto(`${server.url}/refused`);
            await p.getByRole("button", { name: "Open chat" }).click();
            await p.getByText("Chat isn't available on this site.").waitFor();
            await settled(p);
            const dialog = p.getByRole("dialog", { name: "Chat", exact: true });
            assert.equal(await dialog.isVisible(), true);
            assert.equal(await p.getByRole("textbox", { name: "Message" }).count(), 0);
            assert.equal(await p.locator("parley-chat .h p").count(), 0, "no status line");
            await p.screenshot({ path: `${shots}/refused-site-${device}.png` });
            await p.getByRole("button", { name: "Minimize chat" }).click();
            await p.locator("parley-chat .lc").waitFor({ state: "hidden" });
            assert.equal(await p.getByRole("button", { name: "Open chat" }).count(), 0);
          }
        },
      );

      await scene(
        "a single-page storefront's URL changes reach agents once per URL",
        async (server, newPage) => {
          const p = await newPage();
          await p.goto(`${server.url}/shop`);
          await openChat(p);
          await waitUntil(async () => (await headerStatus(p)).startsWith("Online"), "connected");
          const go = (how: "pushState" | "replaceState", path: string, title: string) =>
            p.evaluate(([how, path, title]) => {
              history[how as "pushState"]({}, "", path);
              document.title = title;
            }, [how, path, title]);
          await go("pushState", "/products/guji", "Guji beans");
          await waitUntil(() => pagesSent(server).length === 1, "the first page frame");
          assert.match(pagesSent(server)[0].url, /\/products\/guji$/);
          assert.equal(pagesSent(server)[0].title, "Guji beans");
          // Filters written into the URL in a burst: the last one is reported, not each one.
          for (let i = 1; i <= 20; i++) {
            await go("replaceState", `/collections/all?page=${i}`, "All");
          }
          await waitUntil(
            () => pagesSent(server).at(-1)?.url.endsWith("?page=20") === true,
            "the burst's last URL",
          );
          assert.ok(pagesSent(server).length <= 4, `${pagesSent(server).length} frames`);
          // Back (the burst replaced the product page's entry): popstate to the first page.
          const before = pagesSent(server).length;
          await p.goBack();
          await waitUntil(() => pagesSent(server).length === before + 1, "the page after back");
          assert.match(pagesSent(server).at(-1)!.url, /\/shop$/);
          // Parley("page") checks at once; a second call for the same URL sends nothing: the
          // next frame is the next URL's (frames arrive in order on the one socket).
          const page = () =>
            p.evaluate(() => (window as unknown as { Parley(m: string): void }).Parley("page"));
          await go("pushState", "/cart", "Cart");
          await page();
          await waitUntil(() => pagesSent(server).at(-1)?.url.endsWith("/cart") === true, "cart");
          await page();
          await go("pushState", "/checkout", "Checkout");
          await waitUntil(
            () => pagesSent(server).at(-1)?.url.endsWith("/checkout") === true,
            "next",
          );
          const urls = pagesSent(server).map((pg) => pg.url);
          assert.deepEqual(urls.slice(-3).map((u) => new URL(u).pathname), [
            "/shop",
            "/cart",
            "/checkout",
          ]);
          assert.ok(urls.every((u, i) => i === 0 || u !== urls[i - 1]), "no duplicates");
        },
      );

      await scene(
        "JS API: ready, hide and show, update, and the kind of message events",
        async (server, newPage) => {
          const p = await newPage();
          await p.goto(`${server.url}/stub`);
          const launcher = p.getByRole("button", { name: "Open chat" });
          await launcher.waitFor();
          const seen = () => p.evaluate(() => (window as unknown as { seen: string[] }).seen);
          assert.deepEqual(await seen(), ["ready"]);
          const call = (method: string, ...args: unknown[]) =>
            p.evaluate(([method, args]) => {
              const api = (window as unknown as {
                Parley: Record<string, (...a: unknown[]) => void>;
              }).Parley;
              api[method as string](...(args as unknown[]));
            }, [method, args] as const);
          await call("hide");
          await launcher.waitFor({ state: "hidden" });
          await call("open"); // a page's own chat button: the panel opens without the launcher
          await p.getByRole("textbox", { name: "Message" }).waitFor();
          await call("close");
          await call("show");
          await launcher.waitFor({ state: "visible" });
          await openChat(p);
          await call("update", { id: "u42", name: "Kim", email: "kim@shop.test", plan: "pro" });
          await waitUntil(
            () => server.received.some((f) => f.type === "attributes"),
            "the attributes frame",
          );
          const identify = server.received.find((f) => f.type === "identify");
          assert.deepEqual(identify, {
            type: "identify",
            id: "u42",
            name: "Kim",
            email: "kim@shop.test",
          });
          const attributes = server.received.find((f) => f.type === "attributes");
          assert.deepEqual(attributes, { type: "attributes", attributes: { plan: "pro" } });
          await send(p, "hello");
          await p.locator("parley-chat .ds[title='Sent']").waitFor();
          server.systemSay("Ana joined the conversation");
          server.agentSay("Hi Kim!", "Ana");
          await p.waitForFunction(() =>
            (window as unknown as { seen: string[] }).seen.includes("agent:Hi Kim!")
          );
          assert.deepEqual(await seen(), [
            "ready",
            "system:Ana joined the conversation",
            "agent:Hi Kim!",
          ]);
        },
      );

      await scene(
        "returning visitors: no chat code or socket unless they have a conversation going",
        async (server, newPage) => {
          const p = await newPage();
          const uiLoads: string[] = [];
          const sockets: string[] = [];
          p.on("request", (r) => {
            if (r.url().includes("/assets/widget-ui-")) uiLoads.push(r.url());
          });
          p.on("websocket", (ws) => sockets.push(ws.url()));
          // Opened once, never wrote: the token is stored...
          await p.goto(`${server.url}/shop`);
          await openChat(p);
          await waitUntil(() => server.received.some((f) => f.type === "hello"), "hello");
          assert.ok(await p.evaluate(() => localStorage.getItem("parley:demo") !== null));
          // ...but the next page view downloads nothing more and opens no socket.
          uiLoads.length = 0;
          sockets.length = 0;
          await p.goto(`${server.url}/shop`);
          await idle(p);
          assert.deepEqual(uiLoads, []);
          assert.deepEqual(sockets, []);
          // With a conversation going, the next page view connects by itself.
          await openChat(p);
          await send(p, "Is the Guji in stock?");
          await p.locator("parley-chat .ds[title='Sent']").waitFor();
          uiLoads.length = 0;
          sockets.length = 0;
          await p.goto(`${server.url}/shop`);
          await waitUntil(() => sockets.length === 1 && uiLoads.length === 1, "the preload");
          server.agentSay("Yes, plenty.");
          await p.locator("parley-chat .ub", { hasText: "1" }).waitFor();
          // Resolved and read: nothing going on any more, no preload again.
          await openChat(p);
          server.resolve();
          await p.getByText("This conversation has been resolved.").waitFor();
          await p.locator("parley-chat .ub:empty").waitFor({ state: "attached" });
          await waitUntil(
            () => p.evaluate(() => !JSON.parse(localStorage.getItem("parley:demo")!).live),
            "the stored state says nothing is going on",
          );
          uiLoads.length = 0;
          sockets.length = 0;
          await p.goto(`${server.url}/shop`);
          await idle(p);
          assert.deepEqual(uiLoads, []);
          assert.deepEqual(sockets, []);
        },
      );

      assert.deepEqual(errors, []);
    } finally {
      await browsers[Symbol.asyncDispose]();
      await Deno.remove(dist, { recursive: true });
    }
  },
});
