/**
 * The widget's site settings in real Chromium against the fake server
 * (`tests/widget_fake_server.ts`): colour, contrast, label and position from the server and the
 * snippet's overrides; no launcher for a refused origin or an unknown site; Arabic right to
 * left; business hours and the email prompt; French with no English left; axe-core with light,
 * white and black brand colours; screenshots in /tmp/shots-widget/.
 */

import assert from "node:assert/strict";
import type { BrowserContextOptions, Page } from "playwright-core";
import { buildWidget } from "../widget/build.ts";
import { formatNextOpen } from "../widget/ui/hours.ts";
import { en } from "../widget/ui/locales/en.ts";
import { fr } from "../widget/ui/locales/fr.ts";
import { browserAvailable, type SharedBrowser, sharedBrowser } from "./helpers/browser.ts";
import { type FakeServer, type FakeSite, startFakeServer } from "./widget_fake_server.ts";

const SHOTS = "/tmp/shots-widget";

const embed = (site: string, attrs = "") =>
  `<script src="{{ORIGIN}}/widget.js" data-site="${site}"${attrs} async></script>`;
const page = (body: string, lang = "en") =>
  `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">` +
  `<meta name="viewport" content="width=device-width, initial-scale=1"><title>Test shop</title>` +
  `</head><body><h1>Test shop</h1>${body}</body></html>`;

/** Two days ahead, on the hour: the next opening of the closed sites. */
const NEXT_OPEN = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 2 * 86_400_000)
  .toISOString();
const CLOSED = { open: false, nextOpen: NEXT_OPEN };
const VISITOR_ZONE = "America/New_York";

const SITES: Record<string, FakeSite> = {
  demo: { settings: { teamName: "Fernhill Coffee" } },
  brand: {
    settings: {
      color: "#ffd43b",
      position: "left",
      launcherLabel: "Chat with us",
      greeting: "Welcome to Fernhill! How can we help?",
      teamName: "Fernhill Baristas",
    },
  },
  white: { settings: { color: "#ffffff", teamName: "Fernhill Coffee" } },
  black: { settings: { color: "#000000", teamName: "Fernhill Coffee" } },
  locked: { allowedOrigins: ["https://shop.example"] },
  closed: { settings: { teamName: "Fernhill Coffee" }, hours: CLOSED },
  quiet: {
    settings: { askEmail: false, awayMessage: "Leave us a message: we read everything." },
    hours: CLOSED,
  },
  plain: {},
};

const PAGES = {
  "/brand": { html: page(embed("brand")) },
  "/override": { html: page(embed("brand", ` data-color="#0b7a55" data-position="right"`)) },
  "/white": { html: page(embed("white")) },
  "/black": { html: page(embed("black")) },
  "/locked": { html: page(embed("locked")) },
  "/unknown": { html: page(embed("no-such-site")) },
  "/ar": { html: page(embed("demo", ` data-locale="ar"`), "ar") },
  "/closed": { html: page(embed("closed")) },
  "/quiet": { html: page(embed("quiet")) },
  "/fr": { html: page(embed("plain", ` data-locale="fr"`), "fr") },
};

const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

/** Opens the chat from the launcher named `name`; waits until the panel has stopped moving. */
async function openWith(p: Page, name: string, textbox = "Message"): Promise<void> {
  await p.getByRole("button", { name, exact: true }).click();
  await p.getByRole("textbox", { name: textbox }).waitFor();
  await p.evaluate(async () => {
    const panel = document.querySelector("parley-chat")?.shadowRoot?.querySelector(".p");
    await Promise.all((panel?.getAnimations() ?? []).map((a) => a.finished.catch(() => a)));
  });
}

/** Sends `text` from the composer and waits until it shows as sent. */
async function send(p: Page, text: string, sendName = "Send"): Promise<void> {
  await p.locator("parley-chat textarea").fill(text);
  await p.getByRole("button", { name: sendName, exact: true }).click();
  await p.locator("parley-chat .m", { hasText: text }).locator(".ds").waitFor();
}

/** Every text a visitor can see or hear in the widget: rendered text and accessible names. */
function widgetTexts(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const root = document.querySelector("parley-chat")!.shadowRoot!;
    const texts: string[] = [];
    for (const el of root.querySelectorAll("*")) {
      for (const attr of ["aria-label", "placeholder", "title"]) {
        const v = el.getAttribute(attr);
        if (v) texts.push(v);
      }
    }
    for (const el of root.querySelectorAll<HTMLElement>(".lc, .p")) texts.push(el.innerText);
    return texts;
  });
}

