/**
 * Every limit has a documented default (server/config.ts, docs/guarantees.md) and is enforced:
 * frame and message size, messages and frames per second per socket, sockets per address, new
 * conversations per address per hour, sign-in attempts per account and per address.
 */

import assert from "node:assert/strict";
import { CloseCode } from "../protocol/codes.ts";
import { MAX_BODY_CHARS, MAX_FRAME_BYTES } from "../protocol/limits.ts";
import { loadConfig } from "../server/config.ts";
import { OutboxVisitor } from "./helpers/outbox_visitor.ts";
import { ADMIN, startTestServer } from "./helpers/server.ts";
import { TestSocket } from "./helpers/ws_client.ts";
import { waitUntil } from "./helpers/wait.ts";

/** The defaults Parley promises, by environment variable. */
const DEFAULTS: Record<string, number> = {
  PARLEY_MESSAGES_PER_SECOND: 5,
  PARLEY_MESSAGE_BURST: 20,
  PARLEY_FRAMES_PER_SECOND: 30,
  PARLEY_FRAME_BURST: 60,
  PARLEY_SOCKETS_PER_IP: 50,
  PARLEY_NEW_CONVERSATIONS_PER_HOUR: 30,
  PARLEY_LOGIN_ATTEMPTS_PER_ACCOUNT: 5,
  PARLEY_LOGIN_ATTEMPTS_PER_IP: 30,
  PARLEY_LOGIN_MAX_DELAY_MS: 4000,
  PARLEY_MAX_BUFFERED_BYTES: 1_048_576,
  PARLEY_HEARTBEAT_MS: 15_000,
  PARLEY_HEARTBEAT_TIMEOUT_MS: 45_000,
  PARLEY_DRAIN_TIMEOUT_MS: 4000,
  PARLEY_PROFILE_UPDATES_PER_MINUTE: 30,
};

Deno.test("every limit has the documented default", () => {
  const c = loadConfig({});
  const actual: Record<string, number> = {
    PARLEY_MESSAGES_PER_SECOND: c.limits.messagesPerSecond,
    PARLEY_MESSAGE_BURST: c.limits.messageBurst,
    PARLEY_FRAMES_PER_SECOND: c.limits.framesPerSecond,
    PARLEY_FRAME_BURST: c.limits.frameBurst,
    PARLEY_SOCKETS_PER_IP: c.limits.socketsPerIp,
    PARLEY_NEW_CONVERSATIONS_PER_HOUR: c.limits.newConversationsPerHour,
    PARLEY_LOGIN_ATTEMPTS_PER_ACCOUNT: c.limits.loginAttemptsPerAccount,
    PARLEY_LOGIN_ATTEMPTS_PER_IP: c.limits.loginAttemptsPerIp,
    PARLEY_LOGIN_MAX_DELAY_MS: c.limits.loginMaxDelayMs,
    PARLEY_MAX_BUFFERED_BYTES: c.limits.maxBufferedBytes,
    PARLEY_HEARTBEAT_MS: c.heartbeatMs,
    PARLEY_HEARTBEAT_TIMEOUT_MS: c.heartbeatTimeoutMs,
    PARLEY_DRAIN_TIMEOUT_MS: c.drainTimeoutMs,
    PARLEY_PROFILE_UPDATES_PER_MINUTE: c.limits.profileUpdatesPerMinute,
  };
  assert.deepEqual(actual, DEFAULTS);
  assert.equal(MAX_FRAME_BYTES, 32 * 1024);
  assert.equal(MAX_BODY_CHARS, 8000);
});

Deno.test("docs/guarantees.md states every default limit", async () => {
  const doc = await Deno.readTextFile(new URL("../docs/guarantees.md", import.meta.url));
  for (const [name, value] of Object.entries(DEFAULTS)) {
    const line = doc.split("\n").find((l) => l.startsWith("|") && l.includes(`\`${name}\``));
    assert.ok(line, `${name} is documented`);
    assert.ok(
      line.replaceAll(",", "").replaceAll(" ", "").includes(String(value)),
      `${name} default ${value} in: ${line}`,
    );
  }
});

