/**
 * Issue 19 in Chromium, against real Parley servers behind a real reverse proxy
 * (`tests/helpers/proxy.ts`) that refuses the WebSocket upgrade the way nginx without the
 * `Upgrade` headers does, while passing ordinary HTTP. The storefront is loaded through the proxy,
 * so the widget's WebSocket never opens and it chats over the HTTP fallback
 * (`POST /fallback/visitor/stream` and `/frames`, docs/protocol.md "HTTP fallback"). The agent
 * is connected directly over a WebSocket and sees every message exactly once and in order; the
 * visitor sees the replies live, through going offline and back and a reload. The same across two
 * instances behind a round-robin proxy (posts land on either, relayed to the stream's), and
 * behind a proxy that holds response bytes for two seconds.
 */

import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { browserAvailable, sharedBrowser } from "./helpers/browser.ts";
import { freshDatabase, IN_CI, postgresReachable } from "./helpers/database.ts";
import { startClusterInstance } from "./helpers/cluster_instance.ts";
import { signIn } from "./helpers/parley_process.ts";
import { type ReverseProxy, startProxy, TRUSTED_PROXY_ENV } from "./helpers/proxy.ts";
import { ADMIN, startTestServer } from "./helpers/server.ts";
import { shotsDir } from "./helpers/shots.ts";
import { waitUntil } from "./helpers/wait.ts";
import { openChat } from "./helpers/widget_page.ts";
import { type Frame, TestSocket } from "./helpers/ws_client.ts";

type Msg = { body: string; authorKind: string; conversationId: string; clientId?: string };

/** The visitor's messages an agent socket has received, in arrival order. */
function visitorBodies(agent: TestSocket): string[] {
  return agent.frames
    .filter((f: Frame) => f.type === "message")
    .map((f) => f.message as Msg)
    .filter((m) => m.authorKind === "visitor")
    .map((m) => m.body);
}

async function send(p: Page, text: string): Promise<void> {
  const box = p.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
}

/** The agent takes the conversation and answers; resolves once the reply is stored. */
async function reply(agent: TestSocket, conversationId: string, body: string): Promise<void> {
  const clientId = crypto.randomUUID();
  agent.send({ type: "message", conversationId, clientId, body });
  await agent.nextOf("ack", (f) => f.clientId === clientId);
}

/**
 * A visitor on the storefront behind `proxy`: chats, goes offline and back, reloads. `agent`
 * (connected directly) must see every message once and in order, and the visitor every reply.
 */
async function chatThrough(
  proxy: ReverseProxy,
  agent: TestSocket,
  ctx: BrowserContext,
  shot: string,
): Promise<void> {
  const errors: string[] = [];
  const p = await ctx.newPage();
  p.on("pageerror", (e) => errors.push(e.message));
  await p.goto(`${proxy.url}/`);
  await openChat(p);
  const sent = ["Hello from behind the proxy", "Second, right away", "Third, as fast"];
  for (const text of sent) await send(p, text);
  await waitUntil(() => visitorBodies(agent).length >= sent.length, "the agent got three");
  assert.deepEqual(visitorBodies(agent), sent, "every message once, in order");
  assert.ok(proxy.stats.upgradesRefused >= 2, "the proxy refused the upgrades");
  assert.ok((proxy.stats.paths.get("/fallback/visitor/stream") ?? 0) >= 1, "a fallback stream");
  assert.ok((proxy.stats.paths.get("/fallback/visitor/frames") ?? 0) >= 1, "frames posted");
  const first = agent.frames.find((f) =>
    f.type === "message" && (f.message as Msg).body === sent[0]
  );
  const conversationId = (first?.message as Msg).conversationId;
  agent.send({ type: "accept", conversationId });

  // A reply shows up live, with no reload.
  await reply(agent, conversationId, "Hi! How can I help?");
  await p.getByText("Hi! How can I help?").waitFor();
  // The widget says it is sent (acked over the fallback): no message is left pending.
  await p.screenshot({ path: `${await shotsDir("fallback")}/${shot}-live.png` });

  // Offline: the message waits in the outbox and goes once when back.
  await ctx.setOffline(true);
  await send(p, "Written while offline");
  await ctx.setOffline(false);
  await waitUntil(
    () => visitorBodies(agent).includes("Written while offline"),
    "the offline message arrived",
  );
  await reply(agent, conversationId, "Got that one too");
  await p.getByText("Got that one too").waitFor();

  // A reload resumes the same conversation over the fallback.
  await p.reload();
  await openChat(p);
  await p.getByText("Got that one too").waitFor();
  await send(p, "After the reload");
  await waitUntil(
    () => visitorBodies(agent).includes("After the reload"),
    "the message after the reload arrived",
  );
  await reply(agent, conversationId, "Still here");
  await p.getByText("Still here").waitFor();
  assert.deepEqual(
    visitorBodies(agent),
    [...sent, "Written while offline", "After the reload"],
    "every message exactly once and in order",
  );
  // Every message of the thread shows once in the widget.
  for (const text of [...sent, "Written while offline", "After the reload", "Still here"]) {
    assert.equal(await p.getByText(text, { exact: true }).count(), 1, text);
  }
  assert.deepEqual(errors, []);
  await p.close();
}

