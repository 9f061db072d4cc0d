/**
 * Agents' emails against a real SMTP server: the new-conversation digest (none while an agent
 * who may answer is online; one for the first conversation while nobody is; later ones within
 * the window batched into the next; the site's notification address instead of its agents),
 * and the assignment opt-in (a transfer by someone else and the visitor writing while the
 * assignee is offline email an agent who opted in, never one who did not, nor an agent who
 * accepts a conversation themselves).
 */

import assert from "node:assert/strict";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from "./helpers/smtp_server.ts";
import { adminCookie, call, makeSite } from "./api_helpers.ts";
import type { TestSocket } from "./helpers/ws_client.ts";
import { waitUntil } from "./helpers/wait.ts";

const WINDOW_S = 2;

// One server and one SMTP server for the file (a server takes seconds to boot on a busy
// machine); each test keeps to its own site and agents.
let env: { smtp: TestSmtpServer; srv: TestServer } | null = null;
Deno.test.beforeAll(async () => {
  const smtp = await startSmtpServer();
  const srv = await startTestServer({
    env: {
      PARLEY_SMTP_URL: smtp.url,
      PARLEY_MAIL_FROM: "Parley <support@example.com>",
      PARLEY_MAIL_RETRY_BASE_MS: "50",
      PARLEY_AGENT_EMAIL_WINDOW_S: String(WINDOW_S),
      PARLEY_PUBLIC_URL: "https://chat.example.com",
    },
  });
  env = { smtp, srv };
});
Deno.test.afterAll(async () => {
  await env?.srv.close();
  await env?.smtp[Symbol.asyncDispose]();
});
function setup(): { smtp: TestSmtpServer; srv: TestServer } {
  if (!env) throw new Error("The file's servers are not running");
  return env;
}

/** A new visitor on `site` writes `body`; returns the socket and the conversation id. */
async function visitorWrites(
  srv: TestServer,
  site: string,
  body: string,
): Promise<{ visitor: TestSocket; conversationId: string }> {
  const visitor = await srv.visitorSocket({ site });
  visitor.send({ type: "message", clientId: crypto.randomUUID(), body });
  const ack = await visitor.nextOf("ack");
  return { visitor, conversationId: String(ack.conversationId) };
}

/** Milliseconds between the first two emails queued to `to` of `kind` (the outbox's clock). */
async function queuedApart(srv: TestServer, to: string, kind: string): Promise<number> {
  const rows = await srv.store.db.query(
    `SELECT created_at FROM email_outbox WHERE to_address = $1 AND kind = $2 ORDER BY n LIMIT 2`,
    [to, kind],
  );
  assert.equal(rows.length, 2);
  const at = rows.map((r) => new Date(r.created_at as string | Date).getTime());
  return at[1] - at[0];
}

async function queued(srv: TestServer, sql: string, params: unknown[]): Promise<number> {
  const rows = await srv.store.db.query(sql, params);
  return Number(rows[0].n);
}

function digests(smtp: TestSmtpServer, siteName: string, to: string): ReceivedMail[] {
  return smtp.received.filter((m) => m.to.includes(to) && m.subject.includes(siteName));
}

