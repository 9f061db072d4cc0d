/**
 * Webhooks with two instances on one Postgres (issue 15): both deliverers share the outbox, and
 * in the normal case (no instance dies holding a lease) every event reaches the receiver exactly
 * once, each conversation's in order, woken by NOTIFY from whichever instance stored the change.
 *
 * Needs Postgres (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`): skipped
 * when unreachable, a failure under `CI=true`.
 */

import assert from "node:assert/strict";
import { freshDatabase, IN_CI, postgresReachable, SERVER_URL } from "./helpers/database.ts";
import { startClusterInstance } from "./helpers/cluster_instance.ts";
import { waitUntil } from "./helpers/wait.ts";
import { WebhookReceiver } from "./helpers/webhook_receiver.ts";
import { WebhookStore } from "../db/sql_webhooks.ts";

const postgresUp = await postgresReachable();
if (!postgresUp && !IN_CI) {
  console.warn(
    `Postgres is not reachable at ${new URL(SERVER_URL).host}: skipping the webhook cluster ` +
      "tests (set DATABASE_URL, or CI=true to make this a failure)",
  );
}

const ENV = { PARLEY_WEBHOOK_ALLOW_PRIVATE: "true", PARLEY_WEBHOOK_RETRY_BASE_MS: "50" };

Deno.test({
  name: "two instances on one Postgres deliver every event once, in order per conversation",
  ignore: !postgresUp && !IN_CI,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const db = await freshDatabase();
    const a = await startClusterInstance(db.url, { env: ENV });
    const b = await startClusterInstance(db.url, { env: ENV });
    await using receiver = WebhookReceiver.start();
    // Slow enough that both instances have deliveries in flight at once; every 7th fails once.
    let n = 0;
    const failed = new Set<string>();
    receiver.answer = (r) => {
      n++;
      if (n % 7 === 0 && r.delivery && !failed.has(r.delivery)) {
        failed.add(r.delivery);
        return 500;
      }
      return 204;
    };
    try {
      await a.store.upsertSite({ id: "shop", name: "Shop" });
      const endpoint = await new WebhookStore(a.store.db).createEndpoint({
        siteId: "shop",
        url: receiver.url,
        secret: "whsec_cluster",
        events: ["conversation.created", "message.created"],
        includeNotes: false,
        enabled: true,
      });
      receiver.secret = endpoint.secret;
      const visitors = 12;
      const perVisitor = 4;
      await Promise.all(Array.from({ length: visitors }, async (_, i) => {
        // Half the changes are stored through each instance.
        const store = i % 2 === 0 ? a.store : b.store;
        const v = await store.createVisitor({ siteId: "shop", name: `V${i}` });
        for (let m = 1; m <= perVisitor; m++) {
          await store.appendVisitorMessage({
            visitorId: v.id,
            clientId: `m${m}`,
            body: `${i}:${m}`,
          });
        }
      }));
      const events = visitors * (1 + perVisitor);
      await waitUntil(() => receiver.delivered.length >= events, `${events} events delivered`);
      // Nothing more comes: every instance's deliverer has nothing left.
      await waitUntil(
        async () => (await new WebhookStore(a.store.db).pendingCount()) === 0,
        "the outbox is empty",
      );
      const ids = receiver.delivered.map((r) => r.delivery);
      assert.equal(new Set(ids).size, ids.length, "no event delivered twice");
      assert.equal(ids.length, events);
      assert.ok(receiver.received.every((r) => r.verified));
      const byConversation = new Map<string, string[]>();
      for (const r of receiver.delivered) {
        const data = r.payload.data as {
          conversation?: { id: string };
          conversationId?: string;
          message?: { body: string };
        };
        const id = data.conversationId ?? data.conversation?.id ?? "";
        byConversation.set(id, [
          ...byConversation.get(id) ?? [],
          data.message?.body.split(":")[1] ?? "created",
        ]);
      }
      assert.equal(byConversation.size, visitors);
      for (const steps of byConversation.values()) {
        assert.deepEqual(steps, ["created", "1", "2", "3", "4"]);
      }
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  },
});
