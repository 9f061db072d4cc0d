/**
 * What the widget shows of a conversation's course, in real Chromium against the real Parley
 * server: the away card promises only a reply here while Parley sends no email and goes once an
 * agent has answered; "Seen" appears under the visitor's latest message once an agent read it;
 * the rating card stays where the conversation was resolved and still rates it after the visitor
 * wrote again. Screenshots at desktop and phone sizes are saved under `tests/artifacts/`.
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { buildWidget } from "../widget/build.ts";
import { artifactsDir, browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { openChat } from "./helpers/widget_page.ts";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import type { Frame, TestSocket } from "./helpers/ws_client.ts";

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

async function send(p: Page, text: string): Promise<void> {
  await p.getByRole("textbox", { name: "Message" }).fill(text);
  await p.keyboard.press("Enter");
}

/** The stored message `body` as the agent socket got it. */
async function agentGets(agent: TestSocket, body: string): Promise<{ seq: number; id: string }> {
  const f = await agent.nextOf(
    "message",
    (m: Frame) => (m.message as { body: string }).body === body,
  );
  const m = f.message as { seq: number; conversationId: string };
  return { seq: m.seq, id: m.conversationId };
}

Deno.test({
  name: "widget: the away card, Seen, and a rating that outlives writing again",
  ignore: !browserAvailable(),
  async fn(t) {
    const dist = await Deno.makeTempDir({ prefix: "parley-widget-dist-" });
    await Deno.mkdir(`${dist}/assets`);
    await buildWidget({ outDir: dist });
    const { stop } = await import("esbuild");
    await stop();
    let server: TestServer | null = null;
    let browser: Browser | null = null;
    let agent: TestSocket | null = null;
    const errors: string[] = [];
    const shots = await artifactsDir();
    try {
      server = await startTestServer({ env: { PARLEY_DIST_DIR: dist } });
      browser = await launchBrowser();
      const ctx = await browser.newContext({ viewport: DESKTOP });
      const p = await ctx.newPage();
      p.on("pageerror", (e) => errors.push(e.message));
      const shoot = async (name: string) => {
        await p.screenshot({ path: `${shots}/widget-conversation-${name}-desktop.png` });
        await p.setViewportSize(PHONE);
        await p.screenshot({ path: `${shots}/widget-conversation-${name}-phone.png` });
        await p.setViewportSize(DESKTOP);
      };
      const chat = p.locator("parley-chat");
      let conversationId = "";

      await t.step("nobody online: the card promises a reply here, not by email", async () => {
        await p.goto(`${server!.url}/`);
        await openChat(p);
        const away = chat.locator("#parley-away");
        await away.waitFor();
        assert.equal(
          await away.innerText(),
          "We're away right now, but we'll reply here as soon as we can. " +
            "You can also leave your email.",
        );
        await shoot("away-prompt");
        await send(p, "Do you ship to Norway?");
        await chat.locator(".ds[title='Sent']").waitFor();
        await p.getByRole("textbox", { name: "Email" }).fill("shopper@example.com");
        await p.getByRole("button", { name: "Save email" }).click();
        const thanks = chat.getByRole("status").filter({ hasText: "Thanks!" });
        await thanks.waitFor();
        assert.equal((await thanks.innerText()).trim(), "Thanks! We'll reply here.");
        await shoot("away-email-off");
      });

      await t.step("an agent comes and answers: the away card goes for good", async () => {
        const cookie = await server!.login(ADMIN.email, ADMIN.password);
        agent = await server!.agentSocket(cookie);
        // Someone can answer now: the card about being away goes.
        await chat.getByText("Thanks! We'll reply here.").waitFor({ state: "detached" });
        const welcome = agent.all("welcome")[0];
        const mine = (welcome.conversations as { id: string; lastMessage: { body: string } }[])
          .find((c) => c.lastMessage?.body === "Do you ship to Norway?");
        assert.ok(mine, "the agent's inbox has the conversation");
        conversationId = mine.id;
        agent.send({ type: "accept", conversationId });
        agent.send({
          type: "message",
          conversationId,
          clientId: crypto.randomUUID(),
          body: "Yes! Norway takes three days.",
        });
        await p.getByText("Yes! Norway takes three days.").waitFor();
        // The agent leaves: the team is away again, but the visitor has their answer.
        await agent.close();
        await chat.locator(".h p", { hasText: /^Away/ }).waitFor();
        assert.equal(await chat.locator(".card").count(), 0);
        await shoot("answered");
        agent = await server!.agentSocket(cookie);
        await chat.locator(".h p", { hasText: /^Online/ }).waitFor();
      });

      await t.step("the agent reads the visitor's latest message: Seen", async () => {
        await send(p, "Great, and returns?");
        const { seq } = await agentGets(agent!, "Great, and returns?");
        await chat.locator(".ds[title='Sent']").nth(1).waitFor();
        assert.equal(await chat.getByText("Seen", { exact: true }).count(), 0);
        agent!.send({ type: "read", conversationId, seq });
        const seen = chat.getByText("Seen", { exact: true });
        await seen.waitFor();
        assert.ok(await seen.isVisible());
        // Only on the latest message; the earlier one keeps its check mark.
        assert.equal(await chat.locator(".ds[title='Seen']").count(), 1);
        assert.equal(await chat.locator(".ds[title='Sent']").count(), 1);
        const last = chat.locator(".v .m").last();
        assert.match(await last.innerText(), /Great, and returns\?\s*Seen/);
        await shoot("seen");
      });

      await t.step("resolved, the visitor writes again: the rating stays and counts", async () => {
        agent!.send({ type: "resolve", conversationId });
        await p.getByRole("button", { name: "Rate 4 out of 5" }).waitFor();
        await p.getByRole("button", { name: "Start a new conversation" }).waitFor();
        await shoot("rating-resolved");

        await send(p, "Actually, one more question");
        await agentGets(agent!, "Actually, one more question");
        await chat.locator(".ds[title='Sent']").last().waitFor();
        // The conversation reopened: its card stays where it was resolved, above the new words.
        await p.getByRole("button", { name: "Start a new conversation" }).waitFor({
          state: "detached",
        });
        const rate = p.getByRole("button", { name: "Rate 4 out of 5" });
        assert.ok(await rate.isVisible());
        assert.equal(await chat.locator(".card").count(), 1);
        const cardFirst = await chat.locator(".card").evaluate((card) => {
          const bubble = [...(card.parentElement?.querySelectorAll(".bb") ?? [])]
            .find((b) => b.textContent === "Actually, one more question");
          return !!bubble && !!(card.compareDocumentPosition(bubble) & 4);
        });
        assert.ok(cardFirst, "the rating card comes before the visitor's new message");
        await shoot("rating-after-writing-again");

        await rate.click();
        await p.getByText("Thanks for your feedback!").waitFor();
        const live = await agent!.nextOf("conversation", (f) => {
          const c = f.conversation as { id: string; rating: number | null };
          return c.id === conversationId && c.rating === 4;
        });
        assert.equal((live.conversation as { status: string }).status, "open");
      });

      await t.step(
        "handed to an agent who is signed out: the header does not say Online",
        async () => {
          const bob = await server!.createAgent({ name: "Bob Barista" });
          agent!.send({ type: "transfer", conversationId, agentId: bob.id, requestId: "to-bob" });
          await agent!.nextOf("done", (f) => f.requestId === "to-bob");
          await chat.locator("#parley-title", { hasText: "Bob Barista" }).waitFor();
          // Another agent (the admin) is online, but the one answering is not.
          await chat.locator(".h p", { hasText: /^Away/ }).waitFor();
          await shoot("assignee-offline");
          const bobSocket = await server!.agentSocket(await server!.login(bob.email, bob.password));
          try {
            await chat.locator(".h p", { hasText: /^Online/ }).waitFor();
          } finally {
            await bobSocket.close();
          }
          await chat.locator(".h p", { hasText: /^Away/ }).waitFor();
        },
      );
      assert.deepEqual(errors, []);
      await ctx.close();
    } finally {
      await (agent as TestSocket | null)?.close();
      await browser?.close();
      await server?.close();
      await Deno.remove(dist, { recursive: true });
    }
  },
});
