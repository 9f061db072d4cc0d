/**
 * On Postgres the built server needs only `--allow-net --allow-env --allow-read`: no write
 * (DATA_DIR is the embedded database's alone), no sys (host name, disk space), no run. A
 * permission it lacks would fail the first time the code path runs, so the whole support loop
 * runs here: a visitor writes, an agent sees it, accepts and replies, the visitor reads it.
 */

import assert from "node:assert/strict";
import { freshDatabase } from "./helpers/database.ts";
import { requirePostgres } from "./helpers/faults.ts";
import { signIn, startParley } from "./helpers/parley_process.ts";
import { BASE_ENV } from "./helpers/process.ts";
import { ADMIN } from "./helpers/server.ts";
import { TestSocket } from "./helpers/ws_client.ts";

const pgOk = await requirePostgres("restricted_permissions_test");

Deno.test({
  name: "on Postgres the server runs the visitor -> agent -> visitor loop with only " +
    "--allow-net --allow-env --allow-read",
  ignore: !pgOk,
  async fn() {
    const db = await freshDatabase();
    // A data directory that must not be created: nothing may write to the disk.
    const dataDir = `${await Deno.makeTempDir({ prefix: "parley_restricted_" })}/data`;
    const proc = await startParley({
      env: { ...BASE_ENV, DATABASE_URL: db.url, DATA_DIR: dataDir },
      permissions: ["--allow-net", "--allow-env", "--allow-read"],
    });
    const sockets: TestSocket[] = [];
    try {
      const cookie = await signIn(proc.url, ADMIN.email, ADMIN.password);
      const agent = await TestSocket.open(`${proc.wsUrl}/ws/agent`, { cookie });
      sockets.push(agent);
      await agent.nextOf("welcome");
      const visitor = await TestSocket.open(`${proc.wsUrl}/ws/visitor`);
      sockets.push(visitor);
      visitor.send({ type: "hello", site: "demo" });
      await visitor.nextOf("welcome");

      visitor.send({ type: "message", clientId: "v1", body: "Is my order on its way?" });
      const ack = await visitor.nextOf("ack");
      const conversationId = String(ack.conversationId);
      const relayed = await agent.nextOf(
        "message",
        (f) => (f.message as Record<string, unknown>).body === "Is my order on its way?",
      );
      assert.equal((relayed.message as Record<string, unknown>).authorKind, "visitor");

      agent.send({ type: "accept", conversationId });
      agent.send({ type: "message", conversationId, clientId: "a1", body: "It left today" });
      assert.equal(typeof (await agent.nextOf("ack", (f) => f.clientId === "a1")).seq, "number");
      const reply = await visitor.nextOf(
        "message",
        (f) => (f.message as Record<string, unknown>).body === "It left today",
      );
      assert.equal((reply.message as Record<string, unknown>).authorKind, "agent");

      const health = await fetch(`${proc.url}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
      const text = proc.lines.join("\n");
      assert.ok(!/NotCapable|Requires .* access/.test(text), `no permission prompt:\n${text}`);
      await assert.rejects(Deno.stat(dataDir), Deno.errors.NotFound, "DATA_DIR is not created");
    } finally {
      for (const s of sockets) s.ws.close();
      await proc.stop();
      await db.drop();
    }
    const status = await proc.status;
    assert.equal(status.code, 0, "a clean stop under the same permissions");
  },
});