/**
 * Runs axe-core on the page: serious or critical violations, and any colour contrast one. With
 * `widgetText`, fails if the contrast rule checked no text in the widget (a scan that looked at
 * nothing proves nothing; an icon-only launcher has no text to check).
 */
async function axeViolations(p: Page, widgetText: boolean): Promise<string[]> {
  const axe = await Deno.readTextFile(
    new URL("../node_modules/axe-core/axe.min.js", import.meta.url),
  );
  await p.addScriptTag({ content: axe });
  return await p.evaluate(async (widgetText) => {
    type Node = { target: unknown[]; failureSummary?: string };
    type Violation = { id: string; impact: string; help: string; nodes: Node[] };
    type Result = { violations: Violation[]; passes: Violation[] };
    const w = window as unknown as { axe: { run(): Promise<Result> } };
    const result = await w.axe.run();
    const contrast = [...result.passes, ...result.violations].find((r) =>
      r.id === "color-contrast"
    );
    const inWidget = contrast?.nodes.filter((n) =>
      JSON.stringify(n.target).includes("parley-chat")
    );
    if (widgetText && !inWidget?.length) return ["color-contrast: checked nothing in the widget"];
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical" || v.id === "color-contrast")
      .map((v) =>
        `${v.id}: ${v.help} [${
          v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ""}`).join("; ")
        }]`
      );
  }, widgetText);
}

const rgb = (p: Page, selector: string, prop: "backgroundColor" | "color") =>
  p.locator(selector).first().evaluate(
    (el, prop) => getComputedStyle(el)[prop as "color"],
    prop,
  );

/** Normalises the spaces Intl puts in times (narrow no-break before AM/PM). */
const spaces = (s: string) => s.replace(/\s+/g, " ");

Deno.test({
  name: "widget site settings in Chromium against a scripted server",
  ignore: !browserAvailable(),
  async fn(t) {
    const dist = await Deno.makeTempDir({ prefix: "parley-widget-settings-" });
    await Deno.mkdir(`${dist}/assets`);
    await buildWidget({ outDir: dist });
    const { stop } = await import("esbuild");
    await stop();
    await Deno.mkdir(SHOTS, { recursive: true });
    const browsers: SharedBrowser = sharedBrowser();
    const errors: string[] = [];

    /** One step with its own fake server; `fn` opens pages in contexts it asks for. */
    const scene = (
      name: string,
      options: { agentsOnline?: number },
      fn: (s: FakeServer, newPage: (o?: BrowserContextOptions) => Promise<Page>) => Promise<void>,
    ) =>
      t.step(name, async () => {
        const server = await startFakeServer({
          distDir: dist,
          pages: PAGES,
          sites: SITES,
          agentsOnline: options.agentsOnline,
        });
        const contexts: { close(): Promise<void> }[] = [];
        try {
          await fn(server, async (o = {}) => {
            const ctx = await (await browsers.get()).newContext(o);
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
      await scene("colour, contrast, label, position and texts come from the site", {}, async (
        server,
        newPage,
      ) => {
        const p = await newPage(DESKTOP);
        await p.goto(`${server.url}/brand`);
        const launcher = p.getByRole("button", { name: "Chat with us", exact: true });
        await launcher.waitFor();
        assert.equal(await rgb(p, "parley-chat .lc", "backgroundColor"), "rgb(255, 212, 59)");
        // Black on the light yellow: white would be 1.5:1.
        assert.equal(await rgb(p, "parley-chat .lc", "color"), "rgb(0, 0, 0)");
        assert.equal(await launcher.innerText(), "Chat with us");
        const box = await launcher.boundingBox();
        assert.ok(box && box.x < 100, "launcher on the left");
        const asked = server.settingsRequests[0];
        assert.equal(asked.site, "brand");
        assert.ok(asked.languages?.includes("en"), "the browser's languages are sent");

        await openWith(p, "Chat with us");
        await p.getByRole("heading", { name: "Fernhill Baristas" }).waitFor();
        await p.getByText("Welcome to Fernhill! How can we help?").waitFor();
        await p.getByRole("button", { name: "Close chat", exact: true }).waitFor();
        assert.equal(await p.locator("parley-chat .ll").isVisible(), false);
        assert.equal(await rgb(p, "parley-chat .h", "color"), "rgb(0, 0, 0)");
        await send(p, "Do you sell filters?");
        assert.equal(await rgb(p, "parley-chat .v .bb", "color"), "rgb(0, 0, 0)");
      });

      await scene("data-color and data-position override the site's", {}, async (
        server,
        newPage,
      ) => {
        const p = await newPage(DESKTOP);
        await p.goto(`${server.url}/override`);
        const launcher = p.getByRole("button", { name: "Chat with us", exact: true });
        await launcher.waitFor();
        assert.equal(await rgb(p, "parley-chat .lc", "backgroundColor"), "rgb(11, 122, 85)");
        // White on the dark green, computed by the loader for the snippet's colour.
        assert.equal(await rgb(p, "parley-chat .lc", "color"), "rgb(255, 255, 255)");
        const box = await launcher.boundingBox();
        assert.ok(box && box.x > 1000, "launcher on the right");
      });

      await scene("a refused origin or an unknown site gets no launcher", {}, async (
        server,
        newPage,
      ) => {
        for (const [path, status] of [["/locked", 403], ["/unknown", 404]] as const) {
          const p = await newPage();
          const warned = p.waitForEvent("console", (m) => m.text().startsWith("Parley:"));
          // `localhost`: another origin than the server's 127.0.0.1, as a storefront would be.
          await p.goto(`${server.url.replace("127.0.0.1", "localhost")}${path}`);
          await warned;
          assert.equal(await p.locator("parley-chat").count(), 0);
          assert.equal(await p.evaluate(() => "Parley" in window), false);
          assert.equal(server.settingsRequests.at(-1)?.status, status);
        }
      });

      await scene("Arabic renders right to left, mirrored", {}, async (server, newPage) => {
        const p = await newPage(DESKTOP);
        await p.goto(`${server.url}/ar`);
        await openWith(p, "فتح الدردشة", "رسالة");
        const panel = p.locator("parley-chat .p");
        assert.equal(await panel.getAttribute("dir"), "rtl");
        assert.equal(await panel.evaluate((el) => getComputedStyle(el).direction), "rtl");
        const sendBox = await p.getByRole("button", { name: "إرسال", exact: true }).boundingBox();
        const inputBox = await p.locator("parley-chat textarea").boundingBox();
        assert.ok(sendBox && inputBox && sendBox.x < inputBox.x, "send button on the left");
        await send(p, "مرحبا، هل لديكم قهوة إثيوبية؟", "إرسال");
        server.agentSay("نعم، لدينا قهوة من يرغاتشيفي.", "سارة");
        await p.getByText("نعم، لدينا قهوة").waitFor();
        const mine = await p.locator("parley-chat .g.v .bb").boundingBox();
        const theirs = await p.locator("parley-chat .g:not(.v) .bb").last().boundingBox();
        assert.ok(mine && theirs && mine.x < theirs.x, "the visitor's bubbles on the left");
        const hello = server.received.find((f) => f.type === "hello");
        assert.equal(hello?.type === "hello" && hello.locale, "ar");
      });

      await scene("outside business hours: when the team is back, and the email form", {}, async (
        server,
        newPage,
      ) => {
        const p = await newPage({ ...DESKTOP, timezoneId: VISITOR_ZONE });
        await p.goto(`${server.url}/closed`);
        await openWith(p, "Open chat");
        const card = p.locator("parley-chat #parley-away");
        await card.waitFor();
        const back = formatNextOpen(NEXT_OPEN, "en", new Date(), VISITOR_ZONE);
        assert.equal(
          spaces(await card.innerText()),
          spaces(
            `We're closed right now. We'll be back ${back}. You can also leave your email.`,
          ),
        );
        assert.match(await p.locator("parley-chat .h p").innerText(), /^Away/);
        await p.getByRole("textbox", { name: "Email" }).fill("kim@shop.test");
        await p.getByRole("button", { name: "Save email" }).click();
        await p.getByText("Thanks! We'll reply here.").waitFor();
      });

      await scene("askEmail false: the away message without the email form", {
        agentsOnline: 0,
      }, async (server, newPage) => {
        const p = await newPage();
        await p.goto(`${server.url}/quiet`);
        await openWith(p, "Open chat");
        const card = p.locator("parley-chat #parley-away");
        await card.waitFor();
        const text = await card.innerText();
        assert.ok(text.startsWith("We're closed right now."), text);
        assert.ok(text.endsWith("Leave us a message: we read everything."), text);
        assert.equal(await p.locator("parley-chat input[type=email]").count(), 0);
      });

      await scene("French shows no English", { agentsOnline: 0 }, async (server, newPage) => {
        const p = await newPage();
        await p.goto(`${server.url}/fr`);
        await openWith(p, "Ouvrir le chat");
        await p.getByRole("textbox", { name: "E-mail" }).waitFor();
        const texts = (await widgetTexts(p)).join("\n");
        assert.match(texts, /Absent · Répond généralement en quelques minutes/);
        const english = (Object.keys(en) as (keyof typeof en)[])
          .filter((k) => en[k] !== fr[k])
          .map((k) => en[k].split("{")[0].trim())
          .filter((s) => s.length > 3);
        for (const s of [...english, "Open chat", "Close chat"]) {
          assert.ok(!texts.includes(s), `English left in French: "${s}"`);
        }
      });

      for (
        const [path, color] of [["/brand", "#ffd43b"], ["/white", "#ffffff"], [
          "/black",
          "#000000",
        ]] as const
      ) {
        await scene(`axe: no contrast violations with ${color}`, {}, async (server, newPage) => {
          // The pages' CSP forbids injected inline scripts, so axe runs with CSP bypassed.
          const p = await newPage({ ...DESKTOP, bypassCSP: true });
          await p.goto(`${server.url}${path}`);
          const name = path === "/brand" ? "Chat with us" : "Open chat";
          await p.getByRole("button", { name, exact: true }).waitFor();
          assert.deepEqual(await axeViolations(p, name !== "Open chat"), [], `${color}: launcher`);
          await openWith(p, name);
          await send(p, "Checking accessibility with a link https://example.com");
          server.agentSay("Thanks! Details at https://fernhill.example/help");
          await p.getByText("Thanks! Details at").waitFor();
          server.setAgentsOnline(0);
          // The away card is for a visitor waiting on an answer: write again.
          await send(p, "And one more question");
          await p.getByRole("textbox", { name: "Email" }).waitFor();
          assert.deepEqual(await axeViolations(p, true), [], `${color}: open panel, away`);
        });
      }

      await scene("screenshots: default, #ffd43b, Arabic, closed hours", {}, async (
        server,
        newPage,
      ) => {
        const shots: [string, string, string, string][] = [
          ["default", "/", "Open chat", "Message"],
          ["brand-ffd43b", "/brand", "Chat with us", "Message"],
          ["arabic", "/ar", "فتح الدردشة", "رسالة"],
          ["closed-hours", "/closed", "Open chat", "Message"],
        ];
        for (const [name, path, launcher, textbox] of shots) {
          for (const [size, options] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
            const p = await newPage({ ...options, timezoneId: VISITOR_ZONE });
            await p.goto(`${server.url}${path}`);
            await p.getByRole("button", { name: launcher, exact: true }).waitFor();
            await p.waitForLoadState("networkidle");
            if (size === "desktop") {
              await p.screenshot({ path: `${SHOTS}/${name}-launcher-${size}.png` });
            }
            await openWith(p, launcher, textbox);
            if (name !== "closed-hours") {
              const arabic = name === "arabic";
              await send(
                p,
                arabic ? "هل تشحنون إلى دبي؟" : "Hi! Do you ship the Guji beans to Canada?",
                arabic ? "إرسال" : "Send",
              );
              server.agentSay(
                arabic
                  ? "نعم، نشحن إلى دبي خلال ٣ إلى ٥ أيام عمل."
                  : "Hello! Yes, we ship to Canada in 3–5 business days.",
                arabic ? "سارة" : "Ana",
              );
              await p.locator("parley-chat .g:not(.v) .bb").last().waitFor();
              await p.locator("parley-chat .g:not(.v) .bb", { hasText: arabic ? "نعم" : "Hello!" })
                .waitFor();
            } else {
              await p.locator("parley-chat #parley-away").waitFor();
            }
            await p.screenshot({ path: `${SHOTS}/${name}-${size}.png` });
          }
        }
      });

      assert.deepEqual(errors, []);
    } finally {
      await browsers[Symbol.asyncDispose]();
      await Deno.remove(dist, { recursive: true });
    }
  },
});
