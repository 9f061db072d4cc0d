/**
 * {@link InboundMail} in-process, on PGlite and a test core with fake sockets: a reply reaches
 * the agents like a widget message, a refusal is logged without the email's words.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openTestStore, startTestCore } from "../testing/test_core.ts";
import { InboundEmailStore } from "../../db/sql_inbound.ts";
import type { LogFields, Logger } from "../log.ts";
import { ParleyError } from "../errors.ts";
import { createReplyAddresses } from "./reply_address.ts";
import { InboundMail } from "./inbound.ts";

const store = await openTestStore();
const replyAddresses = createReplyAddresses("reply@in.example.com", "test-secret");

function capturingLogger(): Logger & { lines: { msg: string; fields?: LogFields }[] } {
  const lines: { msg: string; fields?: LogFields }[] = [];
  const keep = (msg: string, fields?: LogFields) => lines.push({ msg, fields });
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

const raw = (headers: string[], body: string) =>
  new TextEncoder().encode([...headers, "", body, ""].join("\r\n"));

Deno.test("InboundMail appends a reply as the visitor's message, live on agents' sockets", async () => {
  await using t = await startTestCore(store);
  await using agent = await t.agent("Bob");
  await using visitor = await t.visitor();
  visitor.send({ type: "message", clientId: "c1", body: "Hello?" });
  const { conversationId } = await visitor.next("ack", { clientId: "c1" });
  const log = capturingLogger();
  const inbound = new InboundMail({
    store: new InboundEmailStore(store.db),
    publish: (result) => t.core.commands.visitorMessageStored(result),
    replyAddresses,
    log,
  });
  const to = await replyAddresses.forConversation(String(conversationId));
  const outcome = await inbound.receive(raw(
    ["From: someone@example.org", `To: ${to}`, "Message-ID: <r1@example.org>"],
    "Still there?\r\n\r\n-- \r\nSomeone",
  ));
  assert.equal(outcome.kind, "appended");
  const frame = await agent.next(
    "message",
    (f) => (f.message as { body: string }).body === "Still there?",
  );
  const message = frame.message as { body: string; authorKind: string; conversationId: string };
  assert.equal(message.body, "Still there?");
  assert.equal(message.authorKind, "visitor");
  assert.equal(message.conversationId, conversationId);
});

Deno.test("InboundMail logs a refusal with the reason, never the email's words", async () => {
  const log = capturingLogger();
  const inbound = new InboundMail({
    store: new InboundEmailStore(store.db),
    publish: () => Promise.resolve(),
    replyAddresses,
    log,
  });
  const secret = "The secret words of the visitor";
  await assert.rejects(
    () =>
      inbound.receive(raw(
        ["From: Eve <eve@example.net>", "To: reply@in.example.com", "Subject: Private plans"],
        secret,
      )),
    (err) => err instanceof ParleyError && err.code === "mail_refused",
  );
  assert.equal(log.lines.length, 1);
  const [line] = log.lines;
  assert.equal(line.msg, "inbound email refused");
  assert.match(String(line.fields?.reason), /No conversation matches/);
  assert.equal(line.fields?.fromDomain, "example.net");
  const written = JSON.stringify(line);
  for (const word of ["secret words", "Private plans", "eve@"]) {
    assert.equal(written.includes(word), false, word);
  }
});
