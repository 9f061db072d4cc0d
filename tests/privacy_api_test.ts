/**
 * Privacy over HTTP against a real server (issue 15): a visitor's export (a download, without
 * internal notes, only for agents who may see the site), their erasure (admins, CSRF, 204 then
 * 404) with its live effects (the visitor's sockets closed with 4410, consoles told to drop the
 * conversations, the old token refused), the audit log of admin actions (admins only, newest
 * first, paged, no secrets) and a site's `retentionDays`.
 */

import assert from "node:assert/strict";
import { hashPassword } from "../core/accounts/passwords.ts";
import { CloseCode } from "../protocol/codes.ts";
import { ADMIN, serverPerFile, type TestServer } from "./helpers/server.ts";
import { signIn } from "./helpers/parley_process.ts";
import { TestSocket } from "./helpers/ws_client.ts";

const CSRF = { "content-type": "application/json", "x-parley-csrf": "1" };

const server = serverPerFile();

let adminCookie: Promise<string> | null = null;
function admin(t: TestServer): Promise<string> {
  return adminCookie ??= t.login(ADMIN.email, ADMIN.password);
}

interface Answer {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any -- a test reads whatever the server answered
  body: any;
  text: string;
}

async function call(
  t: TestServer,
  method: string,
  path: string,
  opts: { cookie?: string; body?: unknown; csrf?: boolean } = {},
): Promise<Answer> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      ...(method !== "GET" && opts.csrf !== false ? CSRF : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
    },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, text };
}

function uid(): string {
  return crypto.randomUUID().slice(0, 8);
}

/** An agent (limited to `sites` when given), signed in. */
async function agentCookie(t: TestServer, sites: string[] = []): Promise<string> {
  const email = `agent-${uid()}@test.local`;
  await t.store.createAgent({
    email,
    name: `Agent ${uid()}`,
    role: "agent",
    passwordHash: await hashPassword("agent-password-1", 1000),
    sites,
  });
  return await signIn(t.url, email, "agent-password-1");
}

/** A visitor of `demo` who wrote, got an answer and a note, and rated: over the store. */
async function visitorWithHistory(t: TestServer) {
  const tag = uid();
  const v = await t.store.createVisitor({ siteId: "demo", name: `Visitor ${tag}` });
  const first = await t.store.appendVisitorMessage({
    visitorId: v.id,
    clientId: `c-${tag}`,
    body: `hello ${tag}`,
  });
  const adminRecord = await t.store.getAgentByEmail(ADMIN.email);
  assert.ok(adminRecord);
  await t.store.appendAgentMessage({
    conversationId: first.conversation.id,
    agentId: adminRecord.id,
    clientId: `a-${tag}`,
    body: `answer ${tag}`,
    note: false,
  });
  await t.store.appendAgentMessage({
    conversationId: first.conversation.id,
    agentId: adminRecord.id,
    clientId: `n-${tag}`,
    body: `secret note ${tag}`,
    note: true,
  });
  await t.store.rate(first.conversation.id, 5);
  return { visitor: v, conversationId: first.conversation.id, tag };
}

