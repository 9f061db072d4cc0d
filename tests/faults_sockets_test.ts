/**
 * Sockets that misbehave at the transport level: a reader that stops reading (slow consumer),
 * peers that vanish without a close handshake (dead peers), and a graceful shutdown with a
 * thousand sockets open.
 */

import assert from "node:assert/strict";
import { createStore } from "../db/mod.ts";
import { freshDatabase } from "./helpers/database.ts";
import {
  faultTestsEnabled,
  figure,
  requirePostgres,
  rssOf,
  sleep,
  storedMessages,
} from "./helpers/faults.ts";
import { freePort } from "./helpers/pg_instance.ts";
import { jsonLines, spawnServer } from "./helpers/process.ts";
import { closeCode, RawSocket } from "./helpers/raw_ws.ts";
import { ADMIN, startTestServer } from "./helpers/server.ts";
import { TestSocket } from "./helpers/ws_client.ts";

const enabled = faultTestsEnabled("faults_sockets_test");
const pgOk = enabled && await requirePostgres("faults_sockets_test");

Deno.test({
  name: "a reader that stops reading cannot make the server buffer without bound; " +
    "it is closed with 4009 and resumes from its last seq",
  ignore: !pgOk,
  async fn() {
    const db = await freshDatabase();
    const cap = 256 * 1024;
    const proc = spawnServer(freePort(), {
      DATABASE_URL: db.url,
      PARLEY_MAX_BUFFERED_BYTES: String(cap),
    });
    const store = await createStore({ databaseUrl: db.url, dataDir: "/nonexistent" });
    const stalled: RawSocket[] = [];
    try {
      await proc.waitReady();
      const wsUrl = proc.url.replace(/^http/, "ws");
      // A conversation whose history page is large: 200 messages of 8,000 characters.
      const first = await RawSocket.open(`${wsUrl}/ws/visitor`);
      await first.sendText(JSON.stringify({ type: "hello", site: "demo" }));
      const welcome = await first.readJson((f) => f.type === "welcome");
      const token = String(welcome.token);
      const visitorId = String((welcome.visitor as { id: string }).id);
      first.abort();
      for (let i = 0; i < 200; i++) {
        await store.appendVisitorMessage({
          visitorId,
          clientId: `bulk-${i}`,
          body: `${i} ${"x".repeat(7990)}`,
        });
      }
      const page = 200 * 8000;
      const requestsPerSocket = 25;
      const sockets = 4;
      const before = await rssOf(proc.pid);
      for (let s = 0; s < sockets; s++) {
        const raw = await RawSocket.open(`${wsUrl}/ws/visitor`);
        await raw.sendText(JSON.stringify({ type: "hello", site: "demo", token, lastSeq: 200 }));
        await raw.readJson((f) => f.type === "welcome");
        // Ask for the whole history again and again, and never read the answers.
        for (let i = 0; i < requestsPerSocket; i++) {
          await raw.sendText(JSON.stringify({ type: "sync", afterSeq: 0, limit: 200 }));
        }
        stalled.push(raw);
      }
      await sleep(3000);
      const after = await rssOf(proc.pid);
      const requested = sockets * requestsPerSocket * page;
      figure("slow consumer: cap per socket (bytes)", cap);
      figure("slow consumer: history requested and never read (MB)", requested / 1e6);
      // RSS also holds the garbage of building the pages, so it is reported, not asserted; what
      // the reader still receives below is the direct measure of what the server buffered.
      figure("slow consumer: server RSS growth (MB)", ((after - before) / 1e6).toFixed(1));

      // The reader wakes up: it gets what was buffered, then the 4009 close, never the rest.
      const raw = stalled[0];
      let received = 0;
      let code = 0;
      for (;;) {
        const frame = await raw.readFrame(10_000);
        if (!frame) break;
        if (frame.opcode === 8) {
          code = closeCode(frame.payload);
          break;
        }
        received += frame.payload.length;
      }
      figure("slow consumer: bytes a stalled reader still got before 4009 (MB)", received / 1e6);
      assert.equal(code, 4009);
      assert.ok(received < requestsPerSocket * page / 2);

      // It resumes from its last seq on a new socket.
      const back = await TestSocket.open(`${wsUrl}/ws/visitor`);
      back.send({ type: "hello", site: "demo", token, lastSeq: 150 });
      const resumed = await back.nextOf("welcome");
      const seqs = (resumed.messages as { seq: number }[]).map((m) => m.seq);
      assert.deepEqual(seqs, Array.from({ length: 50 }, (_, i) => 151 + i));
      await back.close();
      const status = await Promise.race([proc.status, sleep(0).then(() => null)]);
      assert.equal(status, null, "the server is still running");
    } finally {
      for (const s of stalled) s.abort();
      await store.close();
      await proc.dispose();
      await db.drop();
    }
  },
});

