/**
 * The console's email controls in Chromium against a real server and SMTP server: the site
 * editor's "Sender name", "Reply-to address" and "Notification email"; the profile's "Email me
 * about conversations assigned to me"; and "Send transcript" in a conversation's header,
 * reached with the keyboard, whose email arrives from the site's sender name. Screenshots at
 * desktop and phone sizes.
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { ADMIN, startTestServer } from "./helpers/server.ts";
import { startSmtpServer } from "./helpers/smtp_server.ts";
import { adminCookie, call } from "./api_helpers.ts";
import { waitUntil } from "./helpers/wait.ts";

const SHOTS = "/tmp/parley-shots/agentmail";

async function signIn(page: Page, url: string): Promise<void> {
  page.setDefaultTimeout(30_000);
  await page.goto(`${url}/console`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Settings" }).waitFor();
}

Deno.test({
  name: "console: site sender fields, the assignment opt-in and Send transcript",
  ignore: !browserAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await Deno.mkdir(SHOTS, { recursive: true });
    await using smtp = await startSmtpServer();
    await using srv = await startTestServer({
      env: {
        PARLEY_SMTP_URL: smtp.url,
        PARLEY_MAIL_FROM: "Parley <support@example.com>",
        PARLEY_MAIL_RETRY_BASE_MS: "50",
      },
    });
    await using browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, srv.url);

    // Sites editor: the three email fields, saved and read back.
    await page.getByRole("button", { name: "Settings" }).click();
    const dialog = page.getByRole("dialog", { name: "Settings" });
    await dialog.getByRole("button", { name: "Sites" }).click();
    await dialog.getByRole("button", { name: "Edit Demo Storefront" }).click();
    await dialog.getByLabel("Sender name").fill("Acme Support");
    await dialog.getByLabel("Reply-to address").fill("help@acme.example");
    await dialog.getByLabel("Notification email").fill("team@acme.example");
    await dialog.getByLabel("Sender name").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/console-site-email-fields-desktop.png` });
    await dialog.getByRole("button", { name: "Save site" }).click();
    const cookie = await adminCookie(srv);
    let saved: Record<string, unknown> = {};
    await waitUntil(async () => {
      saved = (await call(srv, "GET", "/api/sites/demo", { cookie })).body.site;
      return saved.senderName === "Acme Support";
    }, "the site's sender is saved");
    assert.equal(saved.senderName, "Acme Support");
    assert.equal(saved.replyTo, "help@acme.example");
    assert.equal(saved.notificationEmail, "team@acme.example");
    // Never public: the widget's settings do not carry them.
    const pub = await call(srv, "GET", "/api/widget/sites/demo");
    assert.doesNotMatch(pub.text, /Acme Support|help@acme|team@acme/);

    // Profile: the opt-in.
    await dialog.getByRole("button", { name: "Profile" }).click();
    const optIn = dialog.getByLabel("Email me about conversations assigned to me");
    await optIn.waitFor();
    assert.equal(await optIn.isChecked(), false);
    await optIn.check();
    await page.getByRole("status").filter({ hasText: "You will get these emails" }).waitFor();
    const prefs = await call(srv, "GET", "/api/agent/preferences", { cookie });
    assert.deepEqual(prefs.body, { emailOn: true, emailAssigned: true });
    await page.screenshot({ path: `${SHOTS}/console-profile-email-optin-desktop.png` });
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });

    // A visitor who left an address; the agent sends the transcript with the keyboard.
    const visitor = await srv.visitorSocket();
    visitor.send({
      type: "message",
      clientId: crypto.randomUUID(),
      body: "Is the red kettle back?",
    });
    const ack = await visitor.nextOf("ack");
    visitor.send({ type: "contact", email: "shopper@example.com" });
    await visitor.nextOf("identity");
    await page.goto(`${srv.url}/console/#/queue/${ack.conversationId}`);
    const send = page.getByRole("button", { name: "Send transcript" });
    await send.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "Transcript sent to shopper@example.com" })
      .waitFor();
    await page.screenshot({ path: `${SHOTS}/console-send-transcript-desktop.png` });
    const mail = await smtp.waitFor(
      (m) => m.to.includes("shopper@example.com"),
      "the transcript arrives",
    );
    assert.match(mail.from, /Acme Support/);
    assert.match(mail.text, /Is the red kettle back\?/);

    await page.setViewportSize({ width: 390, height: 844 });
    await send.waitFor();
    await page.screenshot({ path: `${SHOTS}/console-send-transcript-phone.png` });
    await visitor.close();
  },
});
