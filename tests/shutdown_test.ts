/**
 * SIGINT (a terminal's Ctrl-C, and what some supervisors send) drains like SIGTERM and the
 * process is gone within PARLEY_DRAIN_TIMEOUT_MS of the signal whatever is pending: every open
 * socket gets its 1012, and peers that never answer the close handshake cannot hold the exit.
 * Runs on Postgres when DATABASE_URL is set, on the embedded database otherwise.
 */

import assert from "node:assert/strict";
import { freshDatabase } from "./helpers/database.ts";
import { figure } from "./helpers/faults.ts";
import { freePort } from "./helpers/pg_instance.ts";
import { jsonLines, spawnServer } from "./helpers/process.ts";
import { RawSocket } from "./helpers/raw_ws.ts";
import { TestSocket } from "./helpers/ws_client.ts";

const SOCKETS = 500;
const BUDGET_MS = 4000;

Deno.test({
  name: `SIGINT with ${SOCKETS} open sockets exits 0 within ${BUDGET_MS} ms of the signal, ` +
    "every socket closed with 1012",
  async fn() {
    const db = Deno.env.get("DATABASE_URL") ? await freshDatabase() : null;
    const dataDir = await Deno.makeTempDir({ prefix: "parley_shutdown_" });
    const env: Record<string, string> = db
      ? { DATABASE_URL: db.url }
      : { DATABASE_URL: "", DATA_DIR: dataDir };
    const proc = spawnServer(freePort(), { ...env, PARLEY_DRAIN_TIMEOUT_MS: String(BUDGET_MS) });
    const sockets: TestSocket[] = [];
    const silent: RawSocket[] = [];
    try {
      // A first start on the embedded database runs initdb, which takes a while on a busy machine.
      await proc.waitReady(120_000);
      const wsUrl = proc.url.replace(/^http/, "ws");
      for (let i = 0; i < SOCKETS; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: 50 }, () => TestSocket.open(`${wsUrl}/ws/visitor`)),
        );
        for (const s of batch) s.send({ type: "hello", site: "demo" });
        await Promise.all(batch.map((s) => s.nextOf("welcome", () => true, 20_000)));
        sockets.push(...batch);
      }
      // Peers on dead networks: they never answer the close handshake.
      silent.push(
        ...await Promise.all(
          Array.from({ length: 5 }, () => RawSocket.open(`${wsUrl}/ws/visitor`)),
        ),
      );
      const t0 = Date.now();
      proc.kill("SIGINT");
      const status = await proc.status;
      const exitMs = Date.now() - t0;
      const codes = await Promise.all(sockets.map((s) => s.closed.then((c) => c.code)));
      figure("sigint: exit after (ms)", exitMs);
      assert.equal(status.code, 0, proc.lines.slice(-10).join("\n"));
      assert.ok(exitMs < BUDGET_MS, `exited ${exitMs} ms after the signal`);
      const counts = new Map<number, number>();
      for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
      assert.deepEqual(Object.fromEntries(counts), { 1012: SOCKETS }, "every socket got 1012");
      const logs = jsonLines(proc.lines);
      assert.ok(logs.some((l) => l.msg === "draining" && l.signal === "SIGINT"));
    } finally {
      for (const s of sockets) s.ws.close();
      for (const s of silent) s.abort();
      await proc.dispose();
      await db?.drop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
