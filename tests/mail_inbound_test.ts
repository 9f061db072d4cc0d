/**
 * Replies by email against a real server and a real SMTP server (`tests/helpers/smtp_server.ts`):
 * Parley sends an email about a conversation; the visitor's reply to it, built by nodemailer's
 * MailComposer as a mail client would, is posted raw to `POST /api/inbound/email` and lands in
 * the conversation with quotes stripped, live on an agent's socket, once however often it is
 * posted. Forged, unmatched, automatic and malformed emails are refused and append nothing.
 *
 * The Postgres test needs `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`):
 * skipped when unreachable, a failure under `CI=true`.
 */

import assert from "node:assert/strict";
// @ts-types="@types/nodemailer/lib/mail-composer/index.d.ts"
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { createReplyAddresses } from "../core/mail/reply_address.ts";
import { newMessageId } from "../core/mail/smtp.ts";
import { enqueueEmail } from "../db/sql_email.ts";
import { ErrorCode } from "../protocol/codes.ts";
import { IN_CI, postgresReachable } from "./helpers/database.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from "./helpers/smtp_server.ts";
import type { Frame, TestSocket } from "./helpers/ws_client.ts";

const postgresUp = await postgresReachable();

const INBOUND_SECRET = "inbound-secret-0123456789abcdef";
const SERVER_SECRET = "server-signing-secret-0123456789abcdef";
const INBOUND_ADDRESS = "reply@in.example.com";
const replyAddresses = createReplyAddresses(INBOUND_ADDRESS, SERVER_SECRET);

function inboundEnv(smtp: TestSmtpServer): Record<string, string> {
  return {
    PARLEY_SMTP_URL: smtp.url,
    PARLEY_MAIL_FROM: "Acme Support <support@example.com>",
    PARLEY_MAIL_RETRY_BASE_MS: "50",
    PARLEY_SECRET: SERVER_SECRET,
    PARLEY_INBOUND_SECRET: INBOUND_SECRET,
    PARLEY_INBOUND_ADDRESS: INBOUND_ADDRESS,
  };
}

/** A visitor with an email and a conversation, and an admin watching over a socket. */
async function conversationWithEmail(t: TestServer, email: string) {
  const agent = await t.adminSocket();
  const visitor = await t.visitorSocket();
  visitor.send({ type: "contact", email });
  visitor.send({ type: "message", clientId: "v1", body: "Where is my parcel?" });
  const { conversationId } = await visitor.nextOf("ack") as unknown as { conversationId: string };
  await agent.nextOf("message", (f) => messageOf(f).conversationId === conversationId);
  return { agent, visitor, conversationId };
}

/** Parley emails the visitor about the conversation; resolves with the email as received. */
async function emailVisitor(
  t: TestServer,
  smtp: TestSmtpServer,
  conversationId: string,
  to: string,
): Promise<ReceivedMail> {
  const messageId = newMessageId("support@example.com");
  const replyTo = await replyAddresses.forConversation(conversationId);
  await t.store.db.transaction((tx) =>
    enqueueEmail(tx, {
      kind: "test_reply",
      messageId,
      to,
      replyTo,
      subject: "Re: Your conversation with Acme",
      text: "Bob: It left our warehouse today.",
      conversationId,
    })
  );
  return await smtp.waitFor((m) => m.messageId === messageId, "Parley's email arrives");
}

/** A reply to `parent` as Gmail writes one: new text on top, the quoted email under it. */
function gmailReply(opts: {
  from: string;
  to: string;
  parent?: ReceivedMail;
  text: string;
  headers?: Record<string, string>;
  messageId?: string;
}): Promise<Uint8Array> {
  const quoted = (opts.parent?.text ?? "Earlier text").trim().split("\n").map((l) => `> ${l}`);
  const mail = new MailComposer({
    from: opts.from,
    to: opts.to,
    subject: "Re: Your conversation with Acme",
    messageId: opts.messageId ?? `<${crypto.randomUUID()}@mail.example.org>`,
    ...(opts.parent
      ? { inReplyTo: opts.parent.messageId, references: [opts.parent.messageId] }
      : {}),
    headers: opts.headers ?? {},
    text: [
      opts.text,
      "",
      "On Tue, Dec 1, 2026 at 10:02 AM Acme Support <support@example.com> wrote:",
      "",
      ...quoted,
      "",
    ].join("\n"),
  });
  return new Promise((resolve, reject) =>
    mail.compile().build((err, message) => err ? reject(err) : resolve(new Uint8Array(message)))
  );
}

