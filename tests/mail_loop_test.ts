/**
 * Issue 16's whole loop, in one test, in real Chromium against the real server and a real SMTP
 * server (docs/email.md):
 *
 * 1. a visitor writes on the storefront while nobody is online, leaves an email and closes the
 *    tab;
 * 2. an agent signs in to the console and answers;
 * 3. the visitor has not read it, so after `PARLEY_EMAIL_DELAY_S` the answer arrives by email,
 *    once, with a signed Reply-To and a resume link;
 * 4. the visitor replies to that email (posted raw to `POST /api/inbound/email`, as a mail
 *    provider would) and the agent sees the reply live, quotes stripped;
 * 5. the visitor clicks the link on a browser that never saw them: the chat opens with the whole
 *    conversation, and what they write there reaches the agent live too.
 *
 * Screenshots (desktop console, phone widget) go to `tests/artifacts/`.
 */

import assert from "node:assert/strict";
// @ts-types="@types/nodemailer/lib/mail-composer/index.d.ts"
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import type { Browser, Page } from "playwright-core";
import { artifactsDir, browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { type ReceivedMail, startSmtpServer } from "./helpers/smtp_server.ts";
import { waitUntil } from "./helpers/wait.ts";
import { signInConsole } from "./helpers/console_sign_in.ts";

const INBOUND_SECRET = "inbound-secret-0123456789abcdef";
const QUESTION = "Do you ship to Norway?";
const ANSWER = "We do: 3 to 5 days, tracked.";
const EMAILED_REPLY = "Great, and can I pay by invoice?";
const WIDGET_REPLY = "Perfect, ordering now.";
const THANKS = "Invoice is fine. Thank you!";

/** The visitor's mail client answering `parent`: new text on top, the quoted email below. */
function replyTo(parent: ReceivedMail, from: string, text: string): Promise<Uint8Array> {
  const replyAddress = replyToAddress(parent);
  assert.match(replyAddress, /^reply\+[0-9a-f-]+\.[0-9a-f]{20}@in\.example\.com$/);
  const mail = new MailComposer({
    from,
    to: replyAddress,
    subject: `Re: ${parent.subject}`,
    messageId: `<${crypto.randomUUID()}@mail.example.org>`,
    inReplyTo: parent.messageId,
    references: [parent.messageId],
    text: [
      text,
      "",
      `On Wed, Dec 2, 2026 at 10:02 AM ${parent.from} wrote:`,
      "",
      ...parent.text.trim().split("\n").map((l) => `> ${l}`),
      "",
    ].join("\n"),
  });
  return new Promise((resolve, reject) =>
    mail.compile().build((err, message) => err ? reject(err) : resolve(new Uint8Array(message)))
  );
}

/** The bare address of the Reply-To header as mailparser reports it. */
function replyToAddress(m: ReceivedMail): string {
  const value = m.headers.get("reply-to") as { value?: { address?: string }[] } | undefined;
  return value?.value?.[0]?.address ?? "";
}

async function signIn(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(30_000);
  await signInConsole(page, url);
  return page;
}

Deno.test({
  name: "the email loop: reply by email to a visitor who left, their emailed answer, the link back",
  ignore: !browserAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using smtp = await startSmtpServer();
    let server: TestServer | null = null;
    let browser: Browser | null = null;
    const errors: string[] = [];
    const shots = await artifactsDir();
    try {
      server = await startTestServer({
        env: {
          PARLEY_SMTP_URL: smtp.url,
          PARLEY_MAIL_FROM: "Demo Shop <shop@example.com>",
          PARLEY_MAIL_RETRY_BASE_MS: "50",
          PARLEY_EMAIL_DELAY_S: "1",
          PARLEY_INBOUND_SECRET: INBOUND_SECRET,
          PARLEY_INBOUND_ADDRESS: "reply@in.example.com",
        },
      });
      const { url } = server;
      browser = await launchBrowser();

      // 1. Nobody online: the widget offers email; the visitor leaves theirs, writes and goes.
      const visitorCtx = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const v = await visitorCtx.newPage();
      v.setDefaultTimeout(30_000);
      v.on("pageerror", (e) => errors.push(e.message));
      await v.goto(`${url}/`);
      await v.getByRole("button", { name: "Open chat" }).click();
      await v.getByText("We're away right now").waitFor();
      await v.getByRole("textbox", { name: "Email" }).fill("traveller@example.com");
      await v.getByRole("button", { name: "Save email" }).click();
      await v.getByRole("textbox", { name: "Message" }).fill(QUESTION);
      await v.getByRole("button", { name: "Send", exact: true }).click();
      await v.locator("parley-chat .ds[title='Sent']").waitFor();
      await visitorCtx.close();

      // 2. The agent signs in and answers.
      const a = await signIn(browser, url);
      a.on("pageerror", (e) => errors.push(e.message));
      await a.locator(".row", { hasText: QUESTION }).click();
      await a.getByRole("button", { name: "Accept" }).click();
      await a.getByText("Open · Assigned to you").waitFor();
      const reply = a.getByRole("textbox", { name: "Reply" });
      await reply.fill(ANSWER);
      await reply.press("Enter");
      const log = a.getByRole("log", { name: "Messages" });
      await a.locator(".msg-mine", { hasText: ANSWER }).locator(".msg-status", {
        hasText: /Sent|Seen/,
      }).waitFor();

      // 3. Unread in the widget: it arrives by email, once, after the delay.
      const email = await smtp.waitFor(
        (m) => m.to.includes("traveller@example.com"),
        "the missed-reply email",
      );
      assert.match(email.text, /We do: 3 to 5 days, tracked\./);
      assert.match(email.text, /You can also reply to this email/);
      const link = /Continue the conversation: (\S+)/.exec(email.text)?.[1] ?? "";
      assert.ok(link.startsWith(`${url}/#parley=r1.`), link);

      // 4. The visitor answers the email; the agent sees it live, without the quoted email.
      const raw = await replyTo(email, "Traveller <traveller@example.com>", EMAILED_REPLY);
      const res = await fetch(`${url}/api/inbound/email`, {
        method: "POST",
        headers: {
          "content-type": "message/rfc822",
          authorization: `Bearer ${INBOUND_SECRET}`,
        },
        body: new Blob([raw as BlobPart]),
      });
      const appended = await res.json();
      assert.equal(res.status, 201, JSON.stringify(appended));
      await log.getByText(EMAILED_REPLY).waitFor();
      assert.equal(await log.getByText("wrote:").count(), 0, "the quoted email is stripped");

      // 5. The link, on a browser that never saw the visitor: the whole conversation, as them.
      const laterCtx = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const later = await laterCtx.newPage();
      later.setDefaultTimeout(30_000);
      later.on("pageerror", (e) => errors.push(e.message));
      await later.goto(link);
      await later.getByRole("textbox", { name: "Message" }).waitFor();
      await later.getByText(EMAILED_REPLY).waitFor();
      assert.deepEqual(
        (await later.locator("parley-chat .m .bb").allInnerTexts()).filter((t) =>
          [QUESTION, ANSWER, EMAILED_REPLY].includes(t)
        ),
        [QUESTION, ANSWER, EMAILED_REPLY],
      );
      assert.equal(later.url(), `${url}/`, "the token left the address bar");
      await later.getByRole("textbox", { name: "Message" }).fill(WIDGET_REPLY);
      await later.getByRole("button", { name: "Send", exact: true }).click();
      await log.getByText(WIDGET_REPLY).waitFor();
      await later.screenshot({ path: `${shots}/mail-loop-widget-phone.png` });
      await a.screenshot({ path: `${shots}/mail-loop-console-desktop.png` });

      // An answer the visitor reads in the open widget is not emailed: once the runner has
      // settled the conversation (nothing left waiting), the outbox still holds the one email.
      await reply.fill(THANKS);
      await reply.press("Enter");
      await later.getByText(THANKS).waitFor();
      const conversationId = String(appended.conversationId);
      await waitUntil(async () => {
        const [row] = await server!.store.db.query(
          "SELECT reply_unseen_since FROM conversations WHERE id = $1",
          [conversationId],
        );
        return row.reply_unseen_since === null;
      }, "the runner settles the read answer");
      const [outbox] = await server.store.db.query(
        "SELECT count(*)::int AS n FROM email_outbox WHERE to_address = $1",
        ["traveller@example.com"],
      );
      assert.equal(outbox.n, 1);
      assert.equal(smtp.received.filter((m) => m.to.includes("traveller@example.com")).length, 1);
      await laterCtx.close();
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      await server?.close();
    }
  },
});
