/**
 * Bulk actions on inbox rows against a real server on Postgres (issue 17):
 * `POST /api/conversations/bulk` answers one result per id, and each conversation changes exactly
 * as a single action would change it (its live frames, its system message, its webhook); an agent
 * limited to one site cannot touch another site's conversation; bad bodies are 400, no session
 * 401, no CSRF header 403.
 */

import assert from "node:assert/strict";
import { ADMIN, serverPerFile, type TestServer } from "./helpers/server.ts";
import type { Frame, TestSocket } from "./helpers/ws_client.ts";
import { waitUntil } from "./helpers/wait.ts";
import { WebhookReceiver } from "./helpers/webhook_receiver.ts";
import { call as request } from "./api_helpers.ts";

const server = serverPerFile({
  backend: "postgres",
  env: { PARLEY_WEBHOOK_ALLOW_PRIVATE: "true", PARLEY_WEBHOOK_RETRY_BASE_MS: "50" },
});

/** A console call as `cookie` (see `api_helpers.ts`). */
const call = (
  t: TestServer,
  cookie: string,
  method: string,
  path: string,
  body?: unknown,
  extra: { csrf?: boolean; headers?: Record<string, string> } = {},
) => request(t, method, path, { cookie, body, ...extra });

const bulk = (t: TestServer, cookie: string, body: unknown) =>
  call(t, cookie, "POST", "/api/conversations/bulk", body);

const uid = () => crypto.randomUUID().slice(0, 8);

/** A new conversation of `siteId` (its visitor wrote once). */
async function conversation(t: TestServer, siteId = "demo"): Promise<string> {
  const visitor = await t.visitorSocket({ site: siteId });
  visitor.send({ type: "message", clientId: "v1", body: "hello" });
  const ack = await visitor.nextOf("ack", (f) => f.clientId === "v1");
  await visitor.close();
  return String(ack.conversationId);
}

const summaryOf = (f: Frame) =>
  f.conversation as { id: string; labels?: string[]; status: string; assigneeId: string | null };
const changed = (id: string, ok: (c: ReturnType<typeof summaryOf>) => boolean) => (f: Frame) =>
  summaryOf(f).id === id && ok(summaryOf(f));
const systemText = (id: string, text: string) => (f: Frame) => {
  const m = f.message as { conversationId: string; authorKind: string; body: string };
  return m.conversationId === id && m.authorKind === "system" && m.body === text;
};

Deno.test("bulk label, assign, queue and resolve: one result per id, live frames for each", async () => {
  const t = server();
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const watcher: TestSocket = await t.adminSocket();
  const siteId = `bulk-${uid()}`;
  await t.store.createSite({ id: siteId, name: siteId });
  await using receiver = WebhookReceiver.start();
  const hook = await call(t, admin, "POST", `/api/sites/${siteId}/webhooks`, {
    url: receiver.url,
    events: ["conversation.resolved", "conversation.labeled"],
  });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  receiver.secret = hook.body.secret;
  try {
    const agent = await t.createAgent({ name: `Bea ${uid()}` });
    const label = (await call(t, admin, "POST", "/api/labels", {
      name: `Refund ${uid()}`,
      color: "#15803d",
    })).body.label as { id: string };
    const [a, b] = [await conversation(t, siteId), await conversation(t, siteId)];

    // Label: the unknown id fails alone; the repeated one counts once.
    const labelled = await bulk(t, admin, {
      ids: [a, "no-such-conversation", b, a],
      action: "label",
      labelId: label.id,
    });
    assert.equal(labelled.status, 200, JSON.stringify(labelled.body));
    assert.deepEqual(labelled.body.results, [
      { id: a, ok: true },
      {
        id: "no-such-conversation",
        ok: false,
        error: { code: "not_found", message: "No such conversation" },
      },
      { id: b, ok: true },
    ]);
    for (const id of [a, b]) {
      await watcher.nextOf("conversation", changed(id, (c) => !!c.labels?.includes(label.id)));
    }

    // Assign to an agent, then back to the queue: the system message of each single action.
    const assigned = await bulk(t, admin, { ids: [a, b], action: "assign", agentId: agent.id });
    assert.deepEqual(assigned.body.results, [{ id: a, ok: true }, { id: b, ok: true }]);
    for (const id of [a, b]) {
      await watcher.nextOf("conversation", changed(id, (c) => c.assigneeId === agent.id));
      await watcher.nextOf(
        "message",
        systemText(id, `Admin transferred the conversation to ${agent.name}`),
      );
    }
    const queued = await bulk(t, admin, { ids: [a, b], action: "assign", agentId: null });
    assert.deepEqual(queued.body.results, [{ id: a, ok: true }, { id: b, ok: true }]);
    for (const id of [a, b]) {
      await watcher.nextOf(
        "conversation",
        changed(id, (c) => c.assigneeId === null && c.status === "queued"),
      );
    }

    // Resolve; doing it again is each conversation's conflict, as for one.
    const resolved = await bulk(t, admin, { ids: [a, b], action: "resolve" });
    assert.deepEqual(resolved.body.results, [{ id: a, ok: true }, { id: b, ok: true }]);
    for (const id of [a, b]) {
      await watcher.nextOf("conversation", changed(id, (c) => c.status === "resolved"));
      await watcher.nextOf("message", systemText(id, "Admin resolved the conversation"));
      assert.equal((await t.store.getConversation(id))?.status, "resolved");
    }
    const again = await bulk(t, admin, { ids: [a], action: "resolve" });
    assert.equal(again.body.results[0].ok, false);
    assert.equal(again.body.results[0].error.code, "conflict");

    const unlabelled = await bulk(t, admin, { ids: [b], action: "unlabel", labelId: label.id });
    assert.deepEqual(unlabelled.body.results, [{ id: b, ok: true }]);
    await watcher.nextOf("conversation", changed(b, (c) => (c.labels ?? []).length === 0));

    // Webhooks as for single actions: a labeled for each, a resolved for each, b's unlabel. (On
    // Postgres this caught `conversation.labeled` data sent as a JSON string.)
    // `conversation.labeled` names its conversation by id, `conversation.resolved` carries it.
    const idOf = (data: Record<string, unknown>) =>
      data.conversationId ?? (data.conversation as { id: string }).id;
    const events = () => receiver.delivered.map((d) => `${d.payload.type} ${idOf(d.payload.data)}`);
    await waitUntil(() => receiver.delivered.length >= 5, "five webhooks arrive");
    assert.deepEqual(
      events().sort(),
      [
        `conversation.labeled ${a}`,
        `conversation.labeled ${b}`,
        `conversation.labeled ${b}`,
        `conversation.resolved ${a}`,
        `conversation.resolved ${b}`,
      ].sort(),
    );
  } finally {
    await watcher.close();
  }
});