Deno.test({
  name:
    "dead peers are found by the heartbeat within the documented time and their presence clears",
  ignore: !enabled,
  async fn() {
    const heartbeatMs = 400;
    const timeoutMs = 1200;
    const t = await startTestServer({
      env: {
        PARLEY_HEARTBEAT_MS: String(heartbeatMs),
        PARLEY_HEARTBEAT_TIMEOUT_MS: String(timeoutMs),
      },
    });
    try {
      const cookie = await t.login(ADMIN.email, ADMIN.password);
      const agent = await t.agentSocket(cookie);

      // A visitor whose connection goes silent: no reads, no pongs, no close handshake.
      const raw = await RawSocket.open(`${t.wsUrl}/ws/visitor`);
      await raw.sendText(JSON.stringify({ type: "hello", site: "demo" }));
      const silentAt = Date.now();
      const online = await agent.nextOf("visitor", (f) => (f.visitor as VisitorFrame).online);
      const id = (online.visitor as VisitorFrame).id;
      await agent.nextOf(
        "visitor",
        (f) => (f.visitor as VisitorFrame).id === id && !(f.visitor as VisitorFrame).online,
        20_000,
      );
      const visitorDetection = Date.now() - silentAt;
      figure("dead visitor: presence cleared after (ms)", visitorDetection);
      // Documented bound: timeout + one sweep tick (1 s) + the close grace (3 s).
      assert.ok(visitorDetection <= timeoutMs + 1000 + 3000 + 500, `${visitorDetection} ms`);

      // An agent whose connection goes silent: visitors see the online count drop.
      const watcher = await t.visitorSocket();
      const rawAgent = await RawSocket.open(`${t.wsUrl}/ws/agent`, { cookie });
      const agentSilentAt = Date.now();
      // The same agent's healthy tab leaves; the silent one alone keeps them "online".
      await agent.close();
      await watcher.nextOf("agents", (f) => f.online === 0, 20_000);
      const agentDetection = Date.now() - agentSilentAt;
      figure("dead agent: presence cleared after (ms)", agentDetection);
      assert.ok(agentDetection <= timeoutMs + 1000 + 3000 + 500, `${agentDetection} ms`);
      assert.equal(t.server.app.core.registry.all.size, 1, "only the watcher is left");
      await watcher.close();
      raw.abort();
      rawAgent.abort();
    } finally {
      await t.close();
    }
  },
});

interface VisitorFrame {
  id: string;
  online: boolean;
}

Deno.test({
  name: "SIGTERM with 1,000 open sockets: every socket gets 1012, in-flight writes finish, " +
    "exit 0 in under 5 s",
  ignore: !pgOk,
  async fn() {
    const db = await freshDatabase();
    const port = freePort();
    const env = { DATABASE_URL: db.url, PARLEY_MESSAGES_PER_SECOND: "50" };
    let proc = spawnServer(port, env);
    const sockets: TestSocket[] = [];
    try {
      await proc.waitReady();
      const wsUrl = proc.url.replace(/^http/, "ws");
      for (let i = 0; i < 1000; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: 50 }, () => TestSocket.open(`${wsUrl}/ws/visitor`)),
        );
        for (const s of batch) s.send({ type: "hello", site: "demo" });
        await Promise.all(batch.map((s) => s.nextOf("welcome", () => true, 20_000)));
        sockets.push(...batch);
      }
      // A few peers on dead networks: they never answer the close handshake.
      const silent = await Promise.all(
        Array.from({ length: 10 }, () => RawSocket.open(`${wsUrl}/ws/visitor`)),
      );
      // 200 visitors write one message each; SIGTERM lands while they are in flight.
      const writers = sockets.slice(0, 200);
      writers.forEach((s, i) =>
        s.send({ type: "message", clientId: `w${i}`, body: `in flight ${i}` })
      );
      await sleep(20);
      const t0 = Date.now();
      const allClosed = Promise.all(sockets.map((s) => s.closed)).then(() => Date.now() - t0);
      proc.kill("SIGTERM");
      const status = await proc.status;
      const exitMs = Date.now() - t0;
      const codes = await Promise.all(sockets.map((s) => s.closed.then((c) => c.code)));
      for (const s of silent) s.abort();
      figure("sigterm: sockets open", sockets.length + silent.length);
      figure("sigterm: every socket had its 1012 after (ms)", await allClosed);
      figure("sigterm: exit after (ms), waiting out the close grace of the 10 silent", exitMs);
      assert.equal(status.code, 0, "exit 0");
      assert.ok(exitMs < 5000, `exited in ${exitMs} ms`);
      const counts = new Map<number, number>();
      for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
      figure("sigterm: close codes", Object.fromEntries(counts));
      assert.deepEqual([...counts.keys()], [1012], "every socket got 1012");
      const logs = jsonLines(proc.lines);
      assert.ok(!logs.some((l) => l.msg === "drain timed out with writes in flight"));

      // Every acked write is stored; the rest are resent (same client id) after a restart.
      const acked = writers.filter((s) => s.all("ack").length > 0).length;
      figure("sigterm: in-flight writes acked before the close", acked);
      let rows = await storedMessages(db.url);
      figure("sigterm: in-flight writes stored before exit", rows.length);
      for (const s of writers) {
        for (const ack of s.all("ack")) assert.ok(rows.some((r) => r.id === ack.messageId));
      }
      proc = spawnServer(port, env);
      await proc.waitReady();
      await Promise.all(writers.map(async (s, i) => {
        const token = String(s.all("welcome")[0].token);
        const again = await TestSocket.open(`${wsUrl}/ws/visitor`);
        again.send({ type: "hello", site: "demo", token });
        await again.nextOf("welcome", () => true, 10_000);
        again.send({ type: "message", clientId: `w${i}`, body: `in flight ${i}` });
        await again.nextOf("ack", () => true, 10_000);
        await again.close();
      }));
      rows = await storedMessages(db.url);
      assert.equal(rows.length, 200, "each in-flight write stored exactly once");
      assert.equal(new Set(rows.map((r) => r.body)).size, 200);
    } finally {
      for (const s of sockets) s.ws.close();
      await proc.dispose();
      await db.drop();
    }
  },
});

