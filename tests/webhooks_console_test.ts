/**
 * Settings → Webhooks in real Chromium against a real server and a real receiver (issue 15): an
 * admin adds an endpoint, sees its secret once, sends a test event that arrives signed with it,
 * reads the delivery log (status, HTTP code), resends, disables and deletes; agents have no such
 * tab. Screenshots at desktop and phone sizes go to `/work/wt/shots/hooks/`.
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { browserAvailable, sharedBrowser } from "./helpers/browser.ts";
import { axeViolations } from "./helpers/axe.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { waitUntil } from "./helpers/wait.ts";
import { WebhookReceiver } from "./helpers/webhook_receiver.ts";

const SHOTS = "/work/wt/shots/hooks";

async function signedIn(
  browser: Browser,
  t: TestServer,
  who: { email: string; password: string },
  viewport = { width: 1280, height: 800 },
): Promise<{ page: Page; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport, bypassCSP: true });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: t.url });
  const page = await context.newPage();
  await page.goto(`${t.url}/console`);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Settings" }).waitFor();
  return { page, close: () => context.close() };
}

async function openWebhooks(page: Page) {
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("dialog", { name: "Settings" }).getByRole("button", {
    name: "Webhooks",
    exact: true,
  }).click();
}

Deno.test({
  name: "console Webhooks tab: add, secret once, test event, delivery log, resend, disable, delete",
  ignore: !browserAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await Deno.mkdir(SHOTS, { recursive: true });
    await using t = await startTestServer({
      env: { PARLEY_WEBHOOK_ALLOW_PRIVATE: "true", PARLEY_WEBHOOK_RETRY_BASE_MS: "50" },
    });
    await using receiver = WebhookReceiver.start();
    await using shared = sharedBrowser();
    const browser = await shared.get();
    const { page, close } = await signedIn(browser, t, ADMIN);
    try {
      await openWebhooks(page);
      const dialog = page.getByRole("dialog", { name: "Settings" });
      await dialog.getByRole("combobox", { name: "Site" }).waitFor();
      await dialog.getByText("None yet").waitFor();
      await dialog.getByRole("textbox", { name: "Endpoint URL" }).fill(receiver.url);
      // Every event is checked by default; the admin keeps two.
      for (
        const ev of [
          "conversation.assigned",
          "conversation.resolved",
          "conversation.reopened",
          "conversation.rated",
          "conversation.labeled",
          "visitor.identified",
          "visitor.deleted",
        ]
      ) await dialog.getByRole("checkbox", { name: ev }).uncheck();
      await dialog.getByRole("checkbox", { name: "Include private notes" }).check();
      await dialog.getByRole("button", { name: "Add webhook" }).click();
      const secretBox = dialog.getByRole("textbox", { name: "Signing secret" });
      await secretBox.waitFor();
      const secret = await secretBox.inputValue();
      assert.match(secret, /^whsec_/);
      receiver.secret = secret;
      await page.screenshot({ path: `${SHOTS}/webhooks-secret-desktop.png` });
      const endpoints = dialog.getByRole("region", { name: "Webhooks of the site" });
      await endpoints.getByText(receiver.url).waitFor();
      await endpoints.getByText("conversation.created, message.created").waitFor();
      await endpoints.getByText("Notes included").waitFor();
      await dialog.getByRole("button", { name: "Copy secret" }).click();
      await dialog.getByText("Copied").waitFor();
      await dialog.getByRole("button", { name: "I have stored it" }).click();
      assert.equal(await secretBox.count(), 0);

      await endpoints.getByRole("button", { name: "Send test event" }).click();
      await waitUntil(() => receiver.delivered.length === 1, "the test event arrives");
      assert.equal(receiver.delivered[0].payload.type, "ping");
      assert.ok(receiver.delivered[0].verified, "signed with the secret shown");
      const log = endpoints.getByRole("table");
      await waitUntil(async () => {
        await endpoints.getByRole("button", { name: "Refresh" }).click();
        return (await log.getByRole("cell", { name: "Delivered" }).count()) === 1;
      }, "the log shows the delivery");
      await log.getByRole("cell", { name: "Delivered 204" }).waitFor();

      // A visitor's message reaches it too.
      const visitor = await t.visitorSocket();
      visitor.send({ type: "message", clientId: "m1", body: "Is the blue one in stock?" });
      await visitor.nextOf("ack");
      await visitor.close();
      await waitUntil(
        () => receiver.delivered.some((r) => r.payload.type === "message.created"),
        "the message arrives",
      );
      // A failing receiver shows in the log with its status code and error.
      receiver.answer = () => 500;
      await endpoints.getByRole("button", { name: "Send test event" }).click();
      await waitUntil(async () => {
        await endpoints.getByRole("button", { name: "Refresh" }).click();
        return (await log.getByRole("cell", { name: "HTTP 500" }).count()) > 0;
      }, "the log shows the failure");
      receiver.answer = () => 204;
      await page.screenshot({ path: `${SHOTS}/webhooks-desktop.png` });

      const before = receiver.delivered.length;
      await log.getByRole("button", { name: "Resend message.created event" }).click();
      // The failed test event's retry may arrive in between: look for the resend itself.
      const resendOf = () =>
        receiver.delivered.slice(before).find((r) => r.payload.type === "message.created");
      await waitUntil(() => resendOf() !== undefined, "the resend arrives");
      const resent = resendOf()!;
      assert.ok(
        receiver.delivered.slice(0, before).some((r) => r.delivery === resent.delivery),
        "a resend carries the event's id",
      );

      await endpoints.getByRole("button", { name: "Disable" }).click();
      await endpoints.getByText("Disabled").waitFor();
      await endpoints.getByRole("button", { name: "Enable" }).waitFor();
      assert.deepEqual(await axeViolations(page), []);

      await endpoints.getByRole("button", { name: "Delete", exact: true }).click();
      await endpoints.getByRole("button", { name: "Delete webhook" }).click();
      await dialog.getByText("None yet").waitFor();
    } finally {
      await close();
    }

    // Phone size: the tab fits, with a log open.
    const phone = await signedIn(browser, t, ADMIN, { width: 390, height: 844 });
    try {
      await openWebhooks(phone.page);
      const dialog = phone.page.getByRole("dialog", { name: "Settings" });
      await dialog.getByRole("textbox", { name: "Endpoint URL" }).fill(receiver.url);
      await dialog.getByRole("button", { name: "Add webhook" }).click();
      await dialog.getByRole("button", { name: "I have stored it" }).click();
      await dialog.getByRole("button", { name: "Send test event" }).click();
      await dialog.getByRole("table").waitFor();
      await phone.page.screenshot({ path: `${SHOTS}/webhooks-phone.png` });
      await dialog.getByRole("region", { name: "Webhooks of the site" }).screenshot({
        path: `${SHOTS}/webhooks-phone-endpoints.png`,
      });
      const overflow = await phone.page.evaluate(() => {
        const d = document.querySelector("dialog[open]");
        return d ? d.scrollWidth > d.clientWidth : false;
      });
      assert.equal(overflow, false, "no sideways scrolling on a phone");
    } finally {
      await phone.close();
    }

    // Agents have no Webhooks tab.
    const agent = await t.createAgent();
    const asAgent = await signedIn(browser, t, agent);
    try {
      await asAgent.page.getByRole("button", { name: "Settings" }).click();
      const dialog = asAgent.page.getByRole("dialog", { name: "Settings" });
      await dialog.getByRole("button", { name: "Profile", exact: true }).waitFor();
      assert.equal(await dialog.getByRole("button", { name: "Webhooks" }).count(), 0);
    } finally {
      await asAgent.close();
    }
  },
});
