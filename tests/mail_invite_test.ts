/**
 * Agent invitations by email, in Chromium against a real SMTP server: an admin invites from
 * Settings → Team, the agent shows as "Invited", the emailed link lets them set a password and
 * sign in; a resent invitation voids the first link; a revoked one removes the agent and its link.
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { startSmtpServer, type TestSmtpServer } from "./helpers/smtp_server.ts";

const SHOTS = "/work/wt/shots/mail";

async function inviteLink(smtp: TestSmtpServer, to: string, n: number): Promise<string> {
  const mails = () => smtp.received.filter((m) => m.to.includes(to));
  await smtp.waitFor(() => mails().length >= n, `invitation ${n} to ${to} arrives`);
  const m = mails()[n - 1];
  assert.equal(m.subject, "You are invited to Parley");
  assert.match(m.text, /Admin invited you/);
  const link = /https?:\/\/\S+#token=[A-Za-z0-9_-]+/.exec(m.text)?.[0];
  assert.ok(link);
  return link;
}

async function openTeam(browser: Browser, srv: TestServer, width: number, height: number) {
  const page = await browser.newPage({ viewport: { width, height } });
  page.setDefaultTimeout(30_000);
  await page.goto(`${srv.url}/console`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Settings" }).click();
  const dialog = page.getByRole("dialog", { name: "Settings" });
  await dialog.getByRole("button", { name: "Team" }).click();
  await dialog.getByRole("status").filter({ hasText: "Email is on" }).waitFor();
  return { page, dialog };
}

async function invite(page: Page, name: string, email: string) {
  const form = page.getByRole("form", { name: "Invite an agent" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Agent email").fill(email);
  await form.getByRole("button", { name: "Send invitation" }).click();
  await page.getByRole("status").filter({ hasText: `Invitation sent to ${email}` }).waitFor();
}

Deno.test({
  name: "an invited agent sets their password from the email and signs in; resend and revoke",
  ignore: !browserAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using smtp = await startSmtpServer();
    await using srv = await startTestServer({
      env: {
        PARLEY_SMTP_URL: smtp.url,
        PARLEY_MAIL_FROM: "Parley <support@example.com>",
        PARLEY_MAIL_RETRY_BASE_MS: "50",
      },
    });
    await using browser = await launchBrowser();
    const { page: admin, dialog } = await openTeam(browser, srv, 1280, 800);

    await invite(admin, "Erin", "erin@example.com");
    const erinRow = dialog.getByRole("listitem").filter({ hasText: "erin@example.com" });
    await erinRow.getByText("Invited", { exact: true }).waitFor();
    await admin.screenshot({ path: `${SHOTS}/invite-form-and-invited-row-desktop.png` });
    const first = await inviteLink(smtp, "erin@example.com", 1);
    assert.match(first, /\/console\/accept-invite#token=/);
    // Not able to sign in before accepting.
    await assert.rejects(srv.login("erin@example.com", "anything-at-all"));

    await dialog.getByRole("button", { name: "Resend invitation to Erin" }).click();
    const second = await inviteLink(smtp, "erin@example.com", 2);
    assert.notEqual(second, first);

    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const erin = await context.newPage();
    erin.setDefaultTimeout(30_000);
    await erin.goto(first);
    await erin.getByRole("alert").getByText("This link was already used").waitFor();
    // Only the fragment differs: a same-document navigation, so load the page afresh.
    await erin.goto(second);
    await erin.reload();
    await erin.getByRole("heading", { name: "Set your password" }).waitFor();
    await erin.getByLabel("New password", { exact: true }).fill("erin-password-1");
    await erin.screenshot({ path: `${SHOTS}/accept-invite-phone.png` });
    await erin.getByRole("button", { name: "Set password" }).click();
    await erin.getByRole("link", { name: "Sign in" }).click();
    await erin.getByLabel("Email").fill("erin@example.com");
    await erin.getByLabel("Password").fill("erin-password-1");
    await erin.getByRole("button", { name: "Sign in" }).click();
    await erin.getByRole("tab", { name: /^Queue/ }).waitFor();
    await context.close();

    // Accepted: no longer invited. Then an invitation revoked removes the agent and its link.
    await invite(admin, "Finn", "finn@example.com");
    await dialog.getByRole("button", { name: "Resend invitation to Erin" }).waitFor({
      state: "detached",
    });
    const finnLink = await inviteLink(smtp, "finn@example.com", 1);
    await dialog.getByRole("button", { name: "Revoke invitation of Finn" }).click();
    await admin.getByRole("status").filter({ hasText: "Invitation of Finn revoked" }).waitFor();
    await dialog.getByRole("listitem").filter({ hasText: "finn@example.com" }).waitFor({
      state: "detached",
    });
    await admin.goto(finnLink);
    await admin.getByRole("alert").getByText("This link is not valid").waitFor();
    await admin.close();

    // The phone view of the Team tab with an invited row.
    const phone = await openTeam(browser, srv, 390, 844);
    await invite(phone.page, "Gale", "gale@example.com");
    await phone.dialog.getByRole("listitem").filter({ hasText: "gale@example.com" })
      .getByText("Invited", { exact: true }).scrollIntoViewIfNeeded();
    await phone.page.screenshot({ path: `${SHOTS}/invited-row-phone.png` });
    await phone.page.close();
  },
});

Deno.test({
  name: "an invited agent is marked invited for other agents and cannot be handed a conversation",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using smtp = await startSmtpServer();
    await using srv = await startTestServer({
      env: {
        PARLEY_SMTP_URL: smtp.url,
        PARLEY_MAIL_FROM: "Parley <support@example.com>",
      },
    });
    const cookie = await srv.login(ADMIN.email, ADMIN.password);
    const res = await fetch(`${srv.url}/api/agents/invitations`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json", "x-parley-csrf": "1" },
      body: JSON.stringify({ name: "Hana", email: "hana@example.com" }),
    });
    const body = await res.json();
    assert.equal(res.status, 201, JSON.stringify(body));
    const hana = body.agent as { id: string };

    const admin = await srv.agentSocket(cookie);
    const welcome = admin.frames.find((f) => f.type === "welcome")!; // taken by agentSocket()
    const agents = welcome.agents as { id: string; invited?: boolean }[];
    assert.equal(agents.find((a) => a.id === hana.id)?.invited, true);
    assert.equal(agents.find((a) => a.id !== hana.id)?.invited, false);

    const visitor = await srv.visitorSocket(); // already welcomed
    visitor.send({ type: "message", clientId: "c1", body: "hello" });
    const ack = await visitor.nextOf("ack");
    admin.send({
      type: "transfer",
      conversationId: ack.conversationId,
      agentId: hana.id,
      requestId: "t1",
    });
    const refused = await admin.nextOf("error", (f) => f.requestId === "t1");
    assert.equal(refused.code, "conflict");
    assert.match(String(refused.message), /not accepted their invitation/);
    await visitor.close();
    await admin.close();
  },
});