Deno.test({
  name: "widget behind a proxy that refuses WebSockets chats over the HTTP fallback",
  ignore: !browserAvailable(),
  async fn(t) {
    await using server = await startTestServer({ env: { ...TRUSTED_PROXY_ENV } });
    const browser = await sharedBrowser().get();

    await t.step("the upgrade refused: exactly once, in order, live, offline, reload", async () => {
      await using proxy = startProxy({ target: server.url, refuseUpgrade: true });
      const agent = await server.agentSocket(await server.login(ADMIN.email, ADMIN.password));
      const ctx = await browser.newContext();
      try {
        await chatThrough(proxy, agent, ctx, "refused");
      } finally {
        await ctx.close();
        await agent.close();
      }
    });

    await t.step("a proxy that holds responses for two seconds still delivers", async () => {
      await using proxy = startProxy({ target: server.url, refuseUpgrade: true, bufferMs: 2000 });
      const agent = await server.agentSocket(await server.login(ADMIN.email, ADMIN.password));
      const ctx = await browser.newContext();
      try {
        await chatThrough(proxy, agent, ctx, "buffered");
        assert.ok(proxy.stats.releases > 0, "the proxy held bytes");
      } finally {
        await ctx.close();
        await agent.close();
      }
    });
  },
});

const postgresUp = await postgresReachable();

Deno.test({
  name: "widget over the HTTP fallback across two instances behind a round-robin proxy",
  ignore: !browserAvailable() || (!postgresUp && !IN_CI),
  async fn() {
    const db = await freshDatabase();
    const env = { ...TRUSTED_PROXY_ENV };
    const one = await startClusterInstance(db.url, { env });
    const two = await startClusterInstance(db.url, { env });
    const proxy = startProxy({ target: [one.server.url, two.server.url], refuseUpgrade: true });
    let agent: TestSocket | null = null;
    const ctx = await (await sharedBrowser().get()).newContext();
    try {
      const cookie = await signIn(one.server.url, ADMIN.email, ADMIN.password);
      agent = await TestSocket.open(`${one.server.url.replace("http", "ws")}/ws/agent`, {
        cookie,
        origin: one.server.url,
      });
      await agent.nextOf("welcome");
      await chatThrough(proxy, agent, ctx, "two-instances");
      // Frames were posted to both instances, so some were relayed to the stream's.
      const relayed = async (url: string) => {
        const text = await (await fetch(`${url}/metrics`)).text();
        const m = text.match(/^parley_fallback_relayed_total\{direction="sent"\} (\d+)/m);
        return Number(m?.[1] ?? 0);
      };
      const sent = (await relayed(one.server.url)) + (await relayed(two.server.url));
      assert.ok(sent > 0, "posts landed on the other instance and were relayed");
    } finally {
      await ctx.close();
      await agent?.close();
      await proxy.close();
      await two.close();
      await one.close();
      await db.drop();
    }
  },
});