Deno.test({
  name: "running out of file descriptors refuses new connections but never stops the server; " +
    "open sockets keep working and it accepts again once descriptors are free",
  ignore: !pgOk,
  async fn() {
    const db = await freshDatabase();
    const proc = spawnServer(freePort(), { DATABASE_URL: db.url });
    const sockets: TestSocket[] = [];
    try {
      await proc.waitReady();
      const wsUrl = proc.url.replace(/^http/, "ws");
      // A conversation already under way before descriptors run out: it holds its socket and
      // the pool holds a database connection, which must go on working. (A socket accepted
      // while descriptors are exhausted may well be refused at hello: the server cannot open
      // a database connection for it then, which it reports as retryable.)
      const first = await TestSocket.open(`${wsUrl}/ws/visitor`);
      sockets.push(first);
      first.send({ type: "hello", site: "demo" });
      await first.nextOf("welcome", () => true, 10_000);
      first.send({ type: "message", clientId: "fd-0", body: "before" });
      await first.nextOf("ack", () => true, 10_000);
      const limit = 300;
      const cmd = new Deno.Command("prlimit", {
        args: ["--pid", String(proc.pid), `--nofile=${limit}:${limit}`],
      });
      assert.equal((await cmd.output()).code, 0, "prlimit lowers the server's open-file limit");
      let refused = 0;
      await Promise.all(Array.from({ length: limit * 2 }, async () => {
        try {
          const s = await TestSocket.open(`${wsUrl}/ws/visitor`);
          sockets.push(s);
        } catch {
          refused++;
        }
      }));
      figure("out of descriptors: sockets accepted, refused", [sockets.length - 1, refused]);
      assert.ok(refused > 0, "the limit was reached");
      assert.ok(sockets.length > 1);

      // The conversation under way still works.
      first.send({ type: "message", clientId: "fd-1", body: "still here" });
      await first.nextOf("ack", () => true, 10_000);

      // Once descriptors are free again, it answers HTTP and accepts sockets. (While they are
      // still being released the listener may fail and come back once more: retry meanwhile.)
      for (const s of sockets.slice(1)) s.ws.close();
      await Promise.all(sockets.slice(1).map((s) => s.closed));
      const deadline = Date.now() + 15_000;
      let health = 0;
      let again: TestSocket | null = null;
      while (Date.now() < deadline && !again) {
        health = await fetch(`${proc.url}/healthz`).then(async (r) => {
          await r.body?.cancel();
          return r.status;
        }, () => 0);
        if (health === 200) again = await TestSocket.open(`${wsUrl}/ws/visitor`).catch(() => null);
        if (!again) await sleep(100);
      }
      assert.equal(health, 200, "healthz answers again");
      assert.ok(again, "a new socket is accepted again");
      sockets.push(again);
      again.send({ type: "hello", site: "demo" });
      await again.nextOf("welcome", () => true, 10_000);
      const logs = jsonLines(proc.lines);
      assert.ok(logs.some((l) => l.msg === "accepting connections failed; listening again"));
      assert.equal(proc.lines.some((l) => l.includes("Uncaught")), false, "no uncaught error");
    } finally {
      for (const s of sockets) s.ws.close();
      await proc.dispose();
      await db.drop();
    }
  },
});
