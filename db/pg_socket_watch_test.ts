/**
 * The stall check on raw loopback sockets: a peer that answers keeps its socket, however long it
 * then stays idle; a peer that reads and never answers has its socket ended after the bound.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { SocketWatch } from "./pg_socket_watch.ts";
import { waitUntil } from "../tests/helpers/wait.ts";

/** A loopback server whose connections answer each chunk (`echo`) or swallow it. */
function server(echo: boolean): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(1024);
        try {
          for (;;) {
            const n = await conn.read(buf);
            if (n === null) return;
            if (echo) await conn.write(buf.subarray(0, n));
          }
        } catch {
          // Closed.
        }
      })();
    }
  })();
  return {
    port: listener.addr.port,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // Already closed.
        }
      }
      await serving.catch(() => {});
    },
  };
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((r) => socket.once("close", () => r()));
}

Deno.test("SocketWatch ends a socket that waits past the bound, never an answered idle one", async () => {
  const stallMs = 300;
  const stalls: number[] = [];
  const watch = new SocketWatch({ stallMs, onStall: (ms) => stalls.push(ms) });
  const answering = server(true);
  const silent = server(false);
  try {
    const ok = watch.open({ host: ["127.0.0.1"], port: [answering.port] });
    const stuck = watch.open({ host: ["127.0.0.1"], port: [silent.port] });
    const okClosed = closed(ok);
    const stuckClosed = closed(stuck);
    let okEnded = false;
    okClosed.then(() => okEnded = true);
    ok.write("ping");
    stuck.write("ping");
    const started = Date.now();
    await stuckClosed;
    const after = Date.now() - started;
    assert.ok(after >= stallMs, `ended after ${after} ms, before the bound`);
    assert.equal(stalls.length, 1, "one socket ended");
    // The answered socket stays open, idle, for several bounds.
    const idleSince = Date.now();
    await waitUntil(() => okEnded || Date.now() - idleSince > 4 * stallMs, "four bounds pass");
    assert.equal(okEnded, false, "an answered idle socket is kept");
    ok.destroy();
    await okClosed;
  } finally {
    watch.close();
    await answering.close();
    await silent.close();
  }
});

Deno.test("SocketWatch.destroyAll ends every socket it opened", async () => {
  const watch = new SocketWatch({ stallMs: Infinity });
  const answering = server(true);
  try {
    const sockets = [0, 1].map(() => watch.open({ host: ["127.0.0.1"], port: [answering.port] }));
    const ends = sockets.map(closed);
    assert.equal(watch.destroyAll(), 2);
    await Promise.all(ends);
  } finally {
    watch.close();
    await answering.close();
  }
});
