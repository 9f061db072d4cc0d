/**
 * Contract steps for the email outbox and the agents' one-time links (`sql_email.ts`, migration
 * 0011): a claim hands each email to one caller under a lease; an attempt recorded after its
 * lease moved on changes nothing; a link works once, and an expired one is refused. Test-only.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DbStore } from "../mod.ts";
import { EmailStore, enqueueEmail } from "../sql_email.ts";
import { agent } from "./fixtures.ts";

/** Runs the email steps against `store`. */
export async function emailSteps(t: Deno.TestContext, store: DbStore): Promise<void> {
  const mails = new EmailStore(store.db);

  await t.step("email: a claimed email is leased to one caller and sent once", async () => {
    const messageId = `<${crypto.randomUUID()}@example.com>`;
    const id = await store.db.transaction((tx) =>
      enqueueEmail(tx, {
        kind: "test",
        messageId,
        to: "a@example.com",
        subject: "S",
        text: "T",
        references: ["<r1@example.com>"],
      })
    );
    const [first] = (await mails.claim(100, 60_000)).filter((e) => e.id === id);
    assert.equal(first.messageId, messageId);
    assert.deepEqual(first.references, ["<r1@example.com>"]);
    assert.equal(first.attempt, 1);
    assert.equal((await mails.claim(100, 60_000)).some((e) => e.id === id), false);
    // A retry keeps the Message-ID: it is the row's.
    assert.equal(
      await mails.finish(id, 1, {
        kind: "retry",
        status: null,
        error: "down",
        retryAt: new Date(Date.now() - 1),
      }),
      true,
    );
    const [again] = (await mails.claim(100, 60_000)).filter((e) => e.id === id);
    assert.equal(again.messageId, messageId);
    assert.equal(again.attempt, 2);
    // The first attempt answering late changes nothing.
    assert.equal(await mails.finish(id, 1, { kind: "delivered", status: 250 }), false);
    assert.equal(await mails.finish(id, 2, { kind: "delivered", status: 250 }), true);
    const row = (await mails.list()).find((e) => e.id === id);
    assert.equal(row?.status, "sent");
    assert.equal((await mails.claim(100, 60_000)).some((e) => e.id === id), false);
  });

  await t.step("email: a released lease is claimed again at once", async () => {
    const id = await enqueueEmail(store.db, {
      kind: "test",
      messageId: `<${crypto.randomUUID()}@example.com>`,
      to: "b@example.com",
      subject: "S",
      text: "T",
    });
    const [e] = (await mails.claim(100, 60_000)).filter((x) => x.id === id);
    await mails.release([{ id, attempt: e.attempt }]);
    const [again] = (await mails.claim(100, 60_000)).filter((x) => x.id === id);
    assert.equal(again.attempt, 1);
    await mails.finish(id, 1, { kind: "failed", status: null, error: "gave up" });
  });

  await t.step(
    "email: a one-time link sets the password once; an expired one is refused",
    async () => {
      const a = await agent(store);
      const email = {
        kind: "password_reset",
        messageId: `<${crypto.randomUUID()}@example.com>`,
        to: a.email,
        subject: "S",
        text: "T",
      };
      const hash = crypto.randomUUID();
      await mails.createLink(
        {
          tokenHash: hash,
          agentId: a.id,
          purpose: "reset",
          expiresAt: new Date(Date.now() + 60_000),
        },
        email,
      );
      assert.deepEqual(await mails.peekLink(hash), {
        state: "valid",
        agentId: a.id,
        purpose: "reset",
      });
      assert.equal((await mails.useLink(hash, "new-hash")).state, "valid");
      assert.equal((await store.getAgent(a.id))?.passwordHash, "new-hash");
      assert.deepEqual(await mails.useLink(hash, "other"), { state: "used" });
      assert.equal((await store.getAgent(a.id))?.passwordHash, "new-hash");
      const old = crypto.randomUUID();
      await mails.createLink(
        { tokenHash: old, agentId: a.id, purpose: "reset", expiresAt: new Date(Date.now() - 1000) },
        { ...email, messageId: `<${crypto.randomUUID()}@example.com>` },
      );
      assert.deepEqual(await mails.useLink(old, "x"), { state: "expired" });
      assert.deepEqual(await mails.peekLink("nope"), { state: "unknown" });
    },
  );

  await t.step("email: the next due time is null with nothing pending, else the wait", async () => {
    // Settle whatever earlier steps left pending, so the outbox has nothing to send.
    await store.db.query("UPDATE email_outbox SET status = 'failed' WHERE status = 'pending'");
    assert.equal(await mails.msUntilNextDue(), null);
    const id = await enqueueEmail(store.db, {
      kind: "test",
      messageId: `<${crypto.randomUUID()}@example.com>`,
      to: "later@example.com",
      subject: "S",
      text: "T",
    });
    assert.equal(await mails.msUntilNextDue(), 0, "due now");
    await mails.claim(100, 60_000); // leased for a minute
    const wait = await mails.msUntilNextDue();
    assert.ok(wait !== null && wait > 0 && wait <= 60_000, `waits for the lease: ${wait}`);
    await mails.finish(id, 1, { kind: "delivered", status: 250 });
    assert.equal(await mails.msUntilNextDue(), null);
  });
}
