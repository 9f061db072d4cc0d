/**
 * Labels and priority against a real server (issue 17): admins manage labels (agents get 403,
 * duplicates 409 whatever the case, bad colours 400, every change audit-logged); a change of the
 * list and of a conversation's labels or priority reaches every agent socket live; the inbox
 * filters by label and sorts by priority; `conversation.labeled` arrives signed with what was
 * added and removed and by whom.
 */

import assert from "node:assert/strict";
import { ADMIN, serverPerFile, type TestServer } from "./helpers/server.ts";
import type { Frame, TestSocket } from "./helpers/ws_client.ts";
import { waitUntil } from "./helpers/wait.ts";
import { WebhookReceiver } from "./helpers/webhook_receiver.ts";
import { call as request } from "./api_helpers.ts";

const server = serverPerFile({
  env: { PARLEY_WEBHOOK_ALLOW_PRIVATE: "true", PARLEY_WEBHOOK_RETRY_BASE_MS: "50" },
});

/** A console call as `cookie` (see `api_helpers.ts`). */
const call = (t: TestServer, cookie: string, method: string, path: string, body?: unknown) =>
  request(t, method, path, { cookie, body });

async function conversation(t: TestServer, siteId = "demo"): Promise<string> {
  const visitor = await t.visitorSocket({ site: siteId });
  visitor.send({ type: "message", clientId: "v1", body: "hello" });
  const ack = await visitor.nextOf("ack", (f) => f.clientId === "v1");
  visitor.close();
  return String(ack.conversationId);
}

const summaryOf = (f: Frame) =>
  f.conversation as { id: string; labels?: string[]; priority?: string };
const unique = (name: string) => `${name} ${crypto.randomUUID().slice(0, 6)}`;

Deno.test("only admins manage labels; names are unique whatever their case; changes are audited", async () => {
  const t = server();
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const agent = await t.createAgent({ role: "agent" });
  const agentCookie = await t.login(agent.email, agent.password);
  const name = unique("Billing");
  const created = await call(t, admin, "POST", "/api/labels", { name, color: "#1D4ED8" });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.label.color, "#1d4ed8");
  const id = created.body.label.id;
  assert.equal(
    (await call(t, admin, "POST", "/api/labels", { name: name.toUpperCase(), color: "#000000" }))
      .status,
    409,
  );
  assert.equal(
    (await call(t, admin, "POST", "/api/labels", { name: "x", color: "red" })).status,
    400,
  );
  assert.equal(
    (await call(t, admin, "POST", "/api/labels", { name: "  ", color: "#000000" })).status,
    400,
  );
  for (
    const [method, path, body] of [
      ["POST", "/api/labels", { name: unique("Nope"), color: "#000000" }],
      ["PATCH", `/api/labels/${id}`, { name: "Renamed" }],
      ["DELETE", `/api/labels/${id}`, undefined],
    ] as const
  ) {
    assert.equal((await call(t, agentCookie, method, path, body)).status, 403, `${method} ${path}`);
  }
  const listed = await call(t, agentCookie, "GET", "/api/labels");
  assert.equal(listed.status, 200);
  assert.ok(listed.body.labels.some((l: { id: string }) => l.id === id));
  const renamed = await call(t, admin, "PATCH", `/api/labels/${id}`, {
    name: `${name} 2`,
    color: "#b91c1c",
  });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.label.name, `${name} 2`);
  assert.equal((await call(t, admin, "PATCH", "/api/labels/nope", { name: "x" })).status, 404);
  assert.equal((await call(t, admin, "DELETE", `/api/labels/${id}`)).status, 204);
  assert.equal((await call(t, admin, "DELETE", `/api/labels/${id}`)).status, 404);
  const audit = await call(t, admin, "GET", "/api/audit?limit=50");
  const actions = audit.body.entries
    .filter((e: { targetId: string }) => e.targetId === id)
    .map((e: { action: string }) => e.action);
  assert.deepEqual(actions.sort(), ["label.create", "label.delete", "label.update"]);
});