Deno.test("an agent limited to one site cannot touch another site's conversation in a bulk action", async () => {
  const t = server();
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const [siteA, siteB] = [`shop-a-${uid()}`, `shop-b-${uid()}`];
  await t.store.createSite({ id: siteA, name: siteA });
  await t.store.createSite({ id: siteB, name: siteB });
  const email = `agent-${uid()}@test.local`;
  const created = await call(t, admin, "POST", "/api/agents", {
    email,
    name: "Limited",
    password: "agent-password-1",
    sites: [siteA],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const limited = await t.login(email, "agent-password-1");
  const [ours, theirs] = [await conversation(t, siteA), await conversation(t, siteB)];
  const label = (await call(t, admin, "POST", "/api/labels", {
    name: `VIP ${uid()}`,
    color: "#7c3aed",
  })).body.label as { id: string };

  for (const body of [{ action: "resolve" }, { action: "label", labelId: label.id }]) {
    const answer = await bulk(t, limited, { ids: [theirs, ours], ...body });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    // As if the other site's conversation did not exist.
    assert.deepEqual(answer.body.results, [
      { id: theirs, ok: false, error: { code: "not_found", message: "No such conversation" } },
      { id: ours, ok: true },
    ]);
  }
  const other = await t.store.getConversation(theirs);
  assert.equal(other?.status, "queued");
  assert.equal((await t.store.getConversation(ours))?.status, "resolved");
  const labels = await call(t, admin, "GET", `/api/conversations/${theirs}`);
  assert.deepEqual(labels.body.conversation.labels ?? [], []);
});

Deno.test("bulk: bad bodies are 400 bad_frame, no session 401, no CSRF header 403", async () => {
  const t = server();
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const id = await conversation(t);
  const many = Array.from({ length: 101 }, (_, i) => `c${i}`);
  const bad: [unknown, string][] = [
    [[], "frame"],
    [{ action: "resolve" }, "ids"],
    [{ ids: [], action: "resolve" }, "ids"],
    [{ ids: many, action: "resolve" }, "ids"],
    [{ ids: [42], action: "resolve" }, "ids"],
    [{ ids: ["a b"], action: "resolve" }, "ids"],
    [{ ids: [id] }, "action"],
    [{ ids: [id], action: "delete" }, "action"],
    [{ ids: [id], action: "assign" }, "agentId"],
    [{ ids: [id], action: "assign", agentId: 7 }, "agentId"],
    [{ ids: [id], action: "label" }, "labelId"],
    [{ ids: [id], action: "unlabel", labelId: "" }, "labelId"],
    [{ ids: [id], action: "resolve", labelId: "x" }, "labelId"],
    [{ ids: [id], action: "label", labelId: "x", agentId: "y" }, "agentId"],
    [{ ids: [id], action: "resolve", extra: 1 }, "extra"],
  ];
  for (const [body, field] of bad) {
    const answer = await bulk(t, admin, body);
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.equal(answer.body.error.code, "bad_frame", JSON.stringify(body));
    if (field !== "frame") assert.equal(answer.body.error.field, field, JSON.stringify(body));
  }
  // With the CSRF header, so the missing session is what is refused.
  const noSession = await call(t, "", "POST", "/api/conversations/bulk", {
    ids: [id],
    action: "resolve",
  }, { headers: { "x-parley-csrf": "1" } });
  assert.equal(noSession.status, 401);
  assert.equal(noSession.body.error.code, "unauthorized");
  const noCsrf = await call(t, admin, "POST", "/api/conversations/bulk", {
    ids: [id],
    action: "resolve",
  }, { csrf: false });
  assert.equal(noCsrf.status, 403);
  const crossOrigin = await call(t, admin, "POST", "/api/conversations/bulk", {
    ids: [id],
    action: "resolve",
  }, { headers: { origin: "https://evil.example" } });
  assert.equal(crossOrigin.status, 403);
  // Nothing of the refused requests happened.
  assert.equal((await t.store.getConversation(id))?.status, "queued");
});
