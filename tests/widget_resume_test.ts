/**
 * The resume link of a missed-reply email, in real Chromium against the real server and SMTP
 * server (docs/widget.md, "Resume links"): a visitor writes on the storefront and leaves, an agent
 * answers, the email arrives; opening its link on a browser that never saw the visitor opens the
 * chat with the conversation's history, as that visitor, and the fragment leaves the address bar.
 * A link whose token is refused falls back to a new visitor. Screenshots are saved (desktop and
 * phone).
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { buildWidget } from "../widget/build.ts";
import { artifactsDir, browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { startSmtpServer } from "./helpers/smtp_server.ts";
import { TestSocket } from "./helpers/ws_client.ts";

function bodies(p: Page): Promise<string[]> {
  return p.locator("parley-chat .m .bb").allInnerTexts();
}

Deno.test({
  name: "an emailed resume link opens the chat with its history on a fresh browser",
  ignore: !browserAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dist = await Deno.makeTempDir({ prefix: "parley-widget-dist-" });
    await Deno.mkdir(`${dist}/assets`);
    await buildWidget({ outDir: dist });
    const { stop } = await import("esbuild");
    await stop();
    await using smtp = await startSmtpServer();
    let server: TestServer | null = null;
    let browser: Browser | null = null;
    const errors: string[] = [];
    const shots = await artifactsDir();
    try {
      server = await startTestServer({
        env: {
          PARLEY_DIST_DIR: dist,
          PARLEY_SMTP_URL: smtp.url,
          PARLEY_MAIL_FROM: "Demo Shop <shop@example.com>",
          PARLEY_EMAIL_DELAY_S: "1",
        },
      });
      const { url, store } = server;
      const agent = await server.agentSocket(await server.login(ADMIN.email, ADMIN.password));
      // The visitor writes on the storefront, leaves an address, and goes.
      const visitor = await TestSocket.open(`${server.wsUrl}/ws/visitor`);
      visitor.send({ type: "hello", site: "demo", page: { url: `${url}/`, title: "Demo" } });
      const welcome = await visitor.nextOf("welcome");
      const visitorId = (welcome.visitor as { id: string }).id;
      visitor.send({ type: "message", clientId: "q1", body: "Do you ship to Norway?" });
      const conversationId = String((await visitor.nextOf("ack")).conversationId);
      visitor.send({ type: "contact", email: "traveller@example.com" });
      await visitor.roundTrip();
      await visitor.close();
      agent.send({
        type: "message",
        conversationId,
        clientId: "a1",
        body: "We do: 3 to 5 days, tracked.",
      });
      await agent.nextOf("ack", (f) => f.clientId === "a1");
      const email = await smtp.waitFor(
        (m) => m.to.includes("traveller@example.com"),
        "the missed-reply email",
      );
      const link = /Continue the conversation: (\S+)/.exec(email.text)?.[1] ?? "";
      assert.ok(link.startsWith(`${url}/#parley=r1.`), link);

      browser = await launchBrowser();
      for (
        const [name, viewport] of [
          ["desktop", { width: 1280, height: 800 }],
          ["phone", { width: 390, height: 844 }],
        ] as const
      ) {
        const ctx = await browser.newContext({ viewport });
        const p = await ctx.newPage();
        p.on("pageerror", (e) => errors.push(e.message));
        await p.goto(link);
        // Open without a click, with the history, as the same visitor.
        await p.getByRole("textbox", { name: "Message" }).waitFor();
        await p.getByText("We do: 3 to 5 days, tracked.").waitFor();
        assert.deepEqual(await bodies(p), [
          "Do you ship to Norway?",
          "We do: 3 to 5 days, tracked.",
        ]);
        assert.equal(p.url(), `${url}/`, "the fragment is gone from the address bar");
        const stored = await p.evaluate(() => localStorage.getItem("parley:demo"));
        assert.match(String(stored), /"token":"v1\./, "a visitor token of its own is kept");
        // The page the agents see has no token in it.
        const seen = await store.getVisitor(visitorId);
        assert.equal(seen?.page?.url, `${url}/`);
        await p.evaluate(() =>
          Promise.all(
            (document.querySelector("parley-chat")?.shadowRoot?.getAnimations() ?? []).map((a) =>
              a.finished
            ),
          )
        );
        await p.screenshot({ path: `${shots}/widget-resume-${name}.png` });
        await ctx.close();
      }

      // A refused token (here forged): the widget starts over as a new visitor, chat open.
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      p.on("pageerror", (e) => errors.push(e.message));
      const forged = link.replace(/\.[\w-]+$/, ".AAAA");
      await p.goto(forged);
      await p.getByRole("textbox", { name: "Message" }).waitFor();
      await p.waitForFunction(() =>
        /"token":"v1\./.test(localStorage.getItem("parley:demo") ?? "")
      );
      assert.deepEqual(await bodies(p), []);
      assert.equal(p.url(), `${url}/`);
      await ctx.close();
      await agent.close();
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      await server?.close();
      await Deno.remove(dist, { recursive: true }).catch(() => {});
    }
  },
});