function post(
  t: TestServer,
  body: Uint8Array | string,
  auth: string | null = `Bearer ${INBOUND_SECRET}`,
  type = "message/rfc822",
): Promise<Response> {
  return fetch(`${t.url}/api/inbound/email`, {
    method: "POST",
    headers: { "content-type": type, ...(auth ? { authorization: auth } : {}) },
    body: typeof body === "string" ? body : new Blob([body as BlobPart]),
  });
}

async function expectError(res: Response, status: number, code: string): Promise<string> {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code);
  return body.error.message;
}

async function emailMessages(t: TestServer, conversationId: string): Promise<string[]> {
  const rows = await t.store.db.query(
    `SELECT body FROM messages WHERE conversation_id = $1 AND client_id LIKE 'email:%'
     ORDER BY seq`,
    [conversationId],
  );
  return rows.map((r) => String(r.body));
}

type LiveMessage = { conversationId: string; authorKind: string; body: string; seq: number };

function messageOf(frame: Frame): LiveMessage {
  return frame.message as LiveMessage;
}

/** The reply's message as the agent's socket gets it. */
async function liveMessage(
  agent: TestSocket,
  conversationId: string,
  body: string,
): Promise<LiveMessage> {
  const frame = await agent.nextOf("message", (f) => {
    const m = messageOf(f);
    return m.conversationId === conversationId && m.body === body;
  });
  return messageOf(frame);
}

Deno.test({
  name: "an email reply lands once in its conversation, live for agents; forgeries are refused",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(ctx) {
    await using smtp = await startSmtpServer();
    await using t = await startTestServer({ env: inboundEnv(smtp) });
    const ann = "ann@example.org";
    const { agent, visitor, conversationId } = await conversationWithEmail(t, ann);
    const sent = await emailVisitor(t, smtp, conversationId, ann);
    const replyTo = await replyAddresses.forConversation(conversationId);
    assert.equal(JSON.stringify(sent.headers.get("reply-to")).includes(replyTo), true);

    await ctx.step("a reply to the signed address is appended, stripped, and live", async () => {
      const raw = await gmailReply({
        from: `"Ann" <${ann}>`,
        to: replyTo,
        parent: sent,
        text: "Thanks! Could it come on Friday?\n\nSent from my iPhone",
      });
      const res = await post(t, raw);
      const body = await res.json();
      assert.equal(res.status, 201, JSON.stringify(body));
      assert.equal(body.conversationId, conversationId);
      assert.equal(body.duplicate, false);
      assert.equal(typeof body.messageId, "string");
      const live = await liveMessage(agent, conversationId, "Thanks! Could it come on Friday?");
      assert.equal(live.authorKind, "visitor");
      assert.equal(live.seq, body.seq);
      // The visitor's own widget shows it too.
      await visitor.nextOf("message", (f) => messageOf(f).seq === body.seq);

      // Posted again (a provider's retry): the same message, appended once.
      const again = await post(t, raw);
      const second = await again.json();
      assert.equal(again.status, 200);
      assert.deepEqual(second, { ...body, duplicate: true });
      assert.deepEqual(await emailMessages(t, conversationId), [
        "Thanks! Could it come on Friday?",
      ]);
      // Recorded for threading: the next email Parley sends can name it.
      const rows = await t.store.db.query(
        "SELECT direction FROM conversation_emails WHERE conversation_id = $1 ORDER BY created_at",
        [conversationId],
      );
      assert.deepEqual(rows.map((r) => r.direction), ["out", "in"]);
    });

    await ctx.step(
      "a reply by In-Reply-To from the visitor reopens a resolved conversation",
      async () => {
        agent.send({ type: "resolve", conversationId, requestId: "r1" });
        await agent.nextOf(
          "conversation",
          (f) =>
            (f.conversation as { id: string; status: string }).id === conversationId &&
            (f.conversation as { status: string }).status === "resolved",
        );
        // To the plain support address (no signed tag), with Basic authentication.
        const raw = await gmailReply({
          from: "ANN@Example.org",
          to: "support@example.com",
          parent: sent,
          text: "One more thing: the door code is 42.",
        });
        const res = await post(t, raw, `Basic ${btoa(`parley:${INBOUND_SECRET}`)}`);
        assert.equal(res.status, 201, await res.clone().text());
        await liveMessage(agent, conversationId, "One more thing: the door code is 42.");
        const conv = await t.store.getConversation(conversationId);
        assert.notEqual(conv?.status, "resolved");
      },
    );

    await ctx.step("requests without the secret are 401", async () => {
      const raw = await gmailReply({ from: ann, to: replyTo, parent: sent, text: "Forged" });
      await expectError(await post(t, raw, null), 401, ErrorCode.Unauthorized);
      await expectError(await post(t, raw, "Bearer wrong-secret"), 401, ErrorCode.Unauthorized);
      await expectError(
        await post(t, raw, `Basic ${btoa("parley:wrong")}`),
        401,
        ErrorCode.Unauthorized,
      );
    });

    await ctx.step("forged and unmatched emails are refused with 422 mail_refused", async () => {
      const [local, host] = replyTo.split("@");
      const badSignature = `${local.slice(0, -1)}${local.endsWith("0") ? "1" : "0"}@${host}`;
      const unknown = await replyAddresses.forConversation(crypto.randomUUID());
      const cases: [string, Promise<Uint8Array>][] = [
        // A reply address whose signature is wrong, and nothing else to go by.
        ["bad signature", gmailReply({ from: ann, to: badSignature, text: "Forged" })],
        // The In-Reply-To of a real email, from someone who is not the visitor.
        [
          "other sender",
          gmailReply({
            from: "mallory@example.net",
            to: "x@example.com",
            parent: sent,
            text: "Hi",
          }),
        ],
        // A correctly signed address of a conversation that does not exist.
        ["unknown conversation", gmailReply({ from: ann, to: unknown, text: "Hello?" })],
        // Threaded under an email Parley never sent.
        [
          "unknown In-Reply-To",
          gmailReply({
            from: ann,
            to: "x@example.com",
            text: "Hello?",
            headers: { "In-Reply-To": "<nobody@example.com>" },
          }),
        ],
        // Nothing but the quoted email.
        ["no reply text", gmailReply({ from: ann, to: replyTo, parent: sent, text: "" })],
        // Parley's own email, looped back.
        [
          "Parley's own Message-ID",
          gmailReply({ from: ann, to: replyTo, text: "Loop", messageId: sent.messageId }),
        ],
      ];
      for (const [what, raw] of cases) {
        const message = await expectError(await post(t, await raw), 422, ErrorCode.MailRefused);
        assert.ok(message.length > 0, what);
      }
      await expectError(await post(t, "garbage, not an email"), 422, ErrorCode.MailRefused);
      await expectError(
        await post(t, new Uint8Array(1024 * 1024 + 1).fill(65)),
        413,
        ErrorCode.TooLarge,
      );
      const raw = await gmailReply({ from: ann, to: replyTo, text: "Hi" });
      await expectError(await post(t, raw, undefined, "application/json"), 400, "bad_frame");
      assert.equal((await emailMessages(t, conversationId)).length, 2);
    });

    await ctx.step("an auto-reply is ignored with 202 and appends nothing", async () => {
      const raw = await gmailReply({
        from: ann,
        to: replyTo,
        text: "I am out of the office until Monday.",
        headers: { "Auto-Submitted": "auto-replied" },
      });
      const res = await post(t, raw);
      assert.equal(res.status, 202);
      assert.deepEqual(await res.json(), { ignored: "automatic" });
      assert.equal((await emailMessages(t, conversationId)).length, 2);
    });
    await Promise.all([agent.close(), visitor.close()]);
  },
});

