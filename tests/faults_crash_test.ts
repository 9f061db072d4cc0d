/**
 * Delivery across a server crash: a real `deno run main.ts` on Postgres is SIGKILLed while
 * visitors keep writing, then started again on the same port. Every message written is stored
 * exactly once, in writing order, every ack names the stored row, and an agent sees them all.
 * Once with scripted widget-like visitors (outbox, same client id on resend), once with the real
 * widget in Chromium on the demo storefront.
 */

import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { freshDatabase } from "./helpers/database.ts";
import {
  assertStoredOnceInOrder,
  buildDist,
  faultTestsEnabled,
  figure,
  requirePostgres,
  sleep,
  storedMessages,
} from "./helpers/faults.ts";
import { OutboxVisitor } from "./helpers/outbox_visitor.ts";
import { freePort } from "./helpers/pg_instance.ts";
import { BASE_ENV, FAST_WRITERS_ENV, spawnServer } from "./helpers/process.ts";
import { TestSocket } from "./helpers/ws_client.ts";

const pgOk = faultTestsEnabled("faults_crash_test") && await requirePostgres("faults_crash_test");

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/agent/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-parley-csrf": "1" },
    body: JSON.stringify({
      email: BASE_ENV.PARLEY_ADMIN_EMAIL,
      password: BASE_ENV.PARLEY_ADMIN_PASSWORD,
    }),
  });
  await res.body?.cancel();
  assert.equal(res.status, 200);
  return (res.headers.get("set-cookie") ?? "").split(";")[0];
}

/** What a fresh agent sees of a conversation, through the agent protocol. */
async function agentHistory(url: string, conversationId: string): Promise<string[]> {
  const wsUrl = url.replace(/^http/, "ws");
  const agent = await TestSocket.open(`${wsUrl}/ws/agent`, { cookie: await login(url) });
  try {
    await agent.nextOf("welcome");
    const bodies: string[] = [];
    let afterSeq = 0;
    for (;;) {
      agent.send({ type: "sync", conversationId, afterSeq, limit: 200 });
      const page = await agent.nextOf("history", (f) => f.conversationId === conversationId);
      const messages = page.messages as { seq: number; body: string; authorKind: string }[];
      for (const m of messages) if (m.authorKind === "visitor") bodies.push(m.body);
      // After afterSeq, `hasMore` speaks of older messages (docs/protocol.md): a full page is
      // what says newer ones may follow. A loaded machine writes more than one page.
      if (messages.length < 200) break;
      afterSeq = messages[messages.length - 1].seq;
    }
    return bodies;
  } finally {
    await agent.close();
  }
}

/** Asserts each written body is stored once, in order, in one conversation per writer. */
Deno.test({
  name: "messages written across a SIGKILL are stored exactly once, in order, and reach the agent",
  ignore: !pgOk,
  async fn() {
    const db = await freshDatabase();
    const port = freePort();
    const env = { DATABASE_URL: db.url, ...FAST_WRITERS_ENV };
    let proc = spawnServer(port, env);
    const visitors: OutboxVisitor[] = [];
    try {
      await proc.waitReady();
      const wsUrl = proc.url.replace(/^http/, "ws");
      const agent = await TestSocket.open(`${wsUrl}/ws/agent`, { cookie: await login(proc.url) });
      await agent.nextOf("welcome");
      for (let i = 0; i < 5; i++) {
        const v = new OutboxVisitor({ wsUrl, maxBackoffMs: 500 });
        v.start();
        visitors.push(v);
      }
      await Promise.all(visitors.map((v) => v.welcomed()));
      const written: string[][] = visitors.map(() => []);
      let writing = true;
      let duringOutage = 0;
      let down = false;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          visitors.forEach((v, k) => {
            const body = `visitor ${k} message ${i}`;
            v.write(body);
            written[k].push(body);
            if (down) duringOutage++;
          });
          await sleep(25);
        }
      })();

      await sleep(1500);
      const ackedBeforeKill = visitors.reduce((n, v) => n + v.acks.length, 0);
      proc.kill("SIGKILL");
      down = true;
      assert.equal((await proc.status).signal, "SIGKILL");
      await sleep(500);
      proc = spawnServer(port, env);
      await proc.waitReady();
      down = false;
      await sleep(1500);
      writing = false;
      await writer;
      await Promise.all(visitors.map((v) => v.drained(30_000)));
      await agent.closed;

      const rows = await storedMessages(db.url);
      const conversations = assertStoredOnceInOrder(
        rows,
        visitors.map((v, k) => ({ written: written[k], acks: v.acks })),
      );
      let total = 0;
      for (const [k, v] of visitors.entries()) {
        const conversationId = conversations[k];
        assert.ok(v.closes.length >= 1, "the crash closed the socket");
        assert.deepEqual(
          v.errors.filter((e) => e.retryable !== true),
          [],
          "no message was refused for good",
        );
        assert.deepEqual(await agentHistory(proc.url, conversationId), written[k]);
        total += written[k].length;
      }
      const stored = rows.filter((r) => r.authorKind === "visitor").length;
      figure("sigkill scripted: messages written", total);
      figure("sigkill scripted: written while the server was down", duringOutage);
      figure("sigkill scripted: acked before the kill", ackedBeforeKill);
      figure("sigkill scripted: stored", stored);
      assert.equal(stored, total);
    } finally {
      for (const v of visitors) v.stop();
      await proc.dispose();
      await db.drop();
    }
  },
});