Deno.test({
  name: "a digest goes out when nobody is online, at most one per window, the rest batched",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { smtp, srv } = setup();
    const site = await makeSite(srv);
    const siteName = `Shop ${site}`;
    const onSite = await srv.createAgent({ name: "Sam" });
    await srv.store.updateAgent(onSite.id, { sites: [site] });
    const elsewhere = await srv.createAgent({ name: "Olga" });
    await srv.store.updateAgent(elsewhere.id, { sites: [await makeSite(srv)] });

    // The admin is online: nothing is queued for the first conversation.
    const admin = await srv.adminSocket();
    const first = await visitorWrites(srv, site, "Anyone there? (first)");
    assert.equal(
      await queued(srv, "SELECT count(*) AS n FROM agent_mail_queue WHERE site_id = $1", [site]),
      0,
    );
    await admin.close();
    await waitUntil(
      () => srv.server.app.core.presence.onlineAgentIds().length === 0,
      "nobody is online",
    );

    const second = await visitorWrites(srv, site, "Do you ship to Lyon? <script>");
    const mail = await smtp.waitFor(
      (m) => m.to.includes(onSite.email) && m.subject.includes(siteName),
      "the first digest reaches the site's agent",
    );
    assert.equal(mail.subject, `New conversation on ${siteName}`);
    assert.match(mail.text, /Do you ship to Lyon\? <script>/);
    assert.match(mail.html ?? "", /Do you ship to Lyon\? &#60;script&#62;/);
    assert.ok(
      mail.text.includes(`https://chat.example.com/console/#/open/${second.conversationId}`),
    );
    assert.doesNotMatch(mail.text, /first\)/);
    await smtp.waitFor(
      (m) => m.to.includes(ADMIN.email) && m.subject.includes(siteName),
      "the admin (every site) gets it too",
    );

    // Two more within the window: one digest for both, after the window. Both sockets are
    // ready before either writes, so a busy machine cannot spread the two over two windows.
    const [v3, v4] = [await srv.visitorSocket({ site }), await srv.visitorSocket({ site })];
    v3.send({ type: "message", clientId: crypto.randomUUID(), body: "Third question" });
    v4.send({ type: "message", clientId: crypto.randomUUID(), body: "Fourth question" });
    const [a3, a4] = [await v3.nextOf("ack"), await v4.nextOf("ack")];
    const third = { visitor: v3, conversationId: String(a3.conversationId) };
    const fourth = { visitor: v4, conversationId: String(a4.conversationId) };
    const next = await smtp.waitFor(
      (m) => m.to.includes(onSite.email) && m.subject === `2 new conversations on ${siteName}`,
      "the batched digest arrives",
    );
    const apart = await queuedApart(srv, onSite.email, "agent_digest");
    assert.ok(apart >= WINDOW_S * 1000, `not before the window ends (${apart} ms)`);
    assert.ok(
      next.text.includes(third.conversationId) && next.text.includes(fourth.conversationId),
    );
    assert.doesNotMatch(next.text, /Lyon/);
    assert.equal(digests(smtp, siteName, onSite.email).length, 2);
    assert.equal(digests(smtp, siteName, elsewhere.email).length, 0);
    for (const v of [first, second, third, fourth]) await v.visitor.close();
  },
});

Deno.test({
  name: "a site's notification address gets its digest instead of the agents",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { smtp, srv } = setup();
    const site = await makeSite(srv);
    const cookie = await adminCookie(srv);
    const res = await call(srv, "PATCH", `/api/sites/${site}`, {
      cookie,
      body: { notificationEmail: "team@shop.example" },
    });
    assert.equal(res.status, 200, res.text);
    const { visitor } = await visitorWrites(srv, site, "Hello from the shop");
    const mail = await smtp.waitFor(
      (m) => m.to.includes("team@shop.example"),
      "the digest reaches the notification address",
    );
    assert.match(mail.text, /Hello from the shop/);
    assert.equal(digests(smtp, `Shop ${site}`, ADMIN.email).length, 0);
    await visitor.close();
  },
});

