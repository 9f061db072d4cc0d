/**
 * End to end in real Chromium against the real Parley server: the demo storefront embeds the
 * widget with the public snippet; an agent answers through the agent protocol; history survives
 * a reload; messages written offline are delivered once; a strict-CSP page on another origin
 * works; axe-core finds no serious or critical violations; screenshots are saved.
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { buildWidget } from "../widget/build.ts";
import { artifactsDir, browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { axeViolations } from "./helpers/axe.ts";
import { launcherAtRest, openChat } from "./helpers/widget_page.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import type { Frame, TestSocket } from "./helpers/ws_client.ts";

async function send(p: Page, text: string): Promise<void> {
  await p.getByRole("textbox", { name: "Message" }).fill(text);
  await p.keyboard.press("Enter");
}

function bodies(p: Page): Promise<string[]> {
  return p.locator("parley-chat .m .bb").allInnerTexts();
}

/** Waits until the agent socket sees the visitor's message `body`; returns its conversation. */
async function agentSees(agent: TestSocket, body: string): Promise<string> {
  const frame = await agent.next(
    (f: Frame) => f.type === "message" && (f.message as { body: string }).body === body,
    10_000,
  );
  return (frame.message as { conversationId: string }).conversationId;
}

function agentSay(agent: TestSocket, conversationId: string, body: string): void {
  agent.send({ type: "message", conversationId, clientId: crypto.randomUUID(), body });
}

/** A page on another origin with a strict CSP that embeds the widget from `parley`. */
function startStrictSite(parley: string): { url: string; close(): Promise<void> } {
  const wsOrigin = parley.replace(/^http/, "ws");
  const csp = `default-src 'none'; script-src ${parley}; connect-src ${parley} ${wsOrigin}; ` +
    `style-src 'none'; img-src 'none'; base-uri 'none'`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strict shop` +
    `</title></head><body><main><h1>A shop with a strict CSP</h1></main>` +
    `<script src="${parley}/widget.js" data-site="demo" async></script></body></html>`;
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () =>
      new Response(html, {
        headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": csp },
      }),
  );
  return {
    // `localhost` vs the server's `127.0.0.1`: a different site, not only a different port.
    url: `http://localhost:${server.addr.port}/`,
    close: () => server.shutdown(),
  };
}

