/**
 * Labels and priority across two instances on one Postgres (issue 17): an admin changing the
 * label list through one instance, and an agent labelling a conversation or setting its
 * priority there, reach an agent connected to the other instance live (the `labels` frame and
 * the conversation's summary), through the cluster bus.
 *
 * Needs Postgres (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`): skipped
 * when unreachable, a failure under `CI=true`.
 */

import assert from "node:assert/strict";
import { hashPassword } from "../core/accounts/passwords.ts";
import { freshDatabase, IN_CI, postgresReachable, SERVER_URL } from "./helpers/database.ts";
import { startClusterInstance } from "./helpers/cluster_instance.ts";
import { signIn } from "./helpers/parley_process.ts";
import { ADMIN } from "./helpers/server.ts";
import { type Frame, TestSocket } from "./helpers/ws_client.ts";

const CSRF = { "content-type": "application/json", "x-parley-csrf": "1" };

const postgresUp = await postgresReachable();
if (!postgresUp && !IN_CI) {
  console.warn(
    `Postgres is not reachable at ${new URL(SERVER_URL).host}: skipping the labels cluster ` +
      "test (set DATABASE_URL, or CI=true to make this a failure)",
  );
}

const summary = (f: Frame) =>
  f.conversation as { id: string; labels?: string[]; priority?: string };

/** A JSON request with the session `cookie`; fails the test on a status other than `status`. */
async function send(
  url: string,
  cookie: string,
  method: string,
  body: unknown,
  status = 200,
): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method,
    headers: { ...CSRF, cookie },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, status, `${method} ${url}: ${text}`);
  return JSON.parse(text);
}

Deno.test({
  name: "labels and priority set through one instance reach an agent on the other live",
  ignore: !postgresUp && !IN_CI,
  async fn() {
    const db = await freshDatabase();
    const one = await startClusterInstance(db.url);
    const two = await startClusterInstance(db.url);
    let watcher: TestSocket | null = null;
    try {
      await one.store.upsertSite({ id: "shop", name: "Shop" });
      const agents = await Promise.all(["a", "b"].map(async (k) => {
        const email = `agent-${k}@test.local`;
        await one.store.createAgent({
          email,
          name: `Agent ${k.toUpperCase()}`,
          role: "agent",
          passwordHash: await hashPassword("agent-password-1", 1000),
        });
        return email;
      }));
      const admin = await signIn(one.server.url, ADMIN.email, ADMIN.password);
      const agentA = await signIn(one.server.url, agents[0], "agent-password-1");
      const agentB = await signIn(two.server.url, agents[1], "agent-password-1");
      watcher = await TestSocket.open(`${two.server.url.replace("http", "ws")}/ws/agent`, {
        cookie: agentB,
      });
      await watcher.nextOf("welcome");

      // The list: created through one, the other's agent gets every label again.
      const created = await send(`${one.server.url}/api/labels`, admin, "POST", {
        name: "Refund",
        color: "#15803d",
      }, 201);
      const labelId = (created.label as { id: string }).id;
      const list = await watcher.nextOf(
        "labels",
        (f) => (f.labels as { id: string }[]).some((l) => l.id === labelId),
      );
      assert.deepEqual(list.labels, [{ id: labelId, name: "Refund", color: "#15803d" }]);

      const v = await one.store.createVisitor({ siteId: "shop", name: "Vera" });
      const { conversation } = await one.store.appendVisitorMessage({
        visitorId: v.id,
        clientId: "m1",
        body: "Hi",
      });
      const id = conversation.id;
      const path = `${one.server.url}/api/conversations/${id}/labels`;

      // A labels it through one; B, on two, sees the summary change.
      await send(path, agentA, "PATCH", { add: [labelId] });
      await watcher.nextOf(
        "conversation",
        (f) => summary(f).id === id && (summary(f).labels ?? []).includes(labelId),
      );
      await send(`${one.server.url}/api/conversations/${id}/priority`, agentA, "PUT", {
        priority: "urgent",
      });
      const urgent = await watcher.nextOf(
        "conversation",
        (f) => summary(f).id === id && summary(f).priority === "urgent",
      );
      assert.deepEqual(summary(urgent).labels, [labelId], "the labels stay with the priority");
      await send(path, agentA, "PATCH", { remove: [labelId] });
      await watcher.nextOf(
        "conversation",
        (f) => summary(f).id === id && (summary(f).labels ?? []).length === 0,
      );
    } finally {
      await watcher?.close();
      await Promise.all([one.close(), two.close()]);
      await db.drop();
    }
  },
});
