/**
 * The email outbox against a real SMTP server (`tests/helpers/smtp_server.ts`): an email queued
 * in a transaction arrives once with its headers; during an SMTP outage it is retried and
 * arrives once the server is back; a Parley restart in between loses and duplicates nothing; two
 * instances on one Postgres send each email once.
 *
 * The restart and two-instance tests need Postgres (`DATABASE_URL`, default
 * `postgres://postgres@127.0.0.1:5432/test`): skipped when unreachable, a failure under `CI=true`.
 */

import assert from "node:assert/strict";
import { EmailStore, enqueueEmail, type NewEmail } from "../db/sql_email.ts";
import { newMessageId } from "../core/mail/smtp.ts";
import { startCustomServer } from "./helpers/custom_server.ts";
import { startClusterInstance } from "./helpers/cluster_instance.ts";
import { freshDatabase, IN_CI, postgresReachable } from "./helpers/database.ts";
import { startSmtpServer, type TestSmtpServer } from "./helpers/smtp_server.ts";
import { waitUntil } from "./helpers/wait.ts";

const postgresUp = await postgresReachable();

function mailEnv(smtp: TestSmtpServer): Record<string, string> {
  return {
    PARLEY_SMTP_URL: smtp.url,
    PARLEY_MAIL_FROM: "Parley <support@example.com>",
    PARLEY_MAIL_RETRY_BASE_MS: "50",
  };
}

function email(to: string, extra: Partial<NewEmail> = {}): NewEmail {
  return {
    kind: "test",
    messageId: newMessageId("support@example.com"),
    to,
    subject: `Hello ${to}`,
    text: "Plain text part",
    html: "<p>HTML part</p>",
    ...extra,
  };
}

const count = (smtp: TestSmtpServer, to: string) =>
  smtp.received.filter((m) => m.to.includes(to)).length;

Deno.test({
  name: "an email queued in a transaction arrives once, with its Message-ID and threading headers",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using smtp = await startSmtpServer();
    const server = await startCustomServer({ env: mailEnv(smtp) });
    try {
      const outbox = new EmailStore(server.store.db);
      const sent = email("one@example.com", {
        inReplyTo: "<earlier@example.com>",
        references: ["<first@example.com>", "<earlier@example.com>"],
        listUnsubscribe: "<https://chat.example.com/unsubscribe/abc>",
      });
      // Rolled back: never sent.
      await server.store.db.transaction(async (tx) => {
        await enqueueEmail(tx, email("rolled-back@example.com"));
        throw new Error("roll back");
      }).catch(() => {});
      await server.store.db.transaction((tx) => enqueueEmail(tx, sent));
      const got = await smtp.waitFor((m) => m.to.includes("one@example.com"), "the email arrives");
      assert.equal(got.messageId, sent.messageId);
      assert.equal(got.subject, "Hello one@example.com");
      assert.equal(got.from, `"Parley" <support@example.com>`);
      assert.equal(got.text.trim(), "Plain text part");
      assert.equal(got.html?.includes("<p>HTML part</p>"), true);
      assert.equal(got.headers.get("in-reply-to"), "<earlier@example.com>");
      assert.deepEqual(got.headers.get("references"), [
        "<first@example.com>",
        "<earlier@example.com>",
      ]);
      // mailparser gathers the List-* headers under `list`.
      assert.match(
        JSON.stringify(got.headers.get("list")),
        /"unsubscribe":{"url":"https:\/\/chat.example.com\/unsubscribe\/abc"/,
      );
      await waitUntil(
        async () => (await outbox.list()).every((e) => e.status === "sent"),
        "the outbox marks it sent",
      );
      assert.equal(count(smtp, "one@example.com"), 1);
      assert.equal(count(smtp, "rolled-back@example.com"), 0);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "an email queued during an SMTP outage is retried and arrives once the server is back",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using smtp = await startSmtpServer();
    const server = await startCustomServer({ env: mailEnv(smtp) });
    try {
      const outbox = new EmailStore(server.store.db);
      await smtp.stop();
      await server.store.db.transaction((tx) => enqueueEmail(tx, email("outage@example.com")));
      await waitUntil(async () => {
        const [e] = await outbox.list();
        return e.attempts >= 2 && e.status === "pending" && e.lastError !== null;
      }, "two attempts fail");
      await smtp.start();
      await smtp.waitFor((m) => m.to.includes("outage@example.com"), "the email arrives");
      await waitUntil(async () => (await outbox.list())[0].status === "sent", "it is marked sent");
      assert.equal(count(smtp, "outage@example.com"), 1);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "a Parley restart during an SMTP outage loses and duplicates no email",
  ignore: !postgresUp && !IN_CI,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using smtp = await startSmtpServer();
    const db = await freshDatabase();
    try {
      let instance = await startClusterInstance(db.url, { env: mailEnv(smtp) });
      const outbox = new EmailStore(instance.store.db);
      await instance.store.db.transaction((tx) => enqueueEmail(tx, email("before@example.com")));
      await smtp.waitFor((m) => m.to.includes("before@example.com"), "the first email arrives");
      await waitUntil(async () => (await outbox.list())[0].status === "sent", "it is marked sent");
      await smtp.stop();
      await instance.store.db.transaction((tx) => enqueueEmail(tx, email("during@example.com")));
      await waitUntil(
        async () => (await outbox.list()).some((e) => e.attempts >= 1 && e.lastError !== null),
        "an attempt fails",
      );
      await instance.close();
      await smtp.start();
      instance = await startClusterInstance(db.url, { env: mailEnv(smtp) });
      try {
        await smtp.waitFor((m) => m.to.includes("during@example.com"), "the second email arrives");
        const after = new EmailStore(instance.store.db);
        await waitUntil(
          async () => (await after.list()).every((e) => e.status === "sent"),
          "both are marked sent",
        );
        assert.equal(count(smtp, "before@example.com"), 1);
        assert.equal(count(smtp, "during@example.com"), 1);
      } finally {
        await instance.close();
      }
    } finally {
      await db.drop();
    }
  },
});

Deno.test({
  name: "two instances on one Postgres send each email once",
  ignore: !postgresUp && !IN_CI,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using smtp = await startSmtpServer();
    const db = await freshDatabase();
    const a = await startClusterInstance(db.url, { env: mailEnv(smtp) });
    const b = await startClusterInstance(db.url, { env: mailEnv(smtp) });
    try {
      const n = 30;
      await Promise.all(
        Array.from(
          { length: n },
          (_, i) =>
            (i % 2 === 0 ? a : b).store.db.transaction((tx) =>
              enqueueEmail(tx, email(`many${i}@example.com`))
            ),
        ),
      );
      await waitUntil(() => smtp.received.length >= n, `${n} emails arrive`);
      const outbox = new EmailStore(a.store.db);
      await waitUntil(
        async () => (await outbox.list()).every((e) => e.status === "sent"),
        "all are marked sent",
      );
      for (let i = 0; i < n; i++) assert.equal(count(smtp, `many${i}@example.com`), 1);
      assert.equal(smtp.received.length, n);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  },
});