Deno.test({
  name: "the widget in Chromium keeps every message across a SIGKILL: pending, then sent, once",
  ignore: !pgOk || !browserAvailable(),
  async fn() {
    const dist = await buildDist();
    const db = await freshDatabase();
    const port = freePort();
    const env = { DATABASE_URL: db.url, PARLEY_DIST_DIR: dist.dir, ...FAST_WRITERS_ENV };
    let proc = spawnServer(port, env);
    let browser: Browser | null = null;
    try {
      await proc.waitReady();
      browser = await launchBrowser();
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      await page.goto(`${proc.url}/`);
      await page.getByRole("button", { name: "Open chat" }).click();
      const box = page.getByRole("textbox", { name: "Message" });
      await box.waitFor();
      const sendButton = page.getByRole("button", { name: "Send", exact: true });
      const written: string[] = [];
      const write = async (body: string) => {
        await box.fill(body);
        await sendButton.click();
        written.push(body);
      };
      const sent = page.locator("parley-chat .ds[title='Sent']");
      const sending = page.locator("parley-chat .ds[title='Sending']");

      for (let i = 0; i < 10; i++) await write(`before the crash ${i}`);
      await sent.nth(9).waitFor({ timeout: 10_000 });

      // Keep writing while the server dies: these are still in flight or in the outbox.
      const writing = (async () => {
        for (let i = 0; i < 15; i++) {
          await write(`around the crash ${i}`);
          await sleep(40);
        }
      })();
      await sleep(150);
      proc.kill("SIGKILL");
      await proc.status;
      await writing;
      for (let i = 0; i < 5; i++) await write(`while it is down ${i}`);
      // The widget shows what is not yet stored as pending.
      assert.ok(await sending.count() >= 5, "unsent messages show as Sending");
      const pendingWhileDown = await sending.count();

      proc = spawnServer(port, env);
      await proc.waitReady();
      for (let i = 0; i < 5; i++) await write(`after the restart ${i}`);
      await sent.nth(written.length - 1).waitFor({ timeout: 30_000 });
      // Settled: the last "Sending" mark has gone (a wait for the outcome, not a fixed pause).
      await sending.first().waitFor({ state: "detached", timeout: 30_000 });
      assert.equal(await sending.count(), 0, "nothing left pending");
      assert.equal(await sent.count(), written.length, "each message shown once, as Sent");
      assert.equal(await page.locator("parley-chat .ds[title='Not delivered.']").count(), 0);

      const rows = await storedMessages(db.url);
      // The widget's acks are its own; what it shows as Sent is checked above.
      const [conversationId] = assertStoredOnceInOrder(rows, [{ written, acks: [] }]);
      assert.deepEqual(await agentHistory(proc.url, conversationId), written);
      figure("sigkill chromium: messages written", written.length);
      figure("sigkill chromium: pending in the widget while down", pendingWhileDown);
      figure("sigkill chromium: stored", rows.filter((r) => r.authorKind === "visitor").length);
      assert.deepEqual(pageErrors, []);
      await ctx.close();
    } finally {
      await browser?.close();
      await proc.dispose();
      await db.drop();
      await dist.remove();
    }
  },
});