Deno.test(
  "oversized frames and message bodies get too_large; the socket stays usable",
  async () => {
    await using t = await startTestServer();
    const v = await t.visitorSocket();
    v.send({ type: "typing", active: true, preview: "p".repeat(MAX_FRAME_BYTES) });
    assert.equal((await v.nextOf("error")).code, "too_large");
    v.send({ type: "message", clientId: "long", body: "b".repeat(MAX_BODY_CHARS + 1) });
    const err = await v.nextOf("error");
    assert.equal(err.code, "too_large");
    assert.equal(err.clientId, "long");
    assert.notEqual(err.retryable, true);
    v.send({ type: "message", clientId: "max", body: "b".repeat(MAX_BODY_CHARS) });
    assert.equal((await v.nextOf("ack")).clientId, "max");
    await v.close();
  },
);

Deno.test(
  "messages per second per socket: a burst past the bucket is refused retryably and, " +
    "resent in order, stored in writing order",
  async () => {
    // A slow refill, so the bucket cannot refill while the burst is being stored.
    const slow = await startTestServer({
      env: { PARLEY_MESSAGES_PER_SECOND: "1", PARLEY_MESSAGE_BURST: "5" },
    });
    try {
      const raw = await slow.visitorSocket();
      for (let i = 0; i < 8; i++) raw.send({ type: "message", clientId: `m${i}`, body: `${i}` });
      for (let i = 0; i < 5; i++) assert.equal((await raw.nextOf("ack")).clientId, `m${i}`);
      for (let i = 5; i < 8; i++) {
        const e = await raw.nextOf("error");
        assert.deepEqual([e.code, e.clientId, e.retryable], ["rate_limited", `m${i}`, true]);
      }
      await raw.close();
    } finally {
      await slow.close();
    }
    await using t = await startTestServer({
      env: { PARLEY_MESSAGES_PER_SECOND: "10", PARLEY_MESSAGE_BURST: "5" },
    });
    // A client that writes 40 messages at once still gets them all stored, in order.
    const v = new OutboxVisitor({ wsUrl: t.wsUrl });
    v.start();
    await v.welcomed();
    const written = Array.from({ length: 40 }, (_, i) => `burst ${i}`);
    for (const body of written) v.write(body);
    await v.drained(20_000);
    assert.ok(v.errors.some((e) => e.code === "rate_limited"), "the limit was hit");
    const { messages } = await t.store.listMessages(v.conversationId!, {
      limit: 100,
      includeNotes: false,
    });
    assert.deepEqual(messages.map((m) => m.body), written);
    v.stop();
  },
);

Deno.test(
  "frames per second per socket: pings past the bucket get rate_limited, a flood is closed with 4029",
  async () => {
    await using t = await startTestServer({
      env: { PARLEY_FRAMES_PER_SECOND: "1", PARLEY_FRAME_BURST: "10" },
    });
    const v = await t.visitorSocket();
    // hello used one frame of the burst of 10.
    for (let i = 0; i < 12; i++) v.send({ type: "ping" });
    const answers = [];
    for (let i = 0; i < 12; i++) {
      answers.push(await v.next((f) => f.type === "pong" || f.type === "error"));
    }
    const errors = answers.filter((f) => f.type === "error");
    assert.ok(answers.filter((f) => f.type === "pong").length >= 9);
    assert.ok(errors.length >= 2 && errors.every((e) => e.code === "rate_limited"));
    // Keep going without slowing down: a flood, not a burst. The server closes with 4029;
    // while the client is still sending, Deno may drop the connection before that close frame
    // is written, so the client sees either 4029 or an abnormal close.
    for (let i = 0; i < 30; i++) v.send({ type: "ping" });
    const { code } = await v.closed;
    assert.ok([CloseCode.TooMany, 1006, 0].includes(code), `closed with ${code}`);
    // The server lets go of it (after its own close handling, which may trail ours).
    await waitUntil(() => t.server.app.core.registry.all.size === 0, "the server lets go of it");
  },
);

Deno.test(
  "sockets per address: the next upgrade is refused with 429 until one closes",
  async () => {
    await using t = await startTestServer({ env: { PARLEY_SOCKETS_PER_IP: "3" } });
    const open = await Promise.all([1, 2, 3].map(() => t.visitorSocket()));
    const refused = await fetch(`${t.url}/ws/visitor`, {
      headers: { upgrade: "websocket", connection: "upgrade", "sec-websocket-version": "13" },
    });
    assert.equal(refused.status, 429);
    assert.equal((await refused.json()).error.code, "rate_limited");
    await assert.rejects(TestSocket.open(`${t.wsUrl}/ws/visitor`));
    await open[0].close();
    // The server counts the close when it has handled it, which may trail ours: retry until
    // the upgrade is admitted (a refusal that never ends fails at the deadline).
    const admitted: TestSocket[] = [];
    await waitUntil(async () => {
      const s = await t.visitorSocket().catch(() => null);
      if (s) admitted.push(s);
      return s !== null;
    }, "a socket is admitted again");
    const [again] = admitted;
    await Promise.all([again, open[1], open[2]].map((s) => s.close()));
  },
);

