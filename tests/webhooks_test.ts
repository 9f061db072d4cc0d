/**
 * Webhooks against a real server and a real receiver on 127.0.0.1 (issue 15): the whole life of
 * a conversation arrives signed and in order; failed attempts (500, a timeout, a closed port)
 * are retried until delivered; a later event of a conversation waits while an earlier one is
 * retried, other conversations do not; notes go only to endpoints that include them; the admin
 * API (create with the secret once, list, change, deliveries, resend, test) is for admins only.
 */

import assert from "node:assert/strict";
import { ADMIN, serverPerFile, type TestServer } from "./helpers/server.ts";
import { type TestSocket } from "./helpers/ws_client.ts";
import { waitUntil } from "./helpers/wait.ts";
import { type ReceivedWebhook, WebhookReceiver } from "./helpers/webhook_receiver.ts";
import { WEBHOOK_EVENTS } from "../protocol/webhooks.ts";

const CSRF = { "content-type": "application/json", "x-parley-csrf": "1" };

/** Receivers run on 127.0.0.1, so the server allows private addresses; retries come fast. */
const server = serverPerFile({
  env: {
    PARLEY_WEBHOOK_ALLOW_PRIVATE: "true",
    PARLEY_WEBHOOK_RETRY_BASE_MS: "50",
    PARLEY_WEBHOOK_TIMEOUT_MS: "1000",
  },
});

let adminCookie: Promise<string> | null = null;
function admin(t: TestServer): Promise<string> {
  return adminCookie ??= t.login(ADMIN.email, ADMIN.password);
}

interface Answer {
  status: number;
  // deno-lint-ignore no-explicit-any -- a test reads whatever the server answered
  body: any;
}

