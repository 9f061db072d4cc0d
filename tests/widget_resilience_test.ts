/**
 * The widget in real Chromium against a scripted fake visitor endpoint
 * (`tests/widget_fake_server.ts`): isolation, a strict-CSP cross-origin embed, restarts,
 * retryable and fatal errors (and writing order after them), offline writing, several tabs, the
 * JS API, locales, CSAT and the offline email prompt, plus screenshots.
 * `tests/widget_e2e_test.ts` covers the real server.
 */

import assert from "node:assert/strict";
import type { BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { buildWidget } from "../widget/build.ts";
import {
  artifactsDir,
  browserAvailable,
  type SharedBrowser,
  sharedBrowser,
} from "./helpers/browser.ts";
import { launcherAtRest, openChat } from "./helpers/widget_page.ts";
import { waitUntil } from "./helpers/wait.ts";
import { type FakeServer, startFakeServer } from "./widget_fake_server.ts";

const embed = (attrs = "") =>
  `<script src="{{ORIGIN}}/widget.js" data-site="demo"${attrs} async></script>`;
const page = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test shop</title></head>` +
  `<body><h1>Test shop</h1>${body}</body></html>`;

/** The strict page: only the Parley origin may run scripts or open sockets; no styles at all. */
const STRICT_CSP = "default-src 'none'; script-src {{ORIGIN}}; " +
  "connect-src {{ORIGIN}} ws://127.0.0.1:*; style-src 'none'; img-src 'none'";

const PAGES = {
  "/strict": { html: page(embed()), csp: STRICT_CSP },
  "/fr": { html: page(embed(` data-locale="fr"`)) },
  "/options": {
    html: page(embed(` data-sound="on" data-position="left" data-color="#0b7a55"`)),
  },
  "/stub": {
    // The documented queue stub, then calls made before widget.js has loaded.
    html: page(
      `<script>window.Parley=window.Parley||function(){Parley.q.push(arguments)};Parley.q=Parley.q||[];` +
        `["open","close","toggle","identify","setAttributes","on","shutdown"].forEach(function(m){` +
        `Parley[m]=Parley[m]||function(){Parley.q.push([m].concat([].slice.call(arguments)))}});` +
        `window.seen=[];Parley.on("open",function(){seen.push("open")});` +
        `Parley.on("message",function(m){seen.push("message:"+m.body)});` +
        `Parley.setAttributes({plan:"pro"});Parley("open");</script>` + embed(),
    ),
  },
};

/** The built widget and one Chromium, shared by every step (building and launching are slow). */
interface Env {
  browsers: SharedBrowser;
  dist: string;
}

async function setup(): Promise<Env> {
  const dist = await Deno.makeTempDir({ prefix: "parley-widget-e2e-" });
  await Deno.mkdir(`${dist}/assets`);
  await buildWidget({ outDir: dist });
  const { stop } = await import("esbuild");
  await stop();
  return { dist, browsers: sharedBrowser() };
}

/** What a step gets: its own fake server, and a page in its own browser context. */
interface Scene {
  server: FakeServer;
  ctx: BrowserContext;
  p: Page;
}

/** How a step's page starts. */
interface SceneOptions {
  context?: BrowserContextOptions;
  /** Open this path of the fake server before the step runs (default: leave the page blank). */
  path?: string;
  /** Then open the chat from the launcher. */
  open?: boolean;
}

async function send(p: Page, text: string): Promise<void> {
  await p.getByRole("textbox", { name: "Message" }).fill(text);
  await p.getByRole("button", { name: "Send" }).click();
}

/** The bodies of the messages in the log, in order (not the greeting above them). */
function bodies(p: Page): Promise<string[]> {
  return p.locator("parley-chat .m .bb").allInnerTexts();
}

async function newPage(ctx: BrowserContext, errors: string[]): Promise<Page> {
  const p = await ctx.newPage();
  p.on("pageerror", (e) => errors.push(e.message));
  return p;
}

Deno.test({
  name: "widget in Chromium against a scripted server",
  ignore: !browserAvailable(),
  async fn(t) {
    const env = await setup();
    const { browsers } = env;
    const errors: string[] = [];
    const shots = await artifactsDir();
    /**
     * One step with a fresh fake server and browser context, both closed however it ends: no
     * step sees another's visitors, queued failures or open sockets, so one failure stays one.
     */
    const scene = (name: string, options: SceneOptions, fn: (s: Scene) => Promise<void>) =>
      t.step(name, async () => {
        const server = await startFakeServer({
          distDir: env.dist,
          pages: PAGES,
          heartbeatMs: 5_000,
        });
        const ctx = await (await browsers.get()).newContext(options.context);
        try {
          const p = await newPage(ctx, errors);
          if (options.path !== undefined) await p.goto(`${server.url}${options.path}`);
          if (options.open) await openChat(p);
          await fn({ server, ctx, p });
        } finally {
          await ctx.close();
          await server.close();
        }
      });
    try {
      await scene("the launcher stores nothing and loads no chat code until opened", {
        context: { viewport: { width: 1280, height: 800 } },
        path: "/",
      }, async ({ ctx, p }) => {
        const launcher = p.getByRole("button", { name: "Open chat" });
        await launcherAtRest(p);
        await p.screenshot({ path: `${shots}/widget-launcher-closed.png` });
        assert.equal(await p.evaluate(() => localStorage.length + sessionStorage.length), 0);
        assert.deepEqual(await ctx.cookies(), []);
        assert.equal(await p.locator("script[src*='widget-ui']").count(), 0);
        // Host CSS (square, uppercase buttons) does not reach the launcher (a 56 px pill)...
        assert.equal(await launcher.evaluate((b) => getComputedStyle(b).borderRadius), "28px");
        await openChat(p);
        // ...and the widget's `.card` rule does not leak onto the shop's product cards.
        assert.equal(
          await p.locator("main .card").first().evaluate((c) => getComputedStyle(c).borderRadius),
          "0px",
        );
        assert.equal(await p.locator("script[src*='widget-ui-en-']").count(), 1);
        assert.ok(await p.evaluate(() => localStorage.getItem("parley:demo") !== null));
        assert.deepEqual(await ctx.cookies(), []);
      });

      await scene(
        "a strict-CSP page on another origin runs the widget",
        {},
        async ({ server, p }) => {
          const violations: string[] = [];
          p.on("console", (m) => {
            if (m.text().includes("Content Security Policy")) violations.push(m.text());
          });
          await p.goto(`${server.url.replace("127.0.0.1", "localhost")}/strict`);
          await openChat(p);
          await send(p, "Hello from a strict page");
          await p.locator("parley-chat .ds[title='Sent']").waitFor();
          server.agentSay("Strict pages are fine");
          await p.getByText("Strict pages are fine").waitFor();
          // Adopted stylesheets apply even with style-src 'none'.
          const position = await p.locator("parley-chat .p").evaluate((el) =>
            getComputedStyle(el).position
          );
          assert.equal(position, "fixed");
          assert.deepEqual(violations, []);
        },
      );

      await scene(
        "a server restart (1012) reconnects and resumes without duplicates",
        { path: "/", open: true },
        async ({ server, p }) => {
          await send(p, "before restart");
          await p.locator("parley-chat .ds[title='Sent']").waitFor();
          server.closeAll(1012);
          server.agentSay("written while you were away");
          await p.getByText("written while you were away").waitFor();
          await send(p, "after restart");
          await p.locator("parley-chat .ds[title='Sent']").nth(1).waitFor();
          assert.deepEqual(await bodies(p), [
            "before restart",
            "written while you were away",
            "after restart",
          ]);
        },
      );

      await scene("retryable errors are retried; refused messages offer Retry", {
        path: "/",
        open: true,
      }, async ({ server, p }) => {
        server.failNext(true);
        await send(p, "retried by itself");
        await p.locator("parley-chat .ds[title='Sent']").waitFor();
        server.failNext(false);
        await send(p, "needs a retry");
        const retry = p.getByRole("button", { name: "Retry" });
        await retry.waitFor();
        await retry.click();
        await p.locator("parley-chat .ds[title='Sent']").nth(1).waitFor();
        assert.equal(await retry.count(), 0);
        assert.deepEqual(await bodies(p), ["retried by itself", "needs a retry"]);
      });

      await scene("after a retryable refusal, later messages wait their turn", {
        path: "/",
        open: true,
      }, async ({ server, p }) => {
        // The fake server does not hold later messages back after a refusal: only the widget
        // sending one message at a time, oldest first, keeps them in order.
        const written = ["refused at first", "written second", "written third"];
        server.failNext(true);
        for (const text of written) await send(p, text);
        await p.locator("parley-chat .ds[title='Sent']").nth(2).waitFor();
        const stored = server.messages().map((m) => m.body).filter((b) => written.includes(b));
        assert.deepEqual(stored, written);
        assert.deepEqual(await bodies(p), written);
      });

      await scene("messages written offline survive a reload and are delivered once", {
        path: "/",
        open: true,
      }, async ({ server, ctx, p }) => {
        await send(p, "online first");
        await p.locator("parley-chat .ds[title='Sent']").waitFor();
        await ctx.setOffline(true);
        await p.getByText("You're offline").waitFor();
        await send(p, "written offline");
        await p.locator("parley-chat .ds[title='Sending']").waitFor();
        await p.reload({ waitUntil: "commit" }).catch(() => {}); // offline: the reload fails
        await ctx.setOffline(false);
        await p.goto(`${server.url}/`);
        await openChat(p);
        await p.locator("parley-chat .ds[title='Sent']").nth(1).waitFor();
        assert.deepEqual(await bodies(p), ["online first", "written offline"]);
        const stored = server.messages().filter((m) => m.body === "written offline");
        assert.equal(stored.length, 1);
      });

      await scene(
        "two tabs show the same conversation live",
        { path: "/", open: true },
        async ({ server, ctx, p: a }) => {
          await send(a, "from tab A");
          await a.locator("parley-chat .ds[title='Sent']").waitFor();
          const b = await newPage(ctx, errors);
          await b.goto(`${server.url}/`);
          await openChat(b);
          await b.getByText("from tab A").waitFor();
          await send(b, "from tab B");
          await a.getByText("from tab B").waitFor();
          server.agentSay("hello both tabs");
          await a.getByText("hello both tabs").waitFor();
          await b.getByText("hello both tabs").waitFor();
          assert.deepEqual(await bodies(a), await bodies(b));
        },
      );

      await scene(
        "keyboard: Enter sends, Shift+Enter adds a line, Escape closes",
        { path: "/" },
        async ({ p }) => {
          await p.keyboard.press("Tab"); // shop links come first; reach the launcher by focus()
          await p.getByRole("button", { name: "Open chat" }).focus();
          await p.keyboard.press("Enter");
          const box = p.getByRole("textbox", { name: "Message" });
          await box.waitFor();
          await p.waitForFunction(() =>
            document.querySelector("parley-chat")?.shadowRoot?.activeElement?.tagName === "TEXTAREA"
          );
          await p.keyboard.type("line one");
          await p.keyboard.press("Shift+Enter");
          await p.keyboard.type("line two");
          await p.keyboard.press("Enter");
          await p.getByText("line two").waitFor();
          assert.deepEqual(await bodies(p), ["line one\nline two"]);
          assert.equal(await box.inputValue(), "");
          await p.keyboard.press("Escape");
          await p.getByRole("button", { name: "Open chat" }).waitFor();
          assert.equal(await box.isVisible(), false);
          const focused = await p.evaluate(() =>
            document.querySelector("parley-chat")?.shadowRoot?.activeElement?.getAttribute(
              "aria-label",
            )
          );
          assert.equal(focused, "Open chat");
        },
      );

      await scene(
        "typed markup renders as text and links are safe",
        { path: "/", open: true },
        async ({ p }) => {
          await send(p, `<img src=x onerror="window.pwned=1"> see https://example.com/x`);
          await p.getByText("<img src=x", { exact: false }).waitFor();
          assert.equal(await p.evaluate(() => "pwned" in window), false);
          const link = p.locator("parley-chat .bb a");
          assert.equal(await link.getAttribute("href"), "https://example.com/x");
          assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
          assert.equal(await link.getAttribute("target"), "_blank");
        },
      );

      await scene("agent typing shows and expires; unread badge counts while closed", {
        path: "/",
        open: true,
      }, async ({ server, p }) => {
        await send(p, "anyone there?");
        await p.locator("parley-chat .ds[title='Sent']").waitFor();
        server.agentTyping(true, "Ana");
        await p.getByText("Ana is typing…").waitFor();
        await p.getByText("Ana is typing…").waitFor({ state: "detached" });
        await p.keyboard.press("Escape");
        server.agentSay("one");
        server.agentSay("two");
        await p.locator("parley-chat .ub", { hasText: "2" }).waitFor();
        await openChat(p);
        await p.locator("parley-chat .ub:empty").waitFor({ state: "attached" });
      });

      await scene("nobody online: the email prompt; resolved: rating and start over", {
        path: "/",
        open: true,
      }, async ({ server, p }) => {
        server.setAgentsOnline(0);
        await p.getByText("We're away right now").waitFor();
        await p.getByRole("textbox", { name: "Email" }).fill("kim@shop.test");
        await p.getByRole("button", { name: "Save email" }).click();
        await p.getByText("Thanks! We'll reply here.").waitFor();
        server.setAgentsOnline(1);
        await send(p, "thanks");
        await p.locator("parley-chat .ds[title='Sent']").waitFor();
        server.resolve();
        await p.getByRole("button", { name: "Rate 5 out of 5" }).click();
        await p.getByText("Thanks for your feedback!").waitFor();
        await p.getByRole("button", { name: "Start a new conversation" }).click();
        await p.locator("parley-chat .bb", { hasText: "Ask us anything" }).waitFor();
        // The widget thanks the visitor at once; the frames cross the socket after that.
        await waitUntil(
          () => server.received.some((f) => f.type === "rate" && f.rating === 5),
          "the rating reaches the server",
        );
        await waitUntil(
          () => server.received.some((f) => f.type === "contact"),
          "the email reaches the server",
        );
      });

      await scene(
        "the queue stub works before the script loads",
        { path: "/stub" },
        async ({ server, p }) => {
          await p.getByRole("textbox", { name: "Message" }).waitFor(); // Parley("open") ran
          await p.getByRole("button", { name: "Close chat" }).waitFor();
          // The panel shows before its socket has said hello: an agent message sent earlier
          // would reach no visitor (the fake server only knows visitors once they say hello).
          await waitUntil(
            () => server.received.some((f) => f.type === "hello"),
            "the widget says hello",
          );
          server.agentSay("hi from the API test");
          await p.waitForFunction(() =>
            (window as unknown as { seen: string[] }).seen.includes("message:hi from the API test")
          );
          const seen = await p.evaluate(() => (window as unknown as { seen: string[] }).seen);
          assert.equal(seen[0], "open");
          assert.ok(
            server.received.some((f) => f.type === "attributes" && f.attributes.plan === "pro"),
          );
          await p.evaluate(() =>
            (window as unknown as { Parley: { shutdown(): void } }).Parley.shutdown()
          );
          assert.equal(await p.evaluate(() => localStorage.getItem("parley:demo")), null);
        },
      );

      await scene(
        "a returning visitor's closed widget loads when idle and shows unread",
        { path: "/", open: true },
        async ({ server, p }) => {
          await send(p, "I'll come back later");
          await p.locator("parley-chat .ds[title='Sent']").waitFor();
          await p.reload();
          await p.locator("script[src*='widget-ui-en-']").waitFor({ state: "attached" });
          // Connected in the background: the reloaded page said hello again.
          await waitUntil(
            () => server.received.filter((f) => f.type === "hello").length >= 2,
            "the reloaded widget connects",
          );
          server.agentSay("Your order shipped today");
          await p.locator("parley-chat .ub", { hasText: "1" }).waitFor();
          assert.equal(await p.getByRole("textbox", { name: "Message" }).isVisible(), false);
        },
      );

      await scene("data-sound, data-position and data-color", {
        context: { viewport: { width: 1280, height: 800 } },
        path: "/options",
      }, async ({ server, p }) => {
        const launcher = p.getByRole("button", { name: "Open chat" });
        const box = await launcher.boundingBox();
        assert.ok(box && box.x < 100, "launcher on the left");
        assert.equal(
          await launcher.evaluate((b) => getComputedStyle(b).backgroundColor),
          "rgb(11, 122, 85)",
        );
        await openChat(p);
        await send(p, "ping me");
        await p.locator("parley-chat .ds[title='Sent']").waitFor();
        // Pretend the visitor switched tabs.
        await p.evaluate(() => {
          Object.defineProperty(document, "visibilityState", {
            configurable: true,
            get: () => "hidden",
          });
          document.dispatchEvent(new Event("visibilitychange"));
        });
        server.agentSay("Here you go");
        await p.waitForFunction(() => document.title === "(1) Test shop");
        await p.evaluate(() => {
          Object.defineProperty(document, "visibilityState", {
            configurable: true,
            get: () => "visible",
          });
          document.dispatchEvent(new Event("visibilitychange"));
        });
        await p.waitForFunction(() => document.title === "Test shop");
      });

      await scene("data-locale=fr speaks French", { path: "/fr" }, async ({ p }) => {
        await p.getByRole("button", { name: "Ouvrir le chat" }).click();
        await p.getByRole("textbox", { name: "Message" }).waitFor();
        await p.getByRole("button", { name: "Envoyer" }).waitFor();
      });

      await scene("screenshots: open panel on desktop and phone", {}, async ({ server }) => {
        for (
          const [name, options] of [
            ["widget-panel-desktop", { viewport: { width: 1280, height: 800 } }],
            ["widget-panel-phone", {
              viewport: { width: 390, height: 844 },
              deviceScaleFactor: 2,
              isMobile: true,
              hasTouch: true,
            }],
          ] as const
        ) {
          const ctx = await (await browsers.get()).newContext(options);
          const p = await newPage(ctx, errors);
          await p.goto(`${server.url}/`);
          await openChat(p);
          await send(p, "Hi! Do you ship the Guji beans to Canada?");
          await p.locator("parley-chat .ds[title='Sent']").waitFor();
          server.agentSay(
            "Hello! Yes, we ship to Canada in 3–5 business days. Rates: https://fernhill.example/shipping",
          );
          server.agentTyping(true, "Ana");
          await p.getByText("Ana is typing…").waitFor();
          if (name === "widget-panel-phone") {
            const box = await p.locator("parley-chat .p").boundingBox();
            assert.deepEqual(box, { x: 0, y: 0, width: 390, height: 844 });
          }
          await p.screenshot({ path: `${shots}/${name}.png` });
          await ctx.close();
        }
      });

      assert.deepEqual(errors, []);
    } finally {
      await browsers[Symbol.asyncDispose]();
      await Deno.remove(env.dist, { recursive: true });
    }
  },
});