Deno.test(
  "new conversations per address per hour: the next new visitor's first message is refused",
  async () => {
    await using t = await startTestServer({ env: { PARLEY_NEW_CONVERSATIONS_PER_HOUR: "2" } });
    const visitors = await Promise.all([1, 2, 3].map(() => t.visitorSocket()));
    for (const [i, v] of visitors.slice(0, 2).entries()) {
      v.send({ type: "message", clientId: `first-${i}`, body: "hello" });
      await v.nextOf("ack");
    }
    visitors[2].send({ type: "message", clientId: "third", body: "hello" });
    const err = await visitors[2].nextOf("error");
    assert.deepEqual([err.code, err.clientId], ["rate_limited", "third"]);
    // Existing conversations go on.
    visitors[0].send({ type: "message", clientId: "more", body: "still talking" });
    assert.equal((await visitors[0].nextOf("ack", (f) => f.clientId === "more")).seq, 2);
    await Promise.all(visitors.map((v) => v.close()));
  },
);

Deno.test(
  "new conversations per address: a tab's stale state cannot open more than the limit",
  async () => {
    const limit = 30;
    await using t = await startTestServer({
      env: {
        PARLEY_NEW_CONVERSATIONS_PER_HOUR: String(limit),
        PARLEY_MESSAGES_PER_SECOND: "1000",
        PARLEY_MESSAGE_BURST: "1000",
      },
    });
    // Two tabs of one visitor: B starts over, A (which still believes in the old conversation)
    // writes, and so on. Every one of A's messages opens a conversation.
    const a = await t.visitorSocket();
    const token = String(a.all("welcome")[0].token);
    const visitorId = String((a.all("welcome")[0].visitor as { id: string }).id);
    const b = await t.visitorSocket({ token });
    const answers: string[] = [];
    for (let i = 0; i < limit + 10; i++) {
      const clientId = `tab-a-${i}`;
      a.send({ type: "message", clientId, body: `topic ${i}` });
      const answer = await a.next((f) =>
        (f.type === "ack" || f.type === "error") && f.clientId === clientId
      );
      answers.push(answer.type === "ack" ? "ack" : String(answer.code));
      b.send({ type: "start_over" });
      await b.nextOf("conversation", (f) => f.conversation === null);
    }
    const opened = await t.store.countVisitorConversations(visitorId);
    console.log(`[figure] conversations opened for the address: ${opened} of ${limit + 10}`);
    assert.equal(opened, limit);
    assert.deepEqual(answers.slice(limit), Array(10).fill("rate_limited"));
    await Promise.all([a.close(), b.close()]);
  },
);

async function tryLogin(url: string, email: string, password: string): Promise<number> {
  const res = await fetch(`${url}/api/agent/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-parley-csrf": "1" },
    body: JSON.stringify({ email, password }),
  });
  await res.body?.cancel();
  return res.status;
}

Deno.test(
  "sign-in attempts are limited per account and address, even with the right password",
  async () => {
    await using t = await startTestServer({ env: { PARLEY_LOGIN_ATTEMPTS_PER_ACCOUNT: "3" } });
    const bob = await t.createAgent();
    for (let i = 0; i < 3; i++) assert.equal(await tryLogin(t.url, bob.email, "wrong-pass"), 401);
    assert.equal(await tryLogin(t.url, bob.email, bob.password), 429);
    assert.equal(await tryLogin(t.url, bob.email.toUpperCase(), bob.password), 429);
    // Other accounts are not locked out.
    assert.equal(await tryLogin(t.url, ADMIN.email, ADMIN.password), 200);
  },
);

Deno.test("sign-in attempts are limited per address across accounts", async () => {
  await using t = await startTestServer({ env: { PARLEY_LOGIN_ATTEMPTS_PER_IP: "4" } });
  for (let i = 0; i < 4; i++) {
    assert.equal(await tryLogin(t.url, `nobody${i}@test.local`, "wrong-pass"), 401);
  }
  assert.equal(await tryLogin(t.url, ADMIN.email, ADMIN.password), 429);
});
