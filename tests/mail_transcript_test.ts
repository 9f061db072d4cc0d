/**
 * Transcripts by email against a real SMTP server: an agent sends one from the console API (every
 * visitor-visible message, never a note; 422 without an address; 403 for an agent not allowed on
 * the site; audit-logged), and a visitor asks for one with the `transcript` frame (refused with
 * `no_email` without an address, limited to 3 an hour).
 */

import assert from "node:assert/strict";
import { serverPerFile } from "./helpers/server.ts";
import { startSmtpServer, type TestSmtpServer } from "./helpers/smtp_server.ts";
import { adminCookie, call, makeSite } from "./api_helpers.ts";
import type { TestSocket } from "./helpers/ws_client.ts";

let smtp: TestSmtpServer;
Deno.test.beforeAll(async () => {
  smtp = await startSmtpServer();
});
Deno.test.afterAll(async () => {
  await smtp[Symbol.asyncDispose]();
});
const server = serverPerFile({
  env: {
    get PARLEY_SMTP_URL() {
      return smtp.url;
    },
    PARLEY_MAIL_FROM: "Parley <support@example.com>",
    PARLEY_MAIL_RETRY_BASE_MS: "50",
  } as Record<string, string>,
});

/** A visitor on `site` who wrote, an agent reply and a note; returns the conversation id. */
async function conversation(site: string, words: string): Promise<{
  visitor: TestSocket;
  conversationId: string;
}> {
  const srv = server();
  const visitor = await srv.visitorSocket({ site });
  visitor.send({ type: "message", clientId: "v1", body: `Hello <b>${words}</b>` });
  const ack = await visitor.nextOf("ack");
  const conversationId = String(ack.conversationId);
  const admin = await srv.adminSocket();
  admin.send({
    type: "message",
    conversationId,
    clientId: crypto.randomUUID(),
    body: `Reply about ${words}`,
  });
  await admin.nextOf("ack");
  admin.send({
    type: "message",
    conversationId,
    clientId: crypto.randomUUID(),
    body: `Secret note ${words}`,
    note: true,
  });
  await admin.nextOf("ack");
  await admin.close();
  return { visitor, conversationId };
}

Deno.test("an agent sends a transcript: visitor-visible messages only, never notes", async () => {
  const srv = server();
  const site = await makeSite(srv);
  await srv.store.updateSite(site, { senderName: "Acme Support", replyTo: "help@acme.test" });
  const { visitor, conversationId } = await conversation(site, "kettles");
  const cookie = await adminCookie(srv);
  const path = `/api/conversations/${conversationId}/transcript`;

  const none = await call(srv, "POST", path, { cookie, body: {} });
  assert.equal(none.status, 422, none.text);
  assert.equal(none.body.error.code, "no_email");
  const bad = await call(srv, "POST", path, { cookie, body: { email: "not an address" } });
  assert.equal(bad.status, 400, bad.text);

  const sent = await call(srv, "POST", path, { cookie, body: { email: "boss@example.com" } });
  assert.equal(sent.status, 202, sent.text);
  assert.equal(sent.body.to, "boss@example.com");
  const mail = await smtp.waitFor(
    (m) => m.to.includes("boss@example.com") && /kettles/.test(m.text),
    "the transcript arrives",
  );
  assert.equal(mail.subject, "Your conversation with Acme Support");
  assert.match(mail.from, /Acme Support/);
  assert.match(JSON.stringify(mail.headers.get("reply-to") ?? null), /help@acme\.test/);
  assert.match(mail.text, /Hello <b>kettles<\/b>/);
  assert.match(mail.text, /Admin: Reply about kettles/);
  assert.doesNotMatch(mail.text, /Secret note/);
  assert.doesNotMatch(mail.html ?? "", /Secret note/);
  // Typed text is escaped in the HTML part.
  assert.match(mail.html ?? "", /Hello &#60;b&#62;kettles/);

  // Once the visitor leaves an address, it is the default.
  visitor.send({ type: "contact", email: "shopper@example.com" });
  await visitor.nextOf("identity");
  const own = await call(srv, "POST", path, { cookie, body: {} });
  assert.equal(own.status, 202, own.text);
  assert.equal(own.body.to, "shopper@example.com");
  await smtp.waitFor((m) => m.to.includes("shopper@example.com"), "the visitor's copy arrives");

  const audit = await call(srv, "GET", "/api/audit?limit=20", { cookie });
  const entries = audit.body.entries as { action: string; targetId: string }[];
  assert.equal(
    entries.filter((e) => e.action === "conversation.transcript" && e.targetId === conversationId)
      .length,
    2,
  );
  await visitor.close();
});

Deno.test("an agent without access to the conversation's site gets 403", async () => {
  const srv = server();
  const site = await makeSite(srv);
  const other = await makeSite(srv);
  const { visitor, conversationId } = await conversation(site, "teapots");
  const agent = await srv.createAgent();
  await srv.store.updateAgent(agent.id, { sites: [other] });
  const cookie = await srv.login(agent.email, agent.password);
  const res = await call(srv, "POST", `/api/conversations/${conversationId}/transcript`, {
    cookie,
    body: { email: "x@example.com" },
  });
  assert.equal(res.status, 403, res.text);
  assert.equal(res.body.error.code, "forbidden");
  const unsigned = await call(srv, "POST", `/api/conversations/${conversationId}/transcript`, {
    body: {},
    headers: { "x-parley-csrf": "1" },
  });
  assert.equal(unsigned.status, 401);
  await visitor.close();
});

Deno.test("a visitor asks for a transcript: no_email without an address, 3 an hour", async () => {
  const srv = server();
  const site = await makeSite(srv);
  const { visitor } = await conversation(site, "mugs");
  visitor.send({ type: "transcript" });
  const refused = await visitor.nextOf("error");
  assert.equal(refused.code, "no_email");

  visitor.send({ type: "transcript", email: "mug-fan@example.com" });
  const mail = await smtp.waitFor(
    (m) => m.to.includes("mug-fan@example.com"),
    "the visitor's transcript arrives",
  );
  assert.match(mail.text, /Reply about mugs/);
  assert.doesNotMatch(mail.text, /Secret note/);
  visitor.send({ type: "contact", email: "mug-fan@example.com" });
  await visitor.nextOf("identity");
  visitor.send({ type: "transcript" });
  visitor.send({ type: "transcript" });
  visitor.send({ type: "transcript" });
  const limited = await visitor.nextOf("error");
  assert.equal(limited.code, "rate_limited");
  await smtp.waitFor(
    () => smtp.received.filter((m) => m.to.includes("mug-fan@example.com")).length === 3,
    "three transcripts arrive",
  );
  // No more than three went out.
  const queued = await srv.store.db.query(
    "SELECT count(*)::int AS n FROM email_outbox WHERE to_address = $1",
    ["mug-fan@example.com"],
  );
  assert.equal(queued[0].n, 3);
  await visitor.close();
});