Deno.test({
  name: "assignment emails: only to agents who opted in, not for their own accept",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { smtp, srv } = setup();
    const site = await makeSite(srv);
    const bea = await srv.createAgent({ name: "Bea" });
    const cyd = await srv.createAgent({ name: "Cyd" });
    const beaCookie = await srv.login(bea.email, bea.password);
    const before = await call(srv, "GET", "/api/agent/preferences", { cookie: beaCookie });
    assert.deepEqual(before.body, { emailOn: true, emailAssigned: false });
    const on = await call(srv, "PUT", "/api/agent/preferences", {
      cookie: beaCookie,
      body: { emailAssigned: true },
    });
    assert.equal(on.status, 200, on.text);
    assert.deepEqual(on.body, { emailOn: true, emailAssigned: true });
    const bad = await call(srv, "PUT", "/api/agent/preferences", {
      cookie: beaCookie,
      body: { emailAssigned: "yes" },
    });
    assert.equal(bad.status, 400);

    const admin = await srv.adminSocket();
    const one = await visitorWrites(srv, site, "Where is my order?");
    // Cyd did not opt in: nothing for Cyd. Then Bea, who did.
    admin.send({ type: "transfer", conversationId: one.conversationId, agentId: cyd.id });
    await admin.nextOf("message", (f) => /to Cyd/.test(JSON.stringify(f)));
    admin.send({ type: "transfer", conversationId: one.conversationId, agentId: bea.id });
    const assigned = await smtp.waitFor(
      (m) => m.to.includes(bea.email) && m.subject.startsWith("Conversation assigned to you"),
      "Bea is told of the assignment",
    );
    assert.match(assigned.text, /Admin assigned you a conversation/);
    assert.match(assigned.text, /Where is my order\?/);
    assert.ok(assigned.text.includes(`/console/#/open/${one.conversationId}`));
    await admin.close();

    // Bea is offline: the visitor writes twice, one email now, the second after the window.
    one.visitor.send({ type: "message", clientId: crypto.randomUUID(), body: "Hello? (1)" });
    await one.visitor.nextOf("ack");
    const wrote = await smtp.waitFor(
      (m) => m.to.includes(bea.email) && / wrote to you$/.test(m.subject),
      "Bea is told the visitor wrote",
    );
    assert.match(wrote.text, /Hello\? \(1\)/);
    one.visitor.send({ type: "message", clientId: crypto.randomUUID(), body: "Hello? (2)" });
    await one.visitor.nextOf("ack");
    one.visitor.send({ type: "message", clientId: crypto.randomUUID(), body: "Hello? (3)" });
    await one.visitor.nextOf("ack");
    const later = await smtp.waitFor(
      (m) => m.to.includes(bea.email) && /Hello\? \(3\)/.test(m.text),
      "the next one, batched, after the window",
    );
    const apart = await queuedApart(srv, bea.email, "agent_visitor_wrote");
    assert.ok(apart >= WINDOW_S * 1000, `not before the window ends (${apart} ms)`);
    assert.equal(later.subject, wrote.subject);
    assert.equal(smtp.received.filter((m) => / wrote to you$/.test(m.subject)).length, 2);

    // Bea accepting a conversation herself is not news to her; opted out, nothing either.
    const bSock = await srv.agentSocket(beaCookie);
    const two = await visitorWrites(srv, site, "Second chat");
    bSock.send({ type: "accept", conversationId: two.conversationId, requestId: "r1" });
    await bSock.nextOf("message", (f) => /Bea joined/.test(JSON.stringify(f)));
    await bSock.close();
    const off = await call(srv, "PUT", "/api/agent/preferences", {
      cookie: beaCookie,
      body: { emailAssigned: false },
    });
    assert.equal(off.body.emailAssigned, false);
    const admin2 = await srv.adminSocket();
    const three = await visitorWrites(srv, site, "Third chat");
    admin2.send({ type: "transfer", conversationId: three.conversationId, agentId: bea.id });
    await admin2.nextOf("message", (f) => /to Bea/.test(JSON.stringify(f)));
    // The opt-in is read before queueing: nothing is queued for Bea, and none of Cyd's ever was.
    assert.equal(
      await queued(
        srv,
        "SELECT count(*) AS n FROM agent_mail_queue WHERE kind = 'assigned'",
        [],
      ),
      0,
    );
    await admin2.close();
    const toBea = smtp.received.filter((m) => m.to.includes(bea.email));
    assert.equal(toBea.filter((m) => m.subject.startsWith("Conversation assigned")).length, 1);
    assert.equal(smtp.received.filter((m) => m.to.includes(cyd.email)).length, 0);
    for (const v of [one, two, three]) await v.visitor.close();
  },
});
