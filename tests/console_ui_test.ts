/**
 * The agent console in real Chromium against a scripted server (`console_fake_server.ts`):
 * rendering, keyboard, composer, actions, typing, reconnects and CSP, independent of the real
 * core. The full loop against the real server is in `console_e2e_test.ts`.
 */

import assert from "node:assert/strict";
import { stop } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { buildConsole } from "../agent-console/build.ts";
import type { AgentServerFrame } from "../protocol/frames.ts";
import { artifactsDir, browserAvailable, sharedBrowser } from "./helpers/browser.ts";
import { type FakeServer, startFakeServer } from "./console_fake_server.ts";
import { demoData } from "./console_fixtures.ts";

interface Open {
  server: FakeServer;
  page: Page;
  /** Console messages about Content-Security-Policy violations. */
  cspErrors: string[];
  pageErrors: string[];
  close(): Promise<void>;
}

/** How {@link openConsole} opens the page. */
interface OpenOptions {
  /** Sign in as Ann and wait for her inbox (default true). */
  signIn?: boolean;
  /** Let the page run scripts its Content-Security-Policy forbids (default false). */
  bypassCSP?: boolean;
}

/** Fills the sign-in form with Ann's email and `password`, and submits it. */
async function submitSignIn(page: Page, password = "correct horse") {
  await page.getByLabel("Email").fill("ann@example.com");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function openConsole(
  browser: Browser,
  dist: string,
  { signIn = true, bypassCSP = false }: OpenOptions = {},
): Promise<Open> {
  const server = await startFakeServer(dist, demoData());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP });
  const page = await context.newPage();
  const cspErrors: string[] = [];
  const pageErrors: string[] = [];
  page.on("console", (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${server.url}/console`);
  if (signIn) {
    await submitSignIn(page);
    await page.getByRole("tab", { name: /^Queue/ }).waitFor();
    await page.getByText("Chloé Martin").waitFor();
  }
  return {
    server,
    page,
    cspErrors,
    pageErrors,
    async close() {
      await context.close();
      await server.close();
    },
  };
}

/** What a step does with its console. */
type Run = (o: Open) => Promise<void>;

/** Runs `fn` on a freshly opened console and closes it afterwards, whether `fn` passes or not. */
async function withConsole(
  browser: Browser,
  dist: string,
  options: OpenOptions,
  fn: Run,
): Promise<void> {
  const o = await openConsole(browser, dist, options);
  try {
    await fn(o);
  } finally {
    await o.close();
  }
}

/** Dmitri Petrov (conversation c3) typing in the widget, with a live `preview` of his text. */
function dmitriTyping(preview: string): AgentServerFrame {
  return {
    type: "typing",
    conversationId: "c3",
    author: "visitor",
    agentId: null,
    name: "Dmitri Petrov",
    active: true,
    preview,
  };
}

async function openRow(page: Page, name: string) {
  await page.getByRole("tab", { name: /^All open/ }).click();
  await page.locator(".row", { hasText: name }).first().click();
  await page.getByRole("heading", { name, level: 2 }).waitFor();
}

Deno.test({
  name: "console UI against a scripted server",
  ignore: !browserAvailable(),
  async fn(t) {
    const dist = await Deno.makeTempDir({ prefix: "parley-console-" });
    await buildConsole({ outDir: dist });
    await stop();
    await using browsers = sharedBrowser();
    /** One step on its own console page (a fresh browser context and fake server). */
    const step = (name: string, ...args: [Run] | [OpenOptions, Run]) => {
      const [options, fn] = args.length === 1 ? [{}, args[0]] : args;
      return t.step(name, async () => withConsole(await browsers.get(), dist, options, fn));
    };
    try {
      await step(
        "a wrong password shows a clear message; the right one opens the inbox",
        { signIn: false },
        async (o) => {
          await submitSignIn(o.page, "nope");
          await o.page.getByRole("alert").filter({ hasText: "Wrong email or password" })
            .waitFor();
          await o.page.getByLabel("Password").fill("correct horse");
          await o.page.getByRole("button", { name: "Sign in" }).click();
          await o.page.getByRole("tab", { name: /^Queue\s*2$/ }).waitFor();
          await o.page.getByRole("tab", { name: /^Mine\s*1$/ }).waitFor();
          await o.page.getByRole("tab", { name: /^All open\s*4$/ }).waitFor();
          await o.page.getByRole("tab", { name: /^Resolved\s*1$/ }).waitFor();
          assert.match(await o.page.title(), /^\(2\) /);
          assert.deepEqual(o.cspErrors, []);
          assert.deepEqual(o.pageErrors, []);
        },
      );

      await step(
        "a new conversation appears in the Queue live and the title counts it",
        async (o) => {
          const now = new Date().toISOString();
          o.server.push({
            type: "conversation",
            conversation: {
              id: "c99",
              siteId: "demo",
              visitorId: "v99",
              visitorName: "Zed Newcomer",
              status: "queued",
              assigneeId: null,
              lastSeq: 1,
              lastMessage: { body: "Is anyone there?", authorKind: "visitor", createdAt: now },
              readSeq: 0,
              visitorReadSeq: 0,
              rating: null,
              createdAt: now,
              updatedAt: now,
            },
          });
          await o.page.locator(".row", { hasText: "Zed Newcomer" }).waitFor();
          await o.page.getByText("Is anyone there?").waitFor();
          await o.page.getByRole("tab", { name: /^Queue\s*3$/ }).waitFor();
          await o.page.waitForFunction(() => document.title.startsWith("(3)"));
        },
      );

      await step(
        "a brand-new conversation notifies and beeps while the console is in the background",
        async (o) => {
          const { page, server } = o;
          // A granted permission, a hidden page and a counting audio context, as in the field.
          await page.evaluate(() => {
            const w = window as unknown as {
              shown: { title: string; body: string }[];
              beeps: number;
            };
            w.shown = [];
            w.beeps = 0;
            class SpyNotification {
              static permission = "granted";
              onclick: (() => void) | null = null;
              constructor(title: string, opts: { body: string }) {
                w.shown.push({ title, body: opts.body });
              }
              close() {}
            }
            class SpyAudio extends AudioContext {
              override createOscillator() {
                w.beeps++;
                return super.createOscillator();
              }
            }
            Object.assign(window, { Notification: SpyNotification, AudioContext: SpyAudio });
            Object.defineProperty(document, "hidden", { get: () => true });
            Object.defineProperty(document, "visibilityState", { get: () => "hidden" });
            document.dispatchEvent(new Event("visibilitychange"));
          });
          const now = new Date().toISOString();
          // As the real server does: the first message, then the new conversation's summary.
          server.push({
            type: "message",
            message: {
              id: "c99-m1",
              conversationId: "c99",
              seq: 1,
              authorKind: "visitor",
              authorId: "v99",
              authorName: "Zed Newcomer",
              clientId: "z1",
              body: "Is anyone there?",
              note: false,
              createdAt: now,
            },
          });
          server.push({
            type: "conversation",
            conversation: {
              id: "c99",
              siteId: "demo",
              visitorId: "v99",
              visitorName: "Zed Newcomer",
              status: "queued",
              assigneeId: null,
              lastSeq: 1,
              lastMessage: { body: "Is anyone there?", authorKind: "visitor", createdAt: now },
              readSeq: 0,
              visitorReadSeq: 0,
              rating: null,
              createdAt: now,
              updatedAt: now,
            },
          });
          await page.waitForFunction(() =>
            (window as unknown as { shown: unknown[] }).shown.length > 0
          );
          const got = await page.evaluate(() => {
            const w = window as unknown as {
              shown: { title: string; body: string }[];
              beeps: number;
            };
            return { shown: w.shown, beeps: w.beeps };
          });
          assert.deepEqual(got.shown, [{ title: "Zed Newcomer", body: "Is anyone there?" }]);
          assert.equal(got.beeps, 1);
        },
      );

      await step("visitor text renders as text, never as HTML", async (o) => {
        await openRow(o.page, "Amber Otter");
        const log = o.page.getByRole("log", { name: "Messages" });
        await log.getByText("<img src=x onerror=alert(1)>", { exact: false }).waitFor();
        assert.equal(await log.locator("img, b").count(), 0);
      });

      await step("Enter sends a reply that goes from sending to sent", async (o) => {
        await openRow(o.page, "Dmitri Petrov");
        const reply = o.page.getByRole("textbox", { name: "Reply" });
        await reply.fill("First line");
        await reply.press("Shift+Enter");
        await reply.pressSequentially("second line");
        await reply.press("Enter");
        const f = await o.server.waitFor((x) => x.type === "message");
        assert.equal(f.type === "message" && f.body, "First line\nsecond line");
        assert.equal(f.type === "message" && f.note, undefined);
        const mine = o.page.locator(".msg-mine", { hasText: "second line" });
        await mine.locator(".msg-status", { hasText: /Sent|Seen/ }).waitFor();
        assert.equal(await o.page.locator(".msg", { hasText: "second line" }).count(), 1);
        assert.equal(await reply.inputValue(), "");
        // Typing was announced while composing and cleared by the send.
        assert.ok(o.server.received.some((x) => x.type === "typing" && x.active));
        assert.ok(o.server.received.some((x) => x.type === "typing" && !x.active));
      });

      await step("the Note toggle writes a private note and never announces typing", async (o) => {
        await openRow(o.page, "Dmitri Petrov");
        await o.page.getByRole("button", { name: "Note" }).click();
        assert.equal(
          await o.page.getByRole("button", { name: "Note" }).getAttribute("aria-pressed"),
          "true",
        );
        const before = o.server.received.filter((x) => x.type === "typing").length;
        await o.page.getByRole("textbox", { name: "Reply" }).fill("Customer is a VIP");
        await o.page.getByRole("button", { name: "Send" }).click();
        const f = await o.server.waitFor((x) => x.type === "message");
        assert.equal(f.type === "message" && f.note, true);
        await o.page.locator(".msg-note", { hasText: "Customer is a VIP" }).getByText(
          "Private note",
        ).waitFor();
        assert.equal(
          o.server.received.filter((x) => x.type === "typing" && x.active).length,
          before,
        );
      });

      await step("typing / opens canned responses and Enter inserts one", async (o) => {
        await openRow(o.page, "Dmitri Petrov");
        const reply = o.page.getByRole("textbox", { name: "Reply" });
        await reply.fill("/ship");
        const menu = o.page.getByRole("listbox", { name: "Canned responses" });
        await menu.getByRole("option", { name: /shipping/ }).waitFor();
        assert.equal(await menu.getByRole("option").count(), 1);
        await reply.press("Enter");
        assert.equal(
          await reply.inputValue(),
          "We ship worldwide; delivery takes 2 to 8 business days.",
        );
        assert.equal(o.server.received.filter((x) => x.type === "message").length, 0);
      });

      await step("accept, transfer, resolve and reopen drive the conversation", async (o) => {
        const { page } = o;
        await openRow(page, "Chloé Martin");
        await page.getByRole("button", { name: "Accept" }).click();
        await page.getByText("Open · Assigned to you").waitFor();
        await page.getByRole("tab", { name: /^Mine\s*2$/ }).waitFor();
        await page.getByRole("button", { name: "Transfer to…" }).click();
        await page.getByRole("button", { name: "Bob Builder, bob@example.com, Away" }).click();
        await page.getByRole("dialog", { name: "Transfer to Bob Builder?" })
          .getByRole("button", { name: "Transfer anyway" }).click();
        await page.getByText("Open · Assigned to Bob Builder").waitFor();
        await page.getByRole("button", { name: "Resolve" }).click();
        await page.getByText(/^Resolved ·/).waitFor();
        await page.getByRole("button", { name: "Reopen" }).click();
        await page.getByText("Open · Assigned to Bob Builder").waitFor();
        const types = o.server.received.map((f) => f.type).filter((x) =>
          ["accept", "transfer", "resolve", "reopen"].includes(x)
        );
        assert.deepEqual(types, ["accept", "transfer", "resolve", "reopen"]);
      });

      await step(
        "transfer lists email and presence, asks before an offline agent, and can requeue",
        async (o) => {
          const { page, server } = o;
          // Two agents named alike, one offline, and an online one: as on a real team.
          const more = [
            { id: "bob2", email: "bob.builder@other.example", status: "offline" as const },
            { id: "cara", email: "cara@example.com", status: "online" as const },
          ];
          for (const a of more) {
            server.push({
              type: "agent",
              agent: {
                ...server.data.agents[1],
                ...a,
                name: a.id === "cara" ? "Cara Online" : "Bob Builder",
              },
            });
          }
          await openRow(page, "Dmitri Petrov");
          const transfers = () => server.received.filter((f) => f.type === "transfer");
          const menu = page.getByRole("group", { name: "Transfer to" });
          await page.getByRole("button", { name: "Transfer to…" }).click();
          await menu.getByRole("button", { name: "Bob Builder, bob@example.com, Away" }).waitFor();
          await menu.getByText("bob.builder@other.example").waitFor();
          await menu.getByRole("button", { name: "Cara Online, cara@example.com, Online" })
            .waitFor();
          await menu.getByRole("button", { name: "Back to the queue" }).waitFor();
          const dir = await artifactsDir();
          await page.screenshot({ path: `${dir}/console-ui-transfer-menu.png` });

          // Offline: nothing is sent until the agent accepts the warning.
          await menu.getByRole("button", {
            name: "Bob Builder, bob.builder@other.example, Offline",
          }).click();
          const warning = page.getByRole("dialog", { name: "Transfer to Bob Builder?" });
          await warning.getByText(/is offline\. The visitor will wait/).waitFor();
          await page.screenshot({ path: `${dir}/console-ui-transfer-offline.png` });
          await warning.getByRole("button", { name: "Cancel" }).click();
          await warning.waitFor({ state: "detached" });
          assert.equal(transfers().length, 0);
          await page.getByRole("button", { name: "Transfer to…" }).click();
          await menu.getByRole("button", {
            name: "Bob Builder, bob.builder@other.example, Offline",
          }).click();
          await warning.getByRole("button", { name: "Transfer anyway" }).click();
          const sent = await server.waitFor((f) => f.type === "transfer");
          assert.equal(sent.type === "transfer" && sent.agentId, "bob2");
          await page.getByText("Open · Assigned to Bob Builder (offline)").waitFor();

          // Online: at once.
          await page.getByRole("button", { name: "Transfer to…" }).click();
          await menu.getByRole("button", { name: /^Cara Online,/ }).click();
          await page.getByText("Open · Assigned to Cara Online").waitFor();
          assert.equal(transfers().length, 2);

          // Back to the queue: no assignee, waiting again.
          await page.getByRole("button", { name: "Transfer to…" }).click();
          await menu.getByRole("button", { name: "Back to the queue" }).click();
          const back = await server.waitFor((f) => f.type === "unassign");
          assert.equal(back.type === "unassign" && back.conversationId, "c3");
          await page.getByText("Waiting in queue · Unassigned").waitFor();
          await page.getByRole("tab", { name: /^Queue\s*3$/ }).waitFor();
          await page.getByRole("button", { name: "Assign to…" }).waitFor();
        },
      );

      await step("Escape closes the transfer list, not the conversation", async (o) => {
        await openRow(o.page, "Dmitri Petrov");
        await o.page.getByRole("button", { name: "Transfer to…" }).click();
        await o.page.getByRole("group", { name: "Transfer to" }).waitFor();
        await o.page.keyboard.press("Escape");
        await o.page.getByRole("group", { name: "Transfer to" }).waitFor({ state: "detached" });
        await o.page.getByRole("heading", { name: "Dmitri Petrov", level: 2 }).waitFor();
      });

      await step(
        "a /word that matches no canned response is held with a notice until Enter again",
        async (o) => {
          await openRow(o.page, "Dmitri Petrov");
          const reply = o.page.getByRole("textbox", { name: "Reply" });
          await reply.fill("/refund");
          await reply.press("Enter");
          const notice = o.page.getByRole("alert").filter({
            hasText: "No canned response matches /refund. Press Enter again to send it as written.",
          });
          await notice.waitFor();
          assert.equal(await reply.inputValue(), "/refund");
          assert.equal(o.server.received.filter((x) => x.type === "message").length, 0);
          const dir = await artifactsDir();
          await o.page.screenshot({ path: `${dir}/console-ui-slash-notice.png` });
          // Editing the text asks again; the second Enter on the same text sends it.
          await reply.fill("/refund now");
          await notice.waitFor({ state: "detached" });
          await reply.press("Enter");
          await o.page.getByRole("alert").filter({ hasText: "No canned response matches /refund" })
            .waitFor();
          await reply.press("Enter");
          const f = await o.server.waitFor((x) => x.type === "message");
          assert.equal(f.type === "message" && f.body, "/refund now");
          assert.equal(await o.page.locator(".slash-notice").count(), 0);
        },
      );

      await step("canned responses fill their variables when inserted", async (o) => {
        const reply = o.page.getByRole("textbox", { name: "Reply" });
        // Dmitri is identified: his name and email are known.
        await openRow(o.page, "Dmitri Petrov");
        await o.page.getByText("user-8812").waitFor();
        await reply.fill("/greet");
        await reply.press("Enter");
        assert.equal(
          await reply.inputValue(),
          "Hi Dmitri Petrov, Ann here. I will write to dmitri@example.org about {{order.id}}.",
        );
        // Amber Otter is a name Parley made up, and she left no email: the fallbacks apply.
        await openRow(o.page, "Amber Otter");
        await o.page.getByRole("complementary", { name: "Visitor details" }).getByText("Pro", {
          exact: true,
        })
          .waitFor();
        await reply.fill("/greet");
        await reply.press("Tab");
        assert.equal(
          await reply.inputValue(),
          "Hi there, Ann here. I will write to  about {{order.id}}.",
        );
      });

      await step("attribute keys show as the site gave them", async (o) => {
        await openRow(o.page, "Dmitri Petrov");
        const panel = o.page.getByRole("complementary", { name: "Visitor details" });
        const key = panel.locator(".fact dt", { hasText: /^cartValue$/i });
        await key.waitFor();
        // innerText applies CSS text-transform: this is what a person reads.
        assert.equal(await key.evaluate((el) => (el as HTMLElement).innerText), "cartValue");
        assert.equal(
          await panel.locator(".fact dt", { hasText: /^email$/i }).evaluate((el) =>
            (el as HTMLElement).innerText
          ),
          "EMAIL",
        );
        const dir = await artifactsDir();
        await o.page.screenshot({ path: `${dir}/console-ui-attributes.png` });
      });

      await step(
        "every state has one main landmark and one level-1 heading",
        { signIn: false },
        async (o) => {
          const landmarks = async (what: string) => {
            assert.equal(await o.page.getByRole("main").count(), 1, `${what}: main`);
            assert.equal(await o.page.getByRole("heading", { level: 1 }).count(), 1, what);
          };
          await o.page.getByRole("button", { name: "Sign in" }).waitFor();
          await landmarks("sign-in page");
          await submitSignIn(o.page);
          await o.page.getByText("Chloé Martin").waitFor();
          await landmarks("inbox");
          await openRow(o.page, "Dmitri Petrov");
          await landmarks("open conversation");
          // The visitor panel stays a landmark of its own, beside the main one.
          await o.page.getByRole("complementary", { name: "Visitor details" }).waitFor();
        },
      );

      await step("a lost accept race shows the conflict", async (o) => {
        await openRow(o.page, "Chloé Martin");
        // Another agent took it a moment ago; our inbox has not heard yet.
        const c = o.server.data.conversations.find((x) => x.id === "c1");
        if (c) c.assigneeId = "bob";
        await o.page.getByRole("button", { name: "Accept" }).click();
        await o.page.getByRole("alert").filter({ hasText: "Someone else already accepted" })
          .waitFor();
      });

      await step("visitor typing shows 'is typing' and a live preview that expires", async (o) => {
        await openRow(o.page, "Dmitri Petrov");
        o.server.push(dmitriTyping("Actually, could you also"));
        await o.page.getByText("Dmitri Petrov is typing…").waitFor();
        await o.page.getByText("Actually, could you also").waitFor();
        await o.page.getByText("Dmitri Petrov is typing…").waitFor({ state: "detached" });
        assert.equal(await o.page.getByText("Actually, could you also").count(), 0);
      });

      await step("keyboard: j/k move, r replies, e resolves, ? helps, Escape leaves", async (o) => {
        const { page } = o;
        await page.locator("body").click({ position: { x: 640, y: 400 } });
        await page.keyboard.press("j");
        await page.getByRole("heading", { name: "Chloé Martin", level: 2 }).waitFor();
        await page.keyboard.press("j");
        await page.getByRole("heading", { name: "Amber Otter", level: 2 }).waitFor();
        await page.keyboard.press("k");
        await page.getByRole("heading", { name: "Chloé Martin", level: 2 }).waitFor();
        await page.keyboard.press("r");
        assert.equal(await page.evaluate(() => document.activeElement?.id), "reply");
        await page.keyboard.type("jk");
        assert.equal(await page.getByRole("textbox", { name: "Reply" }).inputValue(), "jk");
        await page.keyboard.press("Escape");
        assert.notEqual(await page.evaluate(() => document.activeElement?.id), "reply");
        await page.keyboard.press("e");
        await o.server.waitFor((f) => f.type === "resolve" && f.conversationId === "c1");
        await page.keyboard.press("?");
        const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
        await dialog.waitFor();
        await dialog.getByText("Focus the reply box").waitFor();
        await page.keyboard.press("Escape");
        await dialog.waitFor({ state: "hidden" });
        await page.keyboard.press("Escape");
        await page.getByRole("heading", { name: "No conversation open" }).waitFor();
      });

      const openCanned = async (page: Page) => {
        await page.getByRole("button", { name: "Settings" }).click();
        await page.getByRole("button", { name: "Canned responses" }).click();
        await page.getByRole("button", { name: "Add response" }).waitFor();
      };
      await step("an admin is offered to share a new canned response", async (o) => {
        await openCanned(o.page);
        await o.page.getByRole("checkbox", { name: "Shared with the team" }).waitFor();
      });
      await step("an agent is not (the server would refuse it)", { signIn: false }, async (o) => {
        await o.page.getByLabel("Email").fill("bob@example.com");
        await o.page.getByLabel("Password").fill("battery staple");
        await o.page.getByRole("button", { name: "Sign in" }).click();
        await o.page.getByRole("tab", { name: /^Queue/ }).waitFor();
        await openCanned(o.page);
        const shared = o.page.getByRole("checkbox", { name: "Shared with the team" });
        assert.equal(await shared.count(), 0);
      });

      await step("the presence switch toggles online and away", async (o) => {
        const sw = o.page.getByRole("switch", { name: "Online" });
        assert.equal(await sw.isChecked(), true);
        await sw.click({ force: true });
        await o.server.waitFor((f) => f.type === "presence" && f.status === "away");
        await o.page.locator(".switch-text", { hasText: "Away" }).waitFor();
        assert.equal(await sw.isChecked(), false);
      });

      await step(
        "after a drop the console reconnects, resends the same client id and catches up",
        async (o) => {
          const { page, server } = o;
          await openRow(page, "Dmitri Petrov");
          server.holdMessages = true;
          await page.getByRole("textbox", { name: "Reply" }).fill("Are you still there?");
          await page.getByRole("textbox", { name: "Reply" }).press("Enter");
          const first = await server.waitFor((f) => f.type === "message");
          await page.locator(".msg-pending", { hasText: "Are you still there?" }).getByText(
            "Sending…",
          ).waitFor();
          // Meanwhile the visitor wrote something the console has not seen.
          server.data.messages.push({
            id: "c3-late",
            conversationId: "c3",
            seq: 7,
            authorKind: "visitor",
            authorId: "v3",
            authorName: "Dmitri Petrov",
            clientId: "late",
            body: "Written while you were away",
            note: false,
            createdAt: new Date().toISOString(),
          });
          const c3 = server.data.conversations.find((c) => c.id === "c3");
          if (c3) c3.lastSeq = 7;
          server.holdMessages = false;
          server.dropSockets(1012);
          await server.waitFor((f) => f.type === "sync" && f.afterSeq === 6, 10_000);
          await page.getByText("Written while you were away").waitFor();
          const sent = server.received.filter((f) => f.type === "message");
          assert.equal(sent.length, 2);
          assert.equal(
            sent[1].type === "message" && sent[1].clientId,
            first.type === "message" && first.clientId,
          );
          await page.locator(".msg-mine", { hasText: "Are you still there?" }).getByText(
            /Sent|Seen/,
          ).waitFor();
          assert.equal(
            await page.locator(".msg", { hasText: "Are you still there?" }).count(),
            1,
          );
        },
      );

      await step("close code 4001 returns to the sign-in page", async (o) => {
        o.server.dropSockets(4001);
        await o.page.getByText("Your session has ended").waitFor();
        await o.page.getByRole("button", { name: "Sign in" }).waitFor();
      });

      await step("search finds messages and opens their conversation", async (o) => {
        await o.page.getByRole("searchbox", { name: "Search messages" }).fill("Rivoli");
        await o.page.getByRole("searchbox", { name: "Search messages" }).press("Enter");
        const results = o.page.getByRole("region", { name: "Search results" });
        await results.getByText("1 result for “Rivoli”").waitFor();
        await results.locator(".row").first().click();
        await o.page.getByRole("heading", { name: "Dmitri Petrov", level: 2 }).waitFor();
        await o.page.getByRole("button", { name: "Close search" }).click();
        await o.page.getByRole("tab", { name: /^Queue/ }).waitFor();
      });

      await step(
        "axe-core finds no serious or critical violations",
        // Injecting axe needs an inline script, which the console's CSP rightly forbids.
        { signIn: false, bypassCSP: true },
        async (o) => {
          const axe = await Deno.readTextFile(
            new URL("../node_modules/axe-core/axe.min.js", import.meta.url),
          );
          const scan = async (what: string) => {
            if (!(await o.page.evaluate(() => "axe" in window))) {
              await o.page.addScriptTag({ content: axe });
            }
            const found = await o.page.evaluate(async () => {
              const w = window as unknown as {
                axe: {
                  run(): Promise<{
                    violations: {
                      id: string;
                      impact: string;
                      help: string;
                      nodes: { target: string[] }[];
                    }[];
                  }>;
                };
              };
              const result = await w.axe.run();
              return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) =>
                  `${v.id}: ${v.help} (${
                    v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(", ")
                  })`
                );
            });
            assert.deepEqual(found, [], what);
          };
          await scan("sign-in page");
          await submitSignIn(o.page);
          await o.page.getByText("Chloé Martin").waitFor();
          await scan("inbox");
          await openRow(o.page, "Dmitri Petrov");
          await o.page.getByText("user-8812").waitFor();
          await scan("open conversation");
          await o.page.getByRole("textbox", { name: "Reply" }).fill("/");
          await o.page.getByRole("listbox", { name: "Canned responses" }).waitFor();
          await scan("canned menu");
          await o.page.getByRole("textbox", { name: "Reply" }).fill("");
          await o.page.getByRole("button", { name: "Settings" }).click();
          await o.page.getByRole("dialog", { name: "Settings" }).waitFor();
          await scan("settings dialog");
          await o.page.getByRole("button", { name: "Team" }).click();
          await o.page.getByText("bob@example.com").waitFor();
          await scan("team settings");
        },
      );

      await step(
        "the contact panel badges each identity field by what the site's signature covered",
        async (o) => {
          await openRow(o.page, "Dmitri Petrov");
          const panel = o.page.getByRole("complementary", { name: "Visitor details" });
          const badge = (label: string) =>
            panel.locator(".fact", { hasText: label }).locator(".badge");
          await badge("Email").filter({ hasText: /^Verified$/ }).waitFor();
          // The site signed only the user id: the email and name sent beside it are unproven.
          const dmitri = o.server.data.visitors.find((v) => v.name === "Dmitri Petrov")!;
          o.server.push({
            type: "visitor",
            visitor: {
              ...dmitri,
              email: "ceo@victim.example",
              verified: true,
              emailVerified: false,
              nameVerified: false,
            },
          });
          await panel.getByText("ceo@victim.example").waitFor();
          assert.equal(await badge("Email").textContent(), "Unverified");
          assert.equal(await badge("User id").textContent(), "Verified");
          assert.equal(await badge("Name").textContent(), "Unverified");
        },
      );

      await step("screenshots of the inbox and an open conversation", async (o) => {
        const dir = await artifactsDir();
        await o.page.screenshot({ path: `${dir}/console-ui-inbox.png` });
        await o.page.getByRole("tab", { name: /^Mine/ }).click();
        await openRow(o.page, "Dmitri Petrov");
        o.server.push(dmitriTyping("One more question about the"));
        await o.page.getByText("One more question about the").waitFor();
        await o.page.screenshot({ path: `${dir}/console-ui-conversation.png` });
        await o.page.setViewportSize({ width: 820, height: 1180 });
        await o.page.screenshot({ path: `${dir}/console-ui-tablet.png` });
      });
    } finally {
      await Deno.remove(dist, { recursive: true });
    }
  },
});