Deno.test("labels and priority reach every agent live; the inbox filters by label and sorts by priority", async () => {
  const t = server();
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const agent = await t.createAgent({ role: "agent" });
  const agentCookie = await t.login(agent.email, agent.password);
  const watcher: TestSocket = await t.agentSocket(agentCookie);
  try {
    const name = unique("Refund");
    const created = await call(t, admin, "POST", "/api/labels", { name, color: "#15803d" });
    const labelId = created.body.label.id as string;
    const listFrame = await watcher.nextOf(
      "labels",
      (f) => (f.labels as { id: string }[]).some((l) => l.id === labelId),
    );
    assert.ok(listFrame);
    const id = await conversation(t);
    const put = await call(t, agentCookie, "PUT", `/api/conversations/${id}/labels`, {
      labelIds: [labelId],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body, { labels: [labelId], added: [labelId], removed: [] });
    const live = await watcher.nextOf(
      "conversation",
      (f) => summaryOf(f).id === id && (summaryOf(f).labels ?? []).includes(labelId),
    );
    assert.equal(summaryOf(live).priority, "none");
    assert.equal(
      (await call(t, agentCookie, "PUT", `/api/conversations/${id}/priority`, {
        priority: "urgent",
      }))
        .status,
      200,
    );
    await watcher.nextOf(
      "conversation",
      (f) => summaryOf(f).id === id && summaryOf(f).priority === "urgent",
    );
    assert.equal(
      (await call(t, agentCookie, "PUT", `/api/conversations/${id}/priority`, { priority: "huge" }))
        .status,
      400,
    );
    assert.equal(
      (await call(t, agentCookie, "PUT", `/api/conversations/${id}/labels`, { labelIds: ["nope"] }))
        .status,
      404,
    );
    const other = await conversation(t);
    const filtered = await call(t, agentCookie, "GET", `/api/conversations?label=${labelId}`);
    assert.deepEqual(filtered.body.conversations.map((c: { id: string }) => c.id), [id]);
    const sorted = await call(t, agentCookie, "GET", "/api/conversations?sort=priority&limit=500");
    const ids = sorted.body.conversations.map((c: { id: string }) => c.id);
    assert.ok(ids.indexOf(id) < ids.indexOf(other), "the urgent one comes first");
    const patched = await call(t, agentCookie, "PATCH", `/api/conversations/${id}/labels`, {
      remove: [labelId],
    });
    assert.deepEqual(patched.body, { labels: [], added: [], removed: [labelId] });
    await watcher.nextOf(
      "conversation",
      (f) => summaryOf(f).id === id && (summaryOf(f).labels ?? []).length === 0,
    );
  } finally {
    watcher.close();
  }
});

Deno.test("conversation.labeled arrives signed with the labels now, what changed and by whom", async () => {
  const t = server();
  const admin = await t.login(ADMIN.email, ADMIN.password);
  const siteId = `labels-${crypto.randomUUID().slice(0, 8)}`;
  await t.store.createSite({ id: siteId, name: siteId });
  await using receiver = WebhookReceiver.start();
  const hook = await call(t, admin, "POST", `/api/sites/${siteId}/webhooks`, {
    url: receiver.url,
    events: ["conversation.labeled"],
  });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  receiver.secret = hook.body.secret;
  const a = (await call(t, admin, "POST", "/api/labels", { name: unique("VIP"), color: "#7c3aed" }))
    .body.label;
  const b = (await call(t, admin, "POST", "/api/labels", { name: unique("Bug"), color: "#b45309" }))
    .body.label;
  const id = await conversation(t, siteId);
  const change = async (method: string, body: unknown) => {
    const r = await call(t, admin, method, `/api/conversations/${id}/labels`, body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  await change("PUT", { labelIds: [a.id] });
  await change("PUT", { labelIds: [b.id] });
  // Nothing changes: no event. Shown without a sleep: the next change's event comes third, and
  // a conversation's events arrive in order, so one for this would have come before it.
  await change("PUT", { labelIds: [b.id] });
  await change("PATCH", { remove: [b.id] });
  // Deliveries are at least once: a receiver keeps one per X-Parley-Delivery.
  const events = () => [...new Map(receiver.delivered.map((d) => [d.delivery, d])).values()];
  await waitUntil(() => events().length >= 3, "three conversation.labeled arrive");
  const [first, second, third] = events();
  assert.ok(first.verified && second.verified && third.verified, "signed with the secret");
  assert.equal(first.payload.type, "conversation.labeled");
  assert.deepEqual(first.payload.data.added, [a.id]);
  assert.deepEqual(second.payload.data.removed, [a.id]);
  assert.deepEqual(second.payload.data.added, [b.id]);
  assert.deepEqual(second.payload.data.labels, [b]);
  assert.equal(second.payload.data.conversationId, id);
  assert.equal((second.payload.data.by as { kind: string }).kind, "agent");
  assert.deepEqual(third.payload.data.removed, [b.id], "the no-op PUT queued nothing");
  assert.deepEqual(third.payload.data.labels, []);
});