Deno.test("GET /api/visitors/:id/export is a download of the visitor's data without notes", async () => {
  const t = server();
  const { visitor, conversationId, tag } = await visitorWithHistory(t);
  const res = await call(t, "GET", `/api/visitors/${visitor.id}/export`, {
    cookie: await agentCookie(t),
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(
    res.headers.get("content-disposition"),
    `attachment; filename="visitor-${visitor.id}.json"`,
  );
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(res.body.format, "parley-visitor-export/1");
  assert.equal(res.body.visitor.id, visitor.id);
  assert.equal(res.body.conversations.length, 1);
  const [c] = res.body.conversations;
  assert.equal(c.id, conversationId);
  assert.equal(c.rating, 5);
  assert.deepEqual(
    c.messages.map((m: { body: string }) => m.body),
    [`hello ${tag}`, `answer ${tag}`],
  );
  assert.ok(!res.text.includes(`secret note ${tag}`), "internal notes stay out");
});

Deno.test("export: 404 for an unknown visitor or another site's, 401 without a session", async () => {
  const t = server();
  const { visitor } = await visitorWithHistory(t);
  await t.store.createSite({ id: `other-${uid()}`, name: "Other" }).then(async (other) => {
    const limited = await agentCookie(t, [other.id]);
    const res = await call(t, "GET", `/api/visitors/${visitor.id}/export`, { cookie: limited });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, "not_found");
  });
  const unknown = await call(t, "GET", "/api/visitors/no-such-visitor/export", {
    cookie: await admin(t),
  });
  assert.equal(unknown.status, 404);
  const anonymous = await call(t, "GET", `/api/visitors/${visitor.id}/export`);
  assert.equal(anonymous.status, 401);
});

Deno.test("DELETE /api/visitors/:id: admins only, with CSRF; 204, then 404", async () => {
  const t = server();
  const { visitor, conversationId } = await visitorWithHistory(t);
  const path = `/api/visitors/${visitor.id}`;
  const asAgent = await call(t, "DELETE", path, { cookie: await agentCookie(t) });
  assert.equal(asAgent.status, 403);
  const noCsrf = await call(t, "DELETE", path, { cookie: await admin(t), csrf: false });
  assert.equal(noCsrf.status, 403);
  assert.ok(await t.store.getVisitor(visitor.id), "refusals erase nothing");

  const done = await call(t, "DELETE", path, { cookie: await admin(t) });
  assert.equal(done.status, 204, done.text);
  assert.equal(await t.store.getVisitor(visitor.id), null);
  assert.equal(await t.store.getConversation(conversationId), null);
  const again = await call(t, "DELETE", path, { cookie: await admin(t) });
  assert.equal(again.status, 404);
  assert.equal(again.body.error.code, "not_found");
});

Deno.test("erasure closes the visitor's sockets with 4410 and consoles drop them live", async () => {
  const t = server();
  const widget = await t.visitorSocket();
  const [welcome] = widget.all("welcome");
  const visitorId = String((welcome.visitor as { id: string }).id);
  const token = String(welcome.token);
  widget.send({ type: "message", clientId: `m-${uid()}`, body: "please forget me" });
  await widget.nextOf("ack");
  const console = await t.adminSocket();
  const limitedElsewhere = await t.agentSocket(
    await agentCookie(t, [(await t.store.createSite({ id: `x-${uid()}`, name: "X" })).id]),
  );

  const res = await call(t, "DELETE", `/api/visitors/${visitorId}`, { cookie: await admin(t) });
  assert.equal(res.status, 204, res.text);

  const closed = await widget.closed;
  assert.equal(closed.code, CloseCode.VisitorErased);
  await console.nextOf("visitor_erased", (f) => f.visitorId === visitorId);
  await limitedElsewhere.roundTrip();
  assert.equal(
    limitedElsewhere.all("visitor_erased").length,
    0,
    "other sites' agents hear nothing",
  );

  // The erased visitor's token names nobody now: refused, so the widget starts over.
  const retry = await t.visitorSocket().catch(() => null);
  assert.ok(retry, "a new visitor is welcome");
  await retry.close();
  const stale = await TestSocket.open(`${t.wsUrl}/ws/visitor`);
  stale.send({ type: "hello", site: "demo", token });
  assert.equal((await stale.closed).code, CloseCode.Unauthorized);
  await console.close();
  await limitedElsewhere.close();
});

Deno.test("GET /api/audit lists admin actions newest first, paged, admins only, no secrets", async () => {
  const t = server();
  const cookie = await admin(t);
  const id = `audited-${uid()}`;
  const created = await call(t, "POST", "/api/sites", { cookie, body: { id, name: "Audited" } });
  assert.equal(created.status, 201, created.text);
  const secret = String(created.body.identitySecret);
  await call(t, "PATCH", `/api/sites/${id}`, {
    cookie,
    body: { name: "Audited 2", color: "#112233" },
  });
  const rotated = await call(t, "POST", `/api/sites/${id}/identity-secret`, { cookie });
  const agent = await call(t, "POST", "/api/agents", {
    cookie,
    body: { email: `audited-${uid()}@test.local`, name: "New", password: "a-password-1" },
  });
  assert.equal(agent.status, 201, agent.text);
  const agentId = String(agent.body.agent.id);
  await call(t, "PATCH", `/api/agents/${agentId}`, { cookie, body: { role: "admin" } });
  await call(t, "PATCH", `/api/agents/${agentId}`, { cookie, body: { disabled: true } });
  await call(t, "DELETE", `/api/sites/${id}`, { cookie });

  const page = await call(t, "GET", "/api/audit?limit=7", { cookie });
  assert.equal(page.status, 200, page.text);
  assert.deepEqual(
    page.body.entries.map((e: { action: string; targetId: string }) => [e.action, e.targetId]),
    [
      ["site.delete", id],
      ["agent.disable", agentId],
      ["agent.role", agentId],
      ["agent.create", agentId],
      ["site.rotate_secret", id],
      ["site.update", id],
      ["site.create", id],
    ],
  );
  const [deleted] = page.body.entries;
  assert.equal(deleted.actorEmail, ADMIN.email);
  assert.ok(!Number.isNaN(Date.parse(deleted.createdAt)));
  assert.deepEqual(page.body.entries[5].details, { fields: ["name", "color"] });
  for (const s of [secret, String(rotated.body.identitySecret), "a-password-1"]) {
    assert.ok(!page.text.includes(s), "no secret in the log");
  }
  // The next page continues below the last id.
  assert.equal(page.body.nextBefore, page.body.entries[6].id);
  const next = await call(t, "GET", `/api/audit?limit=2&before=${page.body.nextBefore}`, {
    cookie,
  });
  assert.ok(next.body.entries.every((e: { id: number }) => e.id < page.body.nextBefore));

  const asAgent = await call(t, "GET", "/api/audit", { cookie: await agentCookie(t) });
  assert.equal(asAgent.status, 403);
  const bad = await call(t, "GET", "/api/audit?limit=0", { cookie });
  assert.equal(bad.status, 400);
});

Deno.test("exports and erasures are in the audit log, the erased id only as its hash", async () => {
  const t = server();
  const cookie = await admin(t);
  const { visitor } = await visitorWithHistory(t);
  await call(t, "GET", `/api/visitors/${visitor.id}/export`, { cookie });
  await call(t, "DELETE", `/api/visitors/${visitor.id}`, { cookie });
  const page = await call(t, "GET", "/api/audit?limit=50", { cookie });
  assert.ok(!page.text.includes(visitor.id), "the erased id is not in the log");
  const erase = page.body.entries.find((e: { action: string }) => e.action === "visitor.erase");
  assert.match(erase.targetId, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(erase.details, { conversations: 1, messages: 3, siteId: "demo" });
  const exported = page.body.entries.find((e: { action: string; targetId: string }) =>
    e.action === "visitor.export" && e.targetId === erase.targetId
  );
  assert.ok(exported, "the export's entry now names the hash too");
});

Deno.test("a site's retentionDays is set, validated and cleared through the Sites API", async () => {
  const t = server();
  const cookie = await admin(t);
  const id = `kept-${uid()}`;
  const created = await call(t, "POST", "/api/sites", {
    cookie,
    body: { id, name: "Kept", retentionDays: 30 },
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.site.retentionDays, 30);
  const bad = await call(t, "PATCH", `/api/sites/${id}`, { cookie, body: { retentionDays: 0 } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /retentionDays/);
  const cleared = await call(t, "PATCH", `/api/sites/${id}`, {
    cookie,
    body: { retentionDays: null },
  });
  assert.equal(cleared.body.site.retentionDays, null);
  assert.equal((await t.store.getSite(id, { fresh: true }))?.retentionDays, null);
});
