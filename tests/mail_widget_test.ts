/**
 * The widget's "Email me a transcript" in Chromium against a real server and SMTP server: shown
 * once the conversation has messages and the server sends email; a visitor without an address
 * is asked for one inline; the transcript arrives with the agent's reply. Screenshots at desktop
 * and phone sizes.
 *
 * The server's `emailReplies` stays false until missed-reply emails exist (docs/email.md); the
 * test turns it on, as that slice will, to show the button.
 */

import assert from "node:assert/strict";
import { buildWidget } from "../widget/build.ts";
import { browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { openChat } from "./helpers/widget_page.ts";
import { startTestServer } from "./helpers/server.ts";
import { startSmtpServer } from "./helpers/smtp_server.ts";

const SHOTS = "/tmp/parley-shots/agentmail";

Deno.test({
  name: "widget: a visitor asks for a transcript by email, giving an address inline",
  ignore: !browserAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await Deno.mkdir(SHOTS, { recursive: true });
    const dist = await Deno.makeTempDir({ prefix: "parley-widget-mail-" });
    await Deno.mkdir(`${dist}/assets`);
    await buildWidget({ outDir: dist });
    const { stop } = await import("esbuild");
    await stop();
    await using smtp = await startSmtpServer();
    await using srv = await startTestServer({
      env: {
        PARLEY_DIST_DIR: dist,
        PARLEY_SMTP_URL: smtp.url,
        PARLEY_MAIL_FROM: "Parley <support@example.com>",
        PARLEY_MAIL_RETRY_BASE_MS: "50",
      },
      adjust: (config) => ({ ...config, emailReplies: true }),
    });
    const agent = await srv.adminSocket();
    await using browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await ctx.newPage();
    p.setDefaultTimeout(30_000);
    await p.goto(`${srv.url}/`);
    await openChat(p);
    const button = p.getByRole("button", { name: "Email me a transcript" });
    // No messages yet: nothing to send.
    assert.equal(await button.count(), 0);
    await p.getByRole("textbox", { name: "Message" }).fill("Do you have the blue teapot?");
    await p.keyboard.press("Enter");
    const seen = await agent.next(
      (f) => f.type === "message" && JSON.stringify(f).includes("blue teapot"),
    );
    const conversationId = (seen.message as { conversationId: string }).conversationId;
    agent.send({
      type: "message",
      conversationId,
      clientId: crypto.randomUUID(),
      body: "Yes, two left in stock.",
    });
    await p.getByText("Yes, two left in stock.").waitFor();
    await button.waitFor();
    await p.screenshot({ path: `${SHOTS}/widget-transcript-button-desktop.png` });

    await button.focus();
    await p.keyboard.press("Enter");
    const email = p.getByRole("textbox", { name: "Email" }).last();
    await email.fill("teapot@example.com");
    await p.screenshot({ path: `${SHOTS}/widget-transcript-ask-email-desktop.png` });
    await p.keyboard.press("Enter");
    await p.getByText("We'll email you a transcript of this conversation.").waitFor();
    const mail = await smtp.waitFor(
      (m) => m.to.includes("teapot@example.com"),
      "the transcript arrives",
    );
    assert.match(mail.text, /Do you have the blue teapot\?/);
    assert.match(mail.text, /Admin: Yes, two left in stock\./);

    await p.setViewportSize({ width: 390, height: 844 });
    await p.screenshot({ path: `${SHOTS}/widget-transcript-sent-phone.png` });
    await ctx.close();
    await agent.close();
  },
});