Deno.test({
  name: "without PARLEY_INBOUND_SECRET the inbound endpoint does not exist (404)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using t = await startTestServer();
    const res = await post(t, "From: a@example.org\r\n\r\nHi");
    await expectError(res, 404, ErrorCode.NotFound);
  },
});

Deno.test({
  name: "on Postgres, an email reply by In-Reply-To is appended once, however often posted",
  ignore: !postgresUp && !IN_CI,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using smtp = await startSmtpServer();
    await using t = await startTestServer({ env: inboundEnv(smtp), backend: "postgres" });
    const bea = "bea@example.net";
    const { agent, visitor, conversationId } = await conversationWithEmail(t, bea);
    const sent = await emailVisitor(t, smtp, conversationId, bea);
    const raw = await gmailReply({
      from: bea,
      to: "support@example.com",
      parent: sent,
      text: "Ok!",
    });
    // Three deliveries at once (a provider retrying while the first is in flight).
    const answers = await Promise.all([post(t, raw), post(t, raw), post(t, raw)]);
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 201]);
    const bodies = await Promise.all(answers.map((r) => r.json()));
    assert.equal(new Set(bodies.map((b) => b.messageId)).size, 1);
    await liveMessage(agent, conversationId, "Ok!");
    assert.deepEqual(await emailMessages(t, conversationId), ["Ok!"]);
    await Promise.all([agent.close(), visitor.close()]);
  },
});