async function call(
  t: TestServer,
  method: string,
  path: string,
  opts: { cookie?: string; body?: unknown } = {},
): Promise<Answer> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { ...CSRF, cookie: opts.cookie ?? await admin(t) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A site of its own for a test, so other tests' events never reach its endpoints. */
async function newSite(t: TestServer): Promise<string> {
  const id = `hooks-${crypto.randomUUID().slice(0, 8)}`;
  await t.store.createSite({ id, name: id });
  return id;
}

/** Registers `receiver` on `siteId` for `events`; the receiver learns the secret. */
async function register(
  t: TestServer,
  siteId: string,
  receiver: WebhookReceiver,
  events: readonly string[] = WEBHOOK_EVENTS,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await call(t, "POST", `/api/sites/${siteId}/webhooks`, {
    body: { url: receiver.url, events, ...extra },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  receiver.secret = res.body.secret;
  return res.body.webhook.id;
}

async function say(visitor: TestSocket, clientId: string, body: string): Promise<string> {
  visitor.send({ type: "message", clientId, body });
  const ack = await visitor.nextOf("ack", (f) => f.clientId === clientId);
  return String(ack.conversationId);
}

function ofConversation(list: ReceivedWebhook[], id: string): ReceivedWebhook[] {
  return list.filter((r) =>
    r.payload.data.conversationId === id ||
    (r.payload.data.conversation as { id?: string } | undefined)?.id === id
  );
}

/** A readable step of a conversation's life: the event and, for messages, who wrote. */
function step(r: ReceivedWebhook): string {
  const message = r.payload.data.message as
    | { author: { kind: string }; body: string }
    | undefined;
  return message ? `${r.payload.type}:${message.author.kind}:${message.body}` : r.payload.type;
}

Deno.test("a conversation's whole life reaches the receiver signed, once each and in order", async () => {
  const t = server();
  const siteId = await newSite(t);
  await using receiver = WebhookReceiver.start();
  await register(t, siteId, receiver);
  const visitor = await t.visitorSocket({ site: siteId });
  const agent = await t.adminSocket();
  try {
    const conversationId = await say(visitor, "v1", "hello");
    agent.send({ type: "accept", conversationId, requestId: "r1" });
    await agent.nextOf("done", (f) => f.requestId === "r1");
    const [a1, n1] = [crypto.randomUUID(), crypto.randomUUID()];
    agent.send({ type: "message", conversationId, clientId: a1, body: "how can I help?" });
    await agent.nextOf("ack", (f) => f.clientId === a1);
    agent.send({ type: "message", conversationId, clientId: n1, body: "secret note", note: true });
    await agent.nextOf("ack", (f) => f.clientId === n1);
    agent.send({ type: "resolve", conversationId, requestId: "r2" });
    await agent.nextOf("done", (f) => f.requestId === "r2");
    visitor.send({ type: "rate", rating: 5 });
    await waitUntil(
      async () => (await t.store.getConversation(conversationId))?.rating === 5,
      "the rating is stored",
    );
    agent.send({ type: "reopen", conversationId, requestId: "r3" });
    await agent.nextOf("done", (f) => f.requestId === "r3");
    visitor.send({ type: "identify", id: "customer-42", email: "ada@example.com", name: "Ada" });
    await waitUntil(
      () => receiver.delivered.some((r) => r.payload.type === "visitor.identified"),
      "visitor.identified arrives",
    );
    const mine = () => ofConversation(receiver.delivered, conversationId);
    await waitUntil(
      () => mine().some((r) => r.payload.type === "conversation.reopened"),
      "the conversation's events arrive",
    );
    // The console's system lines ("… joined", "… resolved") are messages too.
    const steps = mine().map(step);
    assert.deepEqual(steps.filter((s) => !s.startsWith("message.created:system")), [
      "conversation.created",
      "message.created:visitor:hello",
      "conversation.assigned",
      "message.created:agent:how can I help?",
      "conversation.resolved",
      "conversation.rated",
      "conversation.reopened",
    ]);
    const system = steps.findIndex((s) => s.startsWith("message.created:system"));
    assert.ok(system > steps.indexOf("conversation.assigned"), steps.join(", "));
    for (const r of receiver.received) {
      assert.ok(r.verified, `signature of ${r.payload.type} verifies`);
      assert.equal(r.event, r.payload.type);
      assert.equal(r.delivery, r.payload.id);
      assert.equal(r.payload.siteId, siteId);
      assert.match(r.payload.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.match(r.signature ?? "", /^t=\d+,v1=[0-9a-f]{64}$/);
    }
    assert.equal(
      new Set(receiver.delivered.map((r) => r.delivery)).size,
      receiver.delivered.length,
    );
    assert.ok(!receiver.received.some((r) => r.body.includes("secret note")), "no note sent");
    const identified = receiver.delivered.find((r) => r.payload.type === "visitor.identified");
    const who = identified?.payload.data.visitor as Record<string, unknown>;
    assert.equal(who.externalId, "customer-42");
    assert.equal(who.email, "ada@example.com");
    const assigned = mine().find((r) => r.payload.type === "conversation.assigned");
    const me = await t.store.getAgentByEmail(ADMIN.email);
    assert.equal(assigned?.payload.data.assigneeId, me?.id);
    const rated = mine().find((r) => r.payload.type === "conversation.rated");
    assert.equal(rated?.payload.data.rating, 5);
  } finally {
    await visitor.close();
    await agent.close();
  }
});

Deno.test("private notes reach only an endpoint that includes notes", async () => {
  const t = server();
  const siteId = await newSite(t);
  await using plain = WebhookReceiver.start();
  await using withNotes = WebhookReceiver.start();
  await register(t, siteId, plain, ["message.created"]);
  await register(t, siteId, withNotes, ["message.created"], { includeNotes: true });
  const visitor = await t.visitorSocket({ site: siteId });
  const agent = await t.adminSocket();
  try {
    const conversationId = await say(visitor, "v1", "hi");
    const [a1, n1] = [crypto.randomUUID(), crypto.randomUUID()];
    agent.send({ type: "message", conversationId, clientId: n1, body: "a note", note: true });
    await agent.nextOf("ack", (f) => f.clientId === n1);
    agent.send({ type: "message", conversationId, clientId: a1, body: "a reply" });
    await agent.nextOf("ack", (f) => f.clientId === a1);
    await waitUntil(() => withNotes.delivered.length >= 3, "3 messages with the note");
    await waitUntil(() => plain.delivered.length >= 2, "2 messages without it");
    assert.deepEqual(withNotes.delivered.map(step), [
      "message.created:visitor:hi",
      "message.created:agent:a note",
      "message.created:agent:a reply",
    ]);
    assert.deepEqual(plain.delivered.map(step), [
      "message.created:visitor:hi",
      "message.created:agent:a reply",
    ]);
    const note = withNotes.delivered[1].payload.data.message as { note: boolean };
    assert.equal(note.note, true);
    // One event, one id, whichever endpoint gets it.
    assert.equal(plain.delivered[0].delivery, withNotes.delivered[0].delivery);
  } finally {
    await visitor.close();
    await agent.close();
  }
});

Deno.test("a failed delivery is retried after a 500, a timeout and a closed port until delivered", async () => {
  const t = server();
  const siteId = await newSite(t);
  // A port nobody listens on, until the receiver starts there.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const res = await call(t, "POST", `/api/sites/${siteId}/webhooks`, {
    body: { url: `http://127.0.0.1:${port}/hook`, events: ["message.created"] },
  });
  assert.equal(res.status, 201);
  const webhookId = res.body.webhook.id;
  const visitor = await t.visitorSocket({ site: siteId });
  try {
    await say(visitor, "v1", "anyone there?");
    const deliveries = async () =>
      (await call(t, "GET", `/api/webhooks/${webhookId}/deliveries`)).body.deliveries;
    await waitUntil(
      async () => (await deliveries())[0]?.lastError?.startsWith("Could not connect") ?? false,
      "an attempt meets the closed port",
    );
    const refused = (await deliveries())[0];
    assert.equal(refused.status, "pending");
    assert.equal(refused.lastStatus, null);

    const answers: ("hang" | number)[] = [500, "hang", 200];
    await using receiver = WebhookReceiver.start(port);
    receiver.secret = res.body.secret;
    receiver.answer = () => answers.shift() ?? 200;
    await waitUntil(() => receiver.delivered.length === 1, "the delivery succeeds", {
      timeoutMs: 60_000,
    });
    assert.deepEqual(receiver.received.map((r) => r.answer), [500, "hung", 200]);
    // Every attempt is the same event.
    assert.equal(new Set(receiver.received.map((r) => r.delivery)).size, 1);
    await waitUntil(async () => (await deliveries())[0].status === "delivered", "logged");
    const done = (await deliveries())[0];
    assert.equal(done.lastStatus, 200);
    assert.ok(done.attempts >= 4, `attempts: ${done.attempts}`);
    assert.equal(done.lastError, null);
  } finally {
    await visitor.close();
  }
});

Deno.test("a conversation's later events wait while an earlier one is retried; others do not", async () => {
  const t = server();
  const siteId = await newSite(t);
  await using receiver = WebhookReceiver.start();
  await register(t, siteId, receiver, ["message.created"]);
  // The first message of the first visitor fails three times.
  let failures = 3;
  receiver.answer = (r) => {
    const message = r.payload.data.message as { body: string };
    return message.body === "a1" && failures-- > 0 ? 500 : 204;
  };
  const a = await t.visitorSocket({ site: siteId });
  const b = await t.visitorSocket({ site: siteId });
  try {
    const conversationA = await say(a, "a1", "a1");
    await say(a, "a2", "a2");
    await say(a, "a3", "a3");
    await say(b, "b1", "b1");
    await waitUntil(() => receiver.delivered.length === 4, "every message is delivered");
    const bodies = (list: ReceivedWebhook[]) =>
      list.map((r) => (r.payload.data.message as { body: string }).body);
    assert.deepEqual(bodies(ofConversation(receiver.delivered, conversationA)), ["a1", "a2", "a3"]);
    // Nothing of A's later messages was even tried before a1 went through.
    const firstA1 = receiver.received.findIndex((r) => r.answer === 204 && bodies([r])[0] === "a1");
    const earlyLater = receiver.received.slice(0, firstA1).filter((r) =>
      ["a2", "a3"].includes(bodies([r])[0])
    );
    assert.deepEqual(earlyLater, []);
    assert.equal(receiver.received.filter((r) => bodies([r])[0] === "a1").length, 4);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("admins manage webhooks; the secret is shown once; agents are refused", async () => {
  const t = server();
  const siteId = await newSite(t);
  await using receiver = WebhookReceiver.start();
  const created = await call(t, "POST", `/api/sites/${siteId}/webhooks`, {
    body: { url: receiver.url, events: ["message.created", "conversation.created"] },
  });
  assert.equal(created.status, 201);
  assert.match(created.body.secret, /^whsec_/);
  const webhook = created.body.webhook;
  assert.deepEqual(webhook.events, ["conversation.created", "message.created"]);
  assert.equal(webhook.includeNotes, false);
  assert.equal(webhook.enabled, true);
  assert.equal(webhook.secret, undefined);

  const list = await call(t, "GET", `/api/sites/${siteId}/webhooks`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.webhooks, [webhook]);
  assert.ok(!JSON.stringify(list.body).includes(created.body.secret));

  // Validation names the field.
  for (
    const [body, message] of [
      [{ url: "ftp://x.example", events: ["message.created"] }, /https/],
      [{ url: receiver.url, events: [] }, /events/],
      [{ url: receiver.url, events: ["message.deleted"] }, /unknown event/],
      [{ url: "https://user:pw@x.example/", events: ["message.created"] }, /credentials/],
      [{ url: receiver.url, events: ["message.created"], extra: 1 }, /Unknown field/],
    ] as const
  ) {
    const bad = await call(t, "POST", `/api/sites/${siteId}/webhooks`, { body });
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.match(bad.body.error.message, message);
  }
  assert.equal((await call(t, "GET", "/api/sites/no-such-site/webhooks")).status, 404);

  // The test event, its log entry, and a resend of it with the same event id.
  receiver.secret = created.body.secret;
  const ping = await call(t, "POST", `/api/webhooks/${webhook.id}/test`);
  assert.equal(ping.status, 202);
  await waitUntil(() => receiver.delivered.length === 1, "the ping arrives");
  assert.equal(receiver.delivered[0].payload.type, "ping");
  assert.ok(receiver.delivered[0].verified);
  const log = await call(t, "GET", `/api/webhooks/${webhook.id}/deliveries`);
  await waitUntil(
    async () =>
      (await call(t, "GET", `/api/webhooks/${webhook.id}/deliveries`)).body.deliveries[0]
        .status === "delivered",
    "the ping is logged as delivered",
  );
  const delivery = log.body.deliveries[0];
  assert.equal(delivery.type, "ping");
  const resent = await call(
    t,
    "POST",
    `/api/webhooks/${webhook.id}/deliveries/${delivery.id}/resend`,
  );
  assert.equal(resent.status, 202);
  assert.equal(resent.body.delivery.eventId, delivery.eventId);
  await waitUntil(() => receiver.delivered.length === 2, "the resend arrives");
  assert.equal(receiver.delivered[1].delivery, receiver.delivered[0].delivery);

  // Rotating the secret: the next delivery is signed with the new one only.
  const rotated = await call(t, "POST", `/api/webhooks/${webhook.id}/secret`);
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.body.secret, created.body.secret);
  receiver.secret = rotated.body.secret;
  await call(t, "POST", `/api/webhooks/${webhook.id}/test`);
  await waitUntil(() => receiver.delivered.length === 3, "the next ping arrives");
  assert.ok(receiver.delivered[2].verified);

  // Disabled: events are not queued.
  const off = await call(t, "PATCH", `/api/webhooks/${webhook.id}`, { body: { enabled: false } });
  assert.equal(off.status, 200);
  assert.equal(off.body.webhook.enabled, false);
  const visitor = await t.visitorSocket({ site: siteId });
  await say(visitor, "v1", "while disabled");
  await visitor.close();
  const after = await call(t, "GET", `/api/webhooks/${webhook.id}/deliveries`);
  assert.ok(!after.body.deliveries.some((d: { type: string }) => d.type === "message.created"));

  // Every change is in the audit log, and no secret is.
  const audit = await call(t, "GET", "/api/audit?limit=200");
  assert.equal(audit.status, 200);
  const actions = (audit.body.entries as { action: string; targetId: string }[])
    .filter((e) => e.targetId === webhook.id).map((e) => e.action).sort();
  assert.deepEqual(actions, ["webhook.create", "webhook.rotate_secret", "webhook.update"]);
  const auditText = JSON.stringify(audit.body);
  assert.ok(!auditText.includes(created.body.secret) && !auditText.includes(rotated.body.secret));

  // Agents cannot; a request without the CSRF header cannot.
  const agent = await t.createAgent();
  const agentCookie = await t.login(agent.email, agent.password);
  for (
    const [method, path] of [
      ["GET", `/api/sites/${siteId}/webhooks`],
      ["POST", `/api/sites/${siteId}/webhooks`],
      ["PATCH", `/api/webhooks/${webhook.id}`],
      ["GET", `/api/webhooks/${webhook.id}/deliveries`],
      ["POST", `/api/webhooks/${webhook.id}/test`],
      ["DELETE", `/api/webhooks/${webhook.id}`],
    ]
  ) {
    const refused = await call(t, method, path, {
      cookie: agentCookie,
      body: method === "GET" || method === "DELETE"
        ? undefined
        : { url: receiver.url, events: ["message.created"] },
    });
    assert.equal(refused.status, 403, `${method} ${path}`);
  }
  const noCsrf = await fetch(`${t.url}/api/webhooks/${webhook.id}`, {
    method: "DELETE",
    headers: { cookie: await admin(t) },
  });
  await noCsrf.body?.cancel();
  assert.equal(noCsrf.status, 403);

  const removed = await call(t, "DELETE", `/api/webhooks/${webhook.id}`);
  assert.equal(removed.status, 204);
  assert.deepEqual((await call(t, "GET", `/api/sites/${siteId}/webhooks`)).body.webhooks, []);
  assert.equal((await call(t, "GET", `/api/webhooks/${webhook.id}/deliveries`)).status, 404);
});