Deno.test({
  name: "widget end to end against the Parley server",
  ignore: !browserAvailable(),
  async fn(t) {
    const dist = await Deno.makeTempDir({ prefix: "parley-widget-dist-" });
    await Deno.mkdir(`${dist}/assets`);
    await buildWidget({ outDir: dist });
    const { stop } = await import("esbuild");
    await stop();
    let server: TestServer | null = null;
    let browser: Browser | null = null;
    const errors: string[] = [];
    const shots = await artifactsDir();
    try {
      server = await startTestServer({ env: { PARLEY_DIST_DIR: dist } });
      const cookie = await server.login(ADMIN.email, ADMIN.password);
      const agent = await server.agentSocket(cookie);
      browser = await launchBrowser();
      const url = server.url;

      await t.step("demo storefront: send, agent reply, reload shows history", async () => {
        const ctx = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
        const p = await ctx.newPage();
        p.on("pageerror", (e) => errors.push(e.message));
        await p.goto(`${url}/`);
        await p.getByRole("button", { name: "Open chat" }).waitFor();
        assert.equal(await p.evaluate(() => localStorage.length), 0);
        await launcherAtRest(p);
        await p.screenshot({ path: `${shots}/widget-e2e-launcher-closed.png` });
        await openChat(p);
        await send(p, "Hi! Is the Huila roast good for espresso?");
        await p.locator("parley-chat .ds[title='Sent']").waitFor();
        const conversationId = await agentSees(agent, "Hi! Is the Huila roast good for espresso?");
        agent.send({ type: "accept", conversationId });
        agent.send({ type: "typing", conversationId, active: true });
        await p.getByText(/is typing…/).waitFor();
        agentSay(
          agent,
          conversationId,
          "It is! Try 18 g in, 36 g out. Details: https://example.com/brew",
        );
        await p.getByText("It is! Try 18 g in").waitFor();
        await p.getByText(/is typing…/).waitFor({ state: "detached" });
        await p.screenshot({ path: `${shots}/widget-e2e-panel-desktop.png` });

        await p.reload();
        await openChat(p);
        await p.getByText("It is! Try 18 g in").waitFor();
        const texts = await bodies(p);
        assert.equal(texts.filter((b) => b.startsWith("Hi! Is the Huila")).length, 1);
        assert.equal(texts.filter((b) => b.startsWith("It is! Try 18 g in")).length, 1);
        await ctx.close();
      });

      await t.step("the visitor's typing reaches the agent with a live preview", async () => {
        const ctx = await browser!.newContext();
        const p = await ctx.newPage();
        p.on("pageerror", (e) => errors.push(e.message));
        await p.goto(`${url}/`);
        await openChat(p);
        await send(p, "first message opens the conversation");
        await agentSees(agent, "first message opens the conversation");
        await p.getByRole("textbox", { name: "Message" }).pressSequentially("where is my ord");
        const typing = await agent.next(
          (f) =>
            f.type === "typing" && f.author === "visitor" && f.active === true &&
            typeof f.preview === "string" && f.preview.startsWith("where"),
          10_000,
        );
        assert.ok(typeof typing.preview === "string");
        await ctx.close();
      });

      await t.step("written offline, delivered once when back online", async () => {
        const ctx = await browser!.newContext();
        const p = await ctx.newPage();
        p.on("pageerror", (e) => errors.push(e.message));
        await p.goto(`${url}/`);
        await openChat(p);
        await send(p, "online before the tunnel");
        await p.locator("parley-chat .ds[title='Sent']").waitFor();
        await ctx.setOffline(true);
        await p.getByText("You're offline").waitFor();
        await send(p, "typed in the tunnel");
        // "Sending" while offline: the message waits in the outbox.
        await p.locator("parley-chat .ds[title='Sending']").waitFor();
        await ctx.setOffline(false);
        await p.locator("parley-chat .ds[title='Sent']").nth(1).waitFor({ timeout: 15_000 });
        await agentSees(agent, "typed in the tunnel");
        // The widget shows it sent, so it sent its last copy before that ack; a ping answered
        // on the agent's socket means every copy the server relayed has reached the agent.
        await agent.roundTrip();
        const seen = agent.all("message").filter((f) =>
          (f.message as { body: string }).body === "typed in the tunnel"
        );
        assert.equal(seen.length, 1, "the agent saw the offline message exactly once");
        assert.deepEqual(await bodies(p), ["online before the tunnel", "typed in the tunnel"]);
        await ctx.close();
      });

      await t.step("a resolved conversation asks for a rating and can start over", async () => {
        const ctx = await browser!.newContext();
        const p = await ctx.newPage();
        p.on("pageerror", (e) => errors.push(e.message));
        await p.goto(`${url}/`);
        await openChat(p);
        await send(p, "that's all, thanks");
        const conversationId = await agentSees(agent, "that's all, thanks");
        agent.send({ type: "resolve", conversationId });
        await p.getByRole("button", { name: "Rate 5 out of 5" }).click();
        await p.getByText("Thanks for your feedback!").waitFor();
        await agent.next((f) =>
          f.type === "conversation" &&
          (f.conversation as { id: string; rating: number | null }).id === conversationId &&
          (f.conversation as { rating: number | null }).rating === 5, 10_000);
        await p.getByRole("button", { name: "Start a new conversation" }).click();
        await p.locator("parley-chat .bb", { hasText: "Ask us anything" }).waitFor();
        await ctx.close();
      });

      await t.step("a strict-CSP page on another origin runs the widget", async () => {
        const site = startStrictSite(url);
        const ctx = await browser!.newContext();
        const p = await ctx.newPage();
        const violations: string[] = [];
        p.on("console", (m) => {
          if (m.text().includes("Content Security Policy")) violations.push(m.text());
        });
        p.on("pageerror", (e) => errors.push(e.message));
        try {
          await p.goto(site.url);
          await openChat(p);
          await send(p, "hello from a strict page");
          await p.locator("parley-chat .ds[title='Sent']").waitFor();
          const conversationId = await agentSees(agent, "hello from a strict page");
          agentSay(agent, conversationId, "strict pages work");
          await p.getByText("strict pages work").waitFor();
          assert.equal(
            await p.locator("parley-chat .p").evaluate((el) => getComputedStyle(el).position),
            "fixed",
          );
          assert.deepEqual(violations, []);
        } finally {
          await ctx.close();
          await site.close();
        }
      });

      await t.step("axe-core finds no serious or critical violations", async () => {
        // The storefront's CSP forbids injected inline scripts, so axe runs with CSP bypassed.
        const ctx = await browser!.newContext({ bypassCSP: true });
        const p = await ctx.newPage();
        await p.goto(`${url}/`);
        const scan = () => axeViolations(p);
        assert.deepEqual(await scan(), [], "closed launcher");
        await openChat(p);
        await send(p, "Checking accessibility with a link https://example.com");
        await p.locator("parley-chat .ds[title='Sent']").waitFor();
        assert.deepEqual(await scan(), [], "open panel");
        await ctx.close();
      });

      await t.step("phone viewport: full-screen panel", async () => {
        const ctx = await browser!.newContext({
          viewport: { width: 390, height: 844 },
          deviceScaleFactor: 2,
          isMobile: true,
          hasTouch: true,
        });
        const p = await ctx.newPage();
        await p.goto(`${url}/`);
        await openChat(p);
        await send(p, "Can I change my delivery address?");
        const conversationId = await agentSees(agent, "Can I change my delivery address?");
        agentSay(agent, conversationId, "Sure, send me your order number and the new address.");
        await p.getByText("Sure, send me your order number").waitFor();
        const box = await p.locator("parley-chat .p").boundingBox();
        assert.deepEqual(box, { x: 0, y: 0, width: 390, height: 844 });
        const fontSize = await p.getByRole("textbox", { name: "Message" }).evaluate((el) =>
          getComputedStyle(el).fontSize
        );
        assert.equal(fontSize, "16px", "16px inputs do not zoom on focus (iOS)");
        await p.screenshot({ path: `${shots}/widget-e2e-panel-phone.png` });
        await ctx.close();
      });

      await agent.close();
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      await server?.close();
      await Deno.remove(dist, { recursive: true });
    }
  },
});
