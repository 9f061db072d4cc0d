/**
 * The whole support loop in real Chromium against the real server: a visitor on the demo
 * storefront (the widget) and two agents in `/console`, each in its own browser context.
 * Run after `deno task build` (the server serves `dist/`).
 */

import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { artifactsDir, browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { storySteps } from "./helpers/story.ts";
import { waitUntil } from "./helpers/wait.ts";

/** Playwright's own default: a generous bound that a loaded machine does not reach by accident. */
const TIMEOUT = 30_000;

async function newPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  return { context, page };
}

/** Opens the console's sign-in page and submits `email` and `password`. */
async function submitSignIn(page: Page, url: string, email: string, password: string) {
  await page.goto(`${url}/console`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs in and waits until the inbox is open and its socket connected. */
async function signIn(page: Page, url: string, email: string, password: string) {
  await submitSignIn(page, url, email, password);
  await page.getByRole("tab", { name: /^Queue/ }).waitFor();
  await page.locator(".conn-connected").waitFor();
}

/**
 * Registers a browser test against a fresh real server and a fresh Chromium, both closed when
 * `fn` ends, whether it passes or fails. The steps of `fn` tell one story, so `step` reports
 * the steps after a failure as skipped rather than as failures of their own.
 */
function e2eTest(
  name: string,
  fn: (step: ReturnType<typeof storySteps>, srv: TestServer, browser: Browser) => Promise<void>,
  env: Record<string, string> = {},
) {
  Deno.test({
    name,
    ignore: !browserAvailable(),
    async fn(t) {
      await using srv = await startTestServer({ env });
      await using browser = await launchBrowser();
      await fn(storySteps(t), srv, browser);
    },
  });
}

/** Every text frame the page's WebSockets received, for "never reached the visitor" checks. */
function recordSocketFrames(page: Page): string[] {
  const frames: string[] = [];
  page.on("websocket", (ws) => {
    ws.on("framereceived", (f) => frames.push(String(f.payload)));
  });
  return frames;
}

e2eTest(
  "console end to end: visitor on the storefront, two agents in the console",
  async (step, srv, browser) => {
    const url = srv.url;
    const bob = await srv.createAgent({ name: "Bob Builder" });
    const dir = await artifactsDir();

    await step("a wrong password or unknown email shows a clear message", async () => {
      const { context, page } = await newPage(browser);
      try {
        await submitSignIn(page, url, ADMIN.email, "not-the-password");
        await page.getByRole("alert").filter({ hasText: "Wrong email or password" }).waitFor();
        await page.getByLabel("Email").fill("nobody@test.local");
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.getByRole("alert").filter({ hasText: "Wrong email or password" }).waitFor();
        assert.equal(await page.getByRole("tab", { name: /^Queue/ }).count(), 0);
      } finally {
        await context.close();
      }
    });

    const ann = await newPage(browser);
    await signIn(ann.page, url, ADMIN.email, ADMIN.password);
    const bobPage = await newPage(browser);
    await signIn(bobPage.page, url, bob.email, bob.password);
    const visitor = await newPage(browser);
    const visitorFrames = recordSocketFrames(visitor.page);
    const a = ann.page;
    const b = bobPage.page;
    const v = visitor.page;

    await step("a new visitor message appears in the Queue without a refresh", async () => {
      // Ann's console is in the background with notifications allowed (a spy stands in).
      await a.evaluate(() => {
        const w = window as unknown as { shown: { title: string; body: string }[] };
        w.shown = [];
        class SpyNotification {
          static permission = "granted";
          onclick: (() => void) | null = null;
          constructor(title: string, opts: { body: string }) {
            w.shown.push({ title, body: opts.body });
          }
          close() {}
        }
        Object.assign(window, { Notification: SpyNotification });
        Object.defineProperty(document, "hidden", { get: () => true, configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
      });
      await v.goto(`${url}/`);
      await v.getByRole("button", { name: "Open chat" }).click();
      await v.getByRole("textbox", { name: "Message" }).fill("Hello, where is my order #1234?");
      await v.getByRole("button", { name: "Send", exact: true }).click();
      const row = a.locator(".row", { hasText: "Hello, where is my order #1234?" });
      await row.waitFor();
      await a.getByRole("tab", { name: /^Queue\s*1$/ }).waitFor();
      await a.waitForFunction(() => document.title.startsWith("(1)"));
      // Every open console sees it, not only the first.
      await b.locator(".row", { hasText: "Hello, where is my order #1234?" }).waitFor();
      // The first message of a brand-new conversation notifies (it came before the summary).
      await a.waitForFunction(() =>
        (window as unknown as { shown: { body: string }[] }).shown
          .some((n) => n.body === "Hello, where is my order #1234?")
      );
      await a.evaluate(() => {
        delete (document as { hidden?: boolean }).hidden;
        document.dispatchEvent(new Event("visibilitychange"));
      });
      await a.screenshot({ path: `${dir}/console-e2e-inbox.png` });
    });

    let visitorName = "";
    await step("the visitor's typing shows with a live preview before they send", async () => {
      await a.locator(".row", { hasText: "where is my order" }).click();
      visitorName = (await a.locator(".conv-title h2").textContent()) ?? "";
      assert.ok(visitorName.length > 0, "the visitor has a (generated) name");
      await a.getByRole("log", { name: "Messages" }).getByText("Hello, where is my order #1234?")
        .waitFor();
      await v.getByRole("textbox", { name: "Message" }).pressSequentially("It was due on Mon", {
        delay: 20,
      });
      await a.getByText(/is typing…/).waitFor();
      await a.locator(".live-preview", { hasText: "It was due on Mon" }).waitFor();
    });

    await step(
      "accept and reply: the visitor receives it and sees the agent typing",
      async () => {
        await a.getByRole("button", { name: "Accept" }).click();
        await a.getByText("Open · Assigned to you").waitFor();
        await a.getByRole("tab", { name: /^Mine\s*1$/ }).waitFor();
        await a.getByRole("tab", { name: /^Queue\s*0$/ }).waitFor();
        const reply = a.getByRole("textbox", { name: "Reply" });
        await reply.pressSequentially("Hi! Let me check", { delay: 20 });
        await v.getByText(/is typing…/).waitFor();
        await reply.pressSequentially(" that for you.", { delay: 5 });
        await reply.press("Enter");
        await v.getByText("Hi! Let me check that for you.").waitFor();
        const mine = a.locator(".msg-mine", { hasText: "Hi! Let me check that for you." });
        await mine.locator(".msg-status", { hasText: /Sent|Seen/ }).waitFor();
        // The visitor finishes their message; it arrives live in the open conversation.
        await v.getByRole("textbox", { name: "Message" }).pressSequentially("day", { delay: 10 });
        await v.getByRole("textbox", { name: "Message" }).press("Enter");
        await a.getByRole("log", { name: "Messages" }).getByText("It was due on Monday")
          .waitFor();
        await a.locator(".live-preview").waitFor({ state: "detached" });
        await a.screenshot({ path: `${dir}/console-e2e-conversation.png` });
      },
    );

    await step("a private note never reaches the visitor, not even as typing", async () => {
      const from = visitorFrames.length;
      await a.getByRole("button", { name: "Note" }).click();
      const reply = a.getByRole("textbox", { name: "Reply" });
      await reply.pressSequentially("VIP customer: refund if the parcel is lost", { delay: 10 });
      await reply.press("Enter");
      await a.locator(".msg-note", { hasText: "VIP customer" }).getByText("Private note")
        .waitFor();
      // Bob sees the note too (agents only).
      await b.getByRole("tab", { name: /^All open/ }).click();
      await b.locator(".row", { hasText: visitorName }).click();
      await b.locator(".msg-note", { hasText: "VIP customer" }).waitFor();
      // The server has sent the note to every socket that gets it (Bob shows it). A heartbeat
      // (the server's ping, or its pong to the widget's ping) the visitor receives after that
      // point comes behind anything sent to it before.
      const seen = visitorFrames.length;
      await waitUntil(
        () => visitorFrames.slice(seen).some((f) => /"type":"p[io]ng"/.test(f)),
        "a heartbeat reaches the visitor",
      );
      const after = visitorFrames.slice(from);
      assert.ok(after.every((f) => !f.includes("VIP customer")), "note body reached the visitor");
      assert.ok(
        after.every((f) => !(f.includes('"typing"') && f.includes('"active":true'))),
        "note typing reached the visitor",
      );
      assert.equal(await v.getByText("VIP customer").count(), 0);
      await a.getByRole("button", { name: "Note" }).click();
    });

    await step("transfer hands the conversation to another agent", async () => {
      // Bob is online: no confirmation. The list names each agent with their email and presence.
      await a.getByRole("button", { name: "Transfer to…" }).click();
      await a.getByRole("group", { name: "Transfer to" })
        .getByRole("button", { name: `Bob Builder, ${bob.email}, Online` }).click();
      await a.getByText("Open · Assigned to Bob Builder").waitFor();
      await a.getByRole("tab", { name: /^Mine\s*0$/ }).waitFor();
      await b.getByRole("tab", { name: /^Mine\s*1$/ }).waitFor();
      await b.getByText("Open · Assigned to you").waitFor();
      const reply = b.getByRole("textbox", { name: "Reply" });
      await reply.fill("Bob here, I am taking over.");
      await reply.press("Enter");
      await v.getByText("Bob here, I am taking over.").waitFor();
      await a.getByRole("log", { name: "Messages" }).getByText("Bob here, I am taking over.")
        .waitFor();
    });

    await step("resolve and reopen update every console live", async () => {
      await b.getByRole("button", { name: "Resolve", exact: true }).click();
      await b.getByText(/^Resolved ·/).waitFor();
      await a.getByText(/^Resolved ·/).waitFor();
      await a.getByRole("tab", { name: /^Resolved\s*1$/ }).waitFor();
      await a.getByRole("button", { name: "Reopen" }).click();
      await a.getByText("Open · Assigned to Bob Builder").waitFor();
      await b.getByRole("tab", { name: /^Mine\s*1$/ }).waitFor();
      await a.getByRole("tab", { name: /^Resolved\s*0$/ }).waitFor();
    });

    await step("back to the queue shows the conversation waiting in every console", async () => {
      await b.getByRole("button", { name: "Transfer to…" }).click();
      await b.getByRole("button", { name: "Back to the queue" }).click();
      await b.getByText("Waiting in queue · Unassigned").waitFor();
      await b.getByRole("tab", { name: /^Mine\s*0$/ }).waitFor();
      await a.getByText("Waiting in queue · Unassigned").waitFor();
      await a.getByRole("tab", { name: /^Queue\s*1$/ }).waitFor();
      await v.getByText("Bob Builder put the conversation back in the queue").waitFor();
    });

    await step("of two agents accepting at once, one gets a conflict notice", async () => {
      const raw = await srv.visitorSocket();
      try {
        raw.send({ type: "message", clientId: "race-1", body: "Race condition please" });
        for (const p of [a, b]) {
          await p.getByRole("tab", { name: /^Queue/ }).click();
          await p.locator(".row", { hasText: "Race condition please" }).click();
          await p.getByRole("button", { name: "Accept" }).waitFor();
        }
        // Both consoles click at the same wall-clock instant (pages share the host clock), so
        // neither hears of the other's accept before sending its own.
        const at = Date.now() + 300;
        await Promise.all([a, b].map((p) =>
          p.evaluate((when) => {
            const button = [...document.querySelectorAll("button")].find((x) =>
              x.textContent === "Accept"
            );
            setTimeout(() => button?.click(), when - Date.now());
          }, at)
        ));
        const won = await Promise.race([
          a.getByText("Open · Assigned to you").waitFor().then(() => "ann"),
          b.getByText("Open · Assigned to you").waitFor().then(() => "bob"),
        ]);
        const loser = won === "ann" ? b : a;
        await loser.getByRole("alert").filter({ hasText: /Conflict/ }).waitFor();
      } finally {
        raw.ws.close();
      }
    });

    await step("sign out returns to the sign-in page", async () => {
      await b.getByRole("button", { name: "Sign out" }).click();
      await b.getByRole("button", { name: "Sign in" }).waitFor();
      await b.reload();
      await b.getByRole("button", { name: "Sign in" }).waitFor();
    });

    await v.screenshot({ path: `${dir}/console-e2e-visitor.png` });
    for (const c of [ann, bobPage, visitor]) await c.context.close();
  },
  // A heartbeat every second is the visitor's barrier in the private-note step; the timeout
  // stays long so a loaded machine does not drop live pages.
  { PARLEY_HEARTBEAT_MS: "1000", PARLEY_HEARTBEAT_TIMEOUT_MS: "60000" },
);

e2eTest(
  "console end to end: team, canned responses, password and long history",
  async (step, srv, browser) => {
    const url = srv.url;
    const admin = await newPage(browser);
    const a = admin.page;
    await signIn(a, url, ADMIN.email, ADMIN.password);

    await step("an admin adds an agent who can then sign in, and disables them", async () => {
      await a.getByRole("button", { name: "Settings" }).click();
      const dialog = a.getByRole("dialog", { name: "Settings" });
      await dialog.getByRole("button", { name: "Team" }).click();
      await dialog.getByLabel("Name", { exact: true }).fill("Cleo Support");
      await dialog.getByLabel("Agent email").fill("cleo@test.local");
      await dialog.getByLabel("Initial password").fill("cleo-password-1");
      await dialog.getByRole("button", { name: "Add agent" }).click();
      await dialog.getByText("cleo@test.local").waitFor();
      const cleo = await newPage(browser);
      await signIn(cleo.page, url, "cleo@test.local", "cleo-password-1");
      await cleo.context.close();
      await dialog.getByRole("button", { name: "Disable Cleo Support" }).click();
      await dialog.getByRole("button", { name: "Enable Cleo Support" }).waitFor();
      const again = await newPage(browser);
      await submitSignIn(again.page, url, "cleo@test.local", "cleo-password-1");
      await again.page.getByRole("alert").waitFor();
      await again.context.close();
      await a.keyboard.press("Escape");
    });

    await step("a canned response saved in settings is offered after /", async () => {
      await a.getByRole("button", { name: "Settings" }).click();
      const dialog = a.getByRole("dialog", { name: "Settings" });
      await dialog.getByRole("button", { name: "Canned responses" }).click();
      await dialog.getByLabel("Shortcut").fill("thanks");
      await dialog.getByLabel("Response text").fill("Thanks for your patience!");
      await dialog.getByRole("button", { name: "Add response" }).click();
      await dialog.getByText("/thanks", { exact: true }).waitFor();
      await a.keyboard.press("Escape");
      const v = await srv.visitorSocket();
      v.send({ type: "message", clientId: "canned-1", body: "Hello?" });
      await a.locator(".row", { hasText: "Hello?" }).click();
      const reply = a.getByRole("textbox", { name: "Reply" });
      await reply.fill("/tha");
      await a.getByRole("option", { name: /thanks/ }).click();
      assert.equal(await reply.inputValue(), "Thanks for your patience!");
      await reply.press("Enter");
      await v.next((f) => f.type === "message" && JSON.stringify(f).includes("patience"));
      v.ws.close();
    });

    await step("older history pages load when scrolling up", async () => {
      const visitor = await srv.store.createVisitor({ siteId: "demo", name: "Long Talker" });
      for (let i = 1; i <= 120; i++) {
        await srv.store.appendVisitorMessage({
          visitorId: visitor.id,
          clientId: `long-${i}`,
          body: `Long message number ${i}`,
        });
      }
      // The conversation was written behind the server's back: a reload brings a fresh welcome.
      await a.reload();
      await a.getByRole("tab", { name: /^All open/ }).click();
      await a.locator(".row", { hasText: "Long Talker" }).click();
      const log = a.getByRole("log", { name: "Messages" });
      await log.getByText("Long message number 120", { exact: true }).waitFor();
      assert.equal(await log.getByText("Long message number 1", { exact: true }).count(), 0);
      // Scroll to the top until the first message has loaded, one page per scroll.
      await waitUntil(
        async () => {
          if (await log.getByText("Long message number 1", { exact: true }).count() > 0) {
            return true;
          }
          await log.evaluate((el) => (el.scrollTop = 0));
          return false;
        },
        "the first page of history loads",
        { everyMs: 100 },
      );
      const seqs = await log.locator("article[data-seq]").evaluateAll((els) =>
        els.map((e) => Number(e.getAttribute("data-seq")))
      );
      assert.deepEqual(seqs, Array.from({ length: 120 }, (_, i) => i + 1));
    });

    await step("an agent changes their own password", async () => {
      await a.getByRole("button", { name: "Settings" }).click();
      const dialog = a.getByRole("dialog", { name: "Settings" });
      await dialog.getByLabel("Current password").fill("wrong-password");
      await dialog.getByLabel("New password").fill("new-admin-password-1");
      await dialog.getByRole("button", { name: "Change password" }).click();
      await a.getByRole("alert").filter({ hasText: "current password is wrong" }).waitFor();
      await dialog.getByLabel("Current password").fill(ADMIN.password);
      await dialog.getByLabel("New password").fill("new-admin-password-1");
      await dialog.getByRole("button", { name: "Change password" }).click();
      await a.getByText("Password changed").waitFor();
      await a.keyboard.press("Escape");
      await srv.login(ADMIN.email, "new-admin-password-1");
    });

    await admin.context.close();
  },
);

e2eTest(
  "the side panel shows a visitor's attributes, merges live changes and shows all after a reload",
  async (step, srv, browser) => {
    const { context, page } = await newPage(browser);
    const visitor = await srv.visitorSocket();
    const fact = (label: string, value: string) =>
      page.locator(".fact").filter({ has: page.locator("dt", { hasText: label }) })
        .filter({ has: page.locator("dd", { hasText: value }) });
    try {
      await step("the attributes set before the first message are shown", async () => {
        visitor.send({ type: "attributes", attributes: { plan: "basic", seats: 3 } });
        visitor.send({ type: "message", clientId: "attr-1", body: "Can I upgrade my plan?" });
        await visitor.nextOf("ack");
        await signIn(page, srv.url, ADMIN.email, ADMIN.password);
        await page.locator(".row", { hasText: "Can I upgrade my plan?" }).click();
        await fact("plan", "basic").waitFor();
        await fact("seats", "3").waitFor();
      });

      await step("a change shows without a reload; the other attributes stay", async () => {
        visitor.send({ type: "attributes", attributes: { plan: "pro", vip: true } });
        await fact("plan", "pro").waitFor();
        await fact("vip", "true").waitFor();
        await fact("seats", "3").waitFor();
      });

      await step("after a reload every attribute is shown", async () => {
        await page.reload();
        await page.locator(".conn-connected").waitFor();
        await page.locator(".row", { hasText: "Can I upgrade my plan?" }).click();
        await fact("plan", "pro").waitFor();
        await fact("vip", "true").waitFor();
        await fact("seats", "3").waitFor();
        await waitUntil(
          async () => (await fact("plan", "basic").count()) === 0,
          "the old plan is gone",
        );
      });
    } finally {
      await visitor.close();
      await context.close();
    }
  },
);
