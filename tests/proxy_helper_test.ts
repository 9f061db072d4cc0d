/**
 * The test reverse proxy (`tests/helpers/proxy.ts`) against a small target of its own, then in
 * front of a real Parley: what it forwards, that a stream passes live (or held, when it
 * buffers), that it refuses or passes WebSocket upgrades and can switch at runtime. Every wait
 * ends on an event or a deadline; a proxy that holds what it should pass fails by the deadline.
 *
 * @module
 */

import assert from "node:assert/strict";
import { browserAvailable, launchBrowser } from "./helpers/browser.ts";
import { PRESERVES_WEBSOCKET_HOST, startProxy, TRUSTED_PROXY_ENV } from "./helpers/proxy.ts";
import { RawSocket } from "./helpers/raw_ws.ts";
import { startTestServer } from "./helpers/server.ts";
import { PATIENCE_MS, waitUntil } from "./helpers/wait.ts";
import { TestSocket } from "./helpers/ws_client.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Resolves as `p` does, or rejects once `ms` have passed without it. */
async function within<T>(p: Promise<T>, what: string, ms = PATIENCE_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A response body the test writes into, chunk by chunk. */
interface TestStream {
  push(text: string): void;
  end(): void;
  /** Resolves when the reader went away (the proxy cancelled the body). */
  cancelled: Promise<void>;
}

/** What the target saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: Headers;
  upgrade: boolean;
}

/** A small target: echoes, streams the test controls, WebSockets, refusals. */
function startTarget() {
  const seen: Seen[] = [];
  const streams: TestStream[] = [];
  const streamWaiters: ((s: TestStream) => void)[] = [];
  const socketCloses: { code: number; reason: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const upgrade = req.headers.get("upgrade")?.toLowerCase() === "websocket";
    seen.push({ method: req.method, url: req.url, headers: new Headers(req.headers), upgrade });
    switch (url.pathname) {
      case "/echo": {
        const body = req.body ? await req.text() : "";
        const headers = new Headers({ "content-type": "application/json", "x-target": "yes" });
        headers.append("set-cookie", "a=1; Path=/");
        headers.append("set-cookie", "b=2; Path=/");
        return new Response(JSON.stringify({ method: req.method, body }), { status: 201, headers });
      }
      case "/redirect":
        return new Response(null, { status: 302, headers: { location: "/echo" } });
      case "/stream": {
        let controller!: ReadableStreamDefaultController<Uint8Array>;
        let cancelled!: () => void;
        const s: TestStream = {
          push: (text) => controller.enqueue(enc.encode(text)),
          end: () => controller.close(),
          cancelled: new Promise<void>((r) => cancelled = r),
        };
        const body = new ReadableStream<Uint8Array>({
          start: (c) => {
            controller = c;
          },
          cancel: () => cancelled(),
        });
        const waiter = streamWaiters.shift();
        if (waiter) waiter(s);
        else streams.push(s);
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      }
      case "/page":
        return new Response("<!doctype html><title>Behind the proxy</title>", {
          headers: { "content-type": "text/html; charset=utf-8" },
        });
      case "/busy":
        return new Response("busy", { status: 429 });
      case "/ws": {
        if (!upgrade) return new Response("Expected a WebSocket upgrade", { status: 400 });
        const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: 0 });
        socket.onopen = () => socket.send("hello from the target");
        socket.onmessage = (e) => {
          const m = /^close:(\d+)$/.exec(typeof e.data === "string" ? e.data : "");
          if (m) socket.close(Number(m[1]), "bye");
          else socket.send(e.data);
        };
        socket.onclose = (e) => socketCloses.push({ code: e.code, reason: e.reason });
        return response;
      }
    }
    return new Response("Not found", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    socketCloses,
    /** The next `/stream` response the target opened. */
    nextStream(): Promise<TestStream> {
      const s = streams.shift();
      if (s) return Promise.resolve(s);
      return new Promise((r) => streamWaiters.push(r));
    },
    close: () => server.shutdown(),
  };
}

/** A Deno WebSocket client that queues what it receives. */
function openSocket(url: string) {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const received: (string | ArrayBuffer)[] = [];
  const waiters: (() => void)[] = [];
  ws.onmessage = (e: MessageEvent<string | ArrayBuffer>) => {
    received.push(e.data);
    for (const w of waiters.splice(0)) w();
  };
  const closed = new Promise<{ code: number; reason: string }>((r) => {
    ws.onclose = (e) => r({ code: e.code, reason: e.reason });
  });
  const opened = new Promise<boolean>((r) => {
    ws.onopen = () => r(true);
    ws.onerror = () => r(false);
  });
  return {
    ws,
    opened,
    closed,
    /** The next message, in order. */
    async next(): Promise<string | ArrayBuffer> {
      while (received.length === 0) {
        await within(new Promise<void>((r) => waiters.push(r)), "a WebSocket message");
      }
      return received.shift()!;
    },
  };
}

Deno.test("proxy forwards method, path, query, headers and body, and answers as the target did", async () => {
  const target = startTarget();
  await using proxy = startProxy({ target: target.url });
  try {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode("part one, "));
        c.enqueue(enc.encode("part two"));
        c.close();
      },
    });
    const res = await fetch(`${proxy.url}/echo?a=1&b=two`, {
      method: "POST",
      body,
      headers: {
        "content-type": "text/plain",
        "x-custom": "kept",
        "x-forwarded-for": "6.6.6.6",
        // A header the client names as hop-by-hop is the proxy's alone.
        connection: "x-hop",
        "x-hop": "dropped",
      },
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("x-target"), "yes");
    assert.deepEqual(res.headers.getSetCookie(), ["a=1; Path=/", "b=2; Path=/"]);
    assert.deepEqual(await res.json(), { method: "POST", body: "part one, part two" });

    const got = target.seen.at(-1)!;
    const url = new URL(got.url);
    assert.equal(url.pathname + url.search, "/echo?a=1&b=two");
    // The client's Host, port included, as nginx's `Host $http_host`.
    assert.equal(got.headers.get("host"), `127.0.0.1:${proxy.port}`);
    assert.equal(got.headers.get("x-custom"), "kept");
    assert.equal(got.headers.get("x-hop"), null);
    // nginx's $proxy_add_x_forwarded_for: the client's list, then the address the proxy saw.
    assert.equal(got.headers.get("x-forwarded-for"), "6.6.6.6, 127.0.0.1");
    assert.equal(got.headers.get("x-forwarded-proto"), "http");
    assert.equal(got.headers.get("accept-encoding"), "identity");

    // Redirects are passed on, not followed.
    const redirect = await fetch(`${proxy.url}/redirect`, { redirect: "manual" });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get("location"), "/echo");
    await redirect.body?.cancel();
    assert.equal(proxy.stats.paths.get("/echo"), 1);
    assert.equal(proxy.stats.paths.get("/redirect"), 1);
  } finally {
    await target.close();
  }
  // The target gone: 502, as nginx answers.
  const res = await fetch(`${proxy.url}/echo`);
  assert.equal(res.status, 502);
  await res.body?.cancel();
});

Deno.test("proxy passes a streamed response live and cancels it at the target when the client leaves", async () => {
  const target = startTarget();
  await using proxy = startProxy({ target: target.url });
  try {
    const res = await fetch(`${proxy.url}/stream`);
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const reader = res.body!.getReader();
    const stream = await within(target.nextStream(), "the target's stream");
    // Each event is written only once the previous one reached the client: a proxy that held
    // them would never deliver the first, and the read would time out.
    for (let i = 0; i < 5; i++) {
      const event = `data: ${i}\n\n`;
      stream.push(event);
      const { value } = await within(reader.read(), `event ${i} through the proxy`);
      assert.equal(dec.decode(value), event);
    }
    assert.equal(proxy.stats.openStreams, 1);
    await reader.cancel();
    await within(stream.cancelled, "the target's stream to be cancelled");
    await waitUntil(() => proxy.stats.openStreams === 0, "the proxy let go of the stream");
    assert.equal(proxy.stats.releases, 0);
  } finally {
    await target.close();
  }
});

Deno.test("proxy with bufferMs holds response bytes and releases them together", async () => {
  const bufferMs = 500;
  const target = startTarget();
  await using proxy = startProxy({ target: target.url, bufferMs });
  try {
    const res = await fetch(`${proxy.url}/stream`);
    const reader = res.body!.getReader();
    const stream = await within(target.nextStream(), "the target's stream");
    /** Reads until `want` arrived; returns the arrival time of its first and last bytes. */
    const readUntil = async (want: string) => {
      let text = "";
      let first = 0;
      let last = 0;
      while (text.length < want.length) {
        const { value, done } = await within(reader.read(), `"${want}" through the proxy`);
        assert.ok(!done, `the stream ended before "${want}"`);
        last = performance.now();
        if (text === "") first = last;
        text += dec.decode(value);
      }
      assert.equal(text, want);
      return { first, last };
    };

    // Two events written together: neither comes before bufferMs, both come in one release.
    let wrote = performance.now();
    stream.push("data: 1\n\n");
    stream.push("data: 2\n\n");
    const burst = await readUntil("data: 1\n\ndata: 2\n\n");
    // Timers never fire early; a millisecond of slack for clock rounding.
    assert.ok(burst.first - wrote >= bufferMs - 1, `held ${burst.first - wrote} ms`);
    assert.ok(burst.last - burst.first < bufferMs, "both events came in the same release");

    // The next one is held again.
    wrote = performance.now();
    stream.push("data: 3\n\n");
    const next = await readUntil("data: 3\n\n");
    assert.ok(next.first - wrote >= bufferMs - 1, `held ${next.first - wrote} ms`);
    assert.ok(proxy.stats.releases >= 2);

    // The end of the response releases what is held, and ends it.
    stream.push("data: 4\n\n");
    stream.end();
    await readUntil("data: 4\n\n");
    assert.equal((await within(reader.read(), "the end of the stream")).done, true);
    await waitUntil(() => proxy.stats.openStreams === 0, "the proxy let go of the stream");
  } finally {
    await target.close();
  }
});

Deno.test("proxy with refuseUpgrade forwards the upgrade as a plain GET, so the WebSocket fails", async () => {
  const target = startTarget();
  await using proxy = startProxy({ target: target.url, refuseUpgrade: true });
  try {
    const socket = openSocket(`${proxy.wsUrl}/ws`);
    assert.equal(await within(socket.opened, "the WebSocket to fail"), false);
    await within(socket.closed, "the close event");
    assert.equal(proxy.stats.upgradesRefused, 1);
    assert.equal(proxy.stats.upgradesPassed, 0);
    // What the target got: a GET without Upgrade or Connection: upgrade (nginx keeps the
    // end-to-end Sec-WebSocket-* headers).
    const got = target.seen.at(-1)!;
    assert.equal(got.method, "GET");
    assert.equal(got.upgrade, false);
    assert.equal(got.headers.get("upgrade"), null);
    assert.doesNotMatch(got.headers.get("connection") ?? "", /upgrade/i);
    assert.notEqual(got.headers.get("sec-websocket-key"), null);
    // The target's 400 is what the client gets.
    await assert.rejects(RawSocket.open(`${proxy.wsUrl}/ws`), /400/);
    // Ordinary HTTP still passes.
    const res = await fetch(`${proxy.url}/echo`);
    assert.equal(res.status, 201);
    await res.body?.cancel();
  } finally {
    await target.close();
  }
});

Deno.test("proxy passes WebSockets: messages, headers and close codes both ways", async () => {
  const target = startTarget();
  await using proxy = startProxy({ target: target.url });
  try {
    const a = openSocket(`${proxy.wsUrl}/ws?x=1`);
    assert.equal(await within(a.opened, "the proxied WebSocket to open"), true);
    // The target spoke first, before the client's side was open: nothing lost.
    assert.equal(await a.next(), "hello from the target");
    a.ws.send("text");
    assert.equal(await a.next(), "text");
    a.ws.send(new Uint8Array([1, 2, 3]));
    assert.deepEqual(new Uint8Array((await a.next()) as ArrayBuffer), new Uint8Array([1, 2, 3]));
    const got = target.seen.at(-1)!;
    assert.equal(got.upgrade, true);
    assert.equal(new URL(got.url).search, "?x=1");
    const host = PRESERVES_WEBSOCKET_HOST ? proxy.port : new URL(target.url).port;
    assert.equal(got.headers.get("host"), `127.0.0.1:${host}`);
    assert.equal(got.headers.get("x-forwarded-for"), "127.0.0.1");
    assert.equal(proxy.stats.openSockets, 1);

    // The target's close code reaches the client: an application code, then a restart (1012).
    a.ws.send("close:4001");
    assert.deepEqual(await within(a.closed, "the client to see the close"), {
      code: 4001,
      reason: "bye",
    });
    const b = openSocket(`${proxy.wsUrl}/ws`);
    await within(b.opened, "a second socket");
    b.ws.send("close:1012");
    assert.equal((await within(b.closed, "the client to see 1012")).code, 1012);

    // The client's close code reaches the target.
    const c = openSocket(`${proxy.wsUrl}/ws`);
    await within(c.opened, "a third socket");
    const before = target.socketCloses.length;
    c.ws.close(4002, "leaving");
    await within(c.closed, "the client's close");
    await waitUntil(() => target.socketCloses.length > before, "the target saw the close");
    assert.deepEqual(target.socketCloses.at(-1), { code: 4002, reason: "leaving" });
    await waitUntil(() => proxy.stats.openSockets === 0, "every proxied socket closed");
    assert.equal(proxy.stats.upgradesPassed, 3);
  } finally {
    await target.close();
  }
});

Deno.test("proxy passes on the status of an upgrade the target refused", async () => {
  const target = startTarget();
  await using proxy = startProxy({ target: target.url });
  try {
    await assert.rejects(RawSocket.open(`${proxy.wsUrl}/busy`), /429/);
    assert.equal(proxy.stats.upgradesFailed, 1);
  } finally {
    await target.close();
  }
});

Deno.test("proxy switches upgrade refusal at runtime; sockets already open stay open", async () => {
  const target = startTarget();
  await using proxy = startProxy({ target: target.url, refuseUpgrade: true });
  try {
    const refused = openSocket(`${proxy.wsUrl}/ws`);
    assert.equal(await within(refused.opened, "a refused socket"), false);

    proxy.setRefuseUpgrade(false);
    assert.equal(proxy.refusingUpgrades, false);
    const passed = openSocket(`${proxy.wsUrl}/ws`);
    assert.equal(await within(passed.opened, "a passed socket"), true);
    assert.equal(await passed.next(), "hello from the target");

    proxy.setRefuseUpgrade(true);
    const again = openSocket(`${proxy.wsUrl}/ws`);
    assert.equal(await within(again.opened, "a refused socket again"), false);
    // The one opened while upgrades passed still carries messages.
    passed.ws.send("still here");
    assert.equal(await passed.next(), "still here");
    assert.equal(proxy.stats.upgradesRefused, 2);
    assert.equal(proxy.stats.upgradesPassed, 1);
    passed.ws.close(1000);
    await within(passed.closed, "the passed socket to close");
  } finally {
    await target.close();
  }
});

Deno.test("proxy in front of Parley: the visitor socket refused or passed, client addresses trusted", async () => {
  const t = await startTestServer({ env: { ...TRUSTED_PROXY_ENV, PARLEY_SOCKETS_PER_IP: "2" } });
  const refusing = startProxy({ target: t.url, refuseUpgrade: true });
  // Two clients behind one nginx each, as Parley should see them.
  const shopA = startProxy({ target: t.url, forwardedFor: "203.0.113.9" });
  const shopB = startProxy({ target: t.url, forwardedFor: "198.51.100.4" });
  const open: TestSocket[] = [];
  let serverClosed = false;
  const visitor = async (base: string) => {
    const s = await TestSocket.open(`${base}/ws/visitor`);
    open.push(s);
    s.send({ type: "hello", site: "demo" });
    await s.nextOf("welcome");
    return s;
  };
  try {
    // Parley answers the plain GET with 400: the socket never opens; HTTP still passes.
    await assert.rejects(TestSocket.open(`${refusing.wsUrl}/ws/visitor`));
    await assert.rejects(RawSocket.open(`${refusing.wsUrl}/ws/visitor`), /400/);
    const health = await fetch(`${refusing.url}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();

    // Through a passing proxy the socket works; PARLEY_SOCKETS_PER_IP counts the address the
    // proxy forwarded, not the proxy's own.
    await visitor(shopA.wsUrl);
    await visitor(shopA.wsUrl);
    await assert.rejects(RawSocket.open(`${shopA.wsUrl}/ws/visitor`), /429/);
    const b = await visitor(shopB.wsUrl);

    // Parley's restart close (1012) reaches the client through the proxy.
    serverClosed = true;
    await t.close();
    assert.equal((await within(b.closed, "the drain to close the socket")).code, 1012);
  } finally {
    await Promise.all(open.map((s) => s.close()));
    await Promise.all([refusing.close(), shopA.close(), shopB.close()]);
    if (!serverClosed) await t.close();
  }
});

Deno.test("proxy close() ends open streams and sockets", async () => {
  const target = startTarget();
  const proxy = startProxy({ target: target.url, bufferMs: 200 });
  try {
    const res = await fetch(`${proxy.url}/stream`);
    const reader = res.body!.getReader();
    const stream = await within(target.nextStream(), "the target's stream");
    stream.push("data: held\n\n");
    const socket = openSocket(`${proxy.wsUrl}/ws`);
    assert.equal(await within(socket.opened, "the proxied socket"), true);

    await within(proxy.close(), "the proxy to close");
    assert.equal((await within(socket.closed, "the socket to close")).code, 1001);
    // The response ends (what was held comes first) and the target's side is let go.
    let text = "";
    for (;;) {
      const { value, done } = await within(reader.read(), "the stream to end");
      if (done) break;
      text += dec.decode(value);
    }
    assert.equal(text, "data: held\n\n");
    await within(stream.cancelled, "the target's stream to be cancelled");
    assert.equal(proxy.stats.openStreams, 0);
  } finally {
    await target.close();
  }
});

Deno.test({
  name: "proxy in Chromium: the WebSocket fails while refused, opens once passed; SSE is live",
  ignore: !browserAvailable(),
  async fn() {
    const target = startTarget();
    await using proxy = startProxy({ target: target.url, refuseUpgrade: true });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${proxy.url}/page`);
      const tryWebSocket = () =>
        page.evaluate(() =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(`ws://${location.host}/ws`);
            ws.onmessage = (e) => {
              resolve(String(e.data));
              ws.close();
            };
            ws.onerror = () => resolve("error");
          })
        );
      assert.equal(await within(tryWebSocket(), "a refused WebSocket in Chromium"), "error");
      proxy.setRefuseUpgrade(false);
      assert.equal(
        await within(tryWebSocket(), "a passed WebSocket in Chromium"),
        "hello from the target",
      );

      // An EventSource through the proxy gets each event before the next is written.
      await page.evaluate(() => {
        const events: string[] = [];
        Object.assign(globalThis, { events });
        new EventSource("/stream").onmessage = (e) => events.push(String(e.data));
      });
      const stream = await within(target.nextStream(), "the EventSource's stream");
      for (let i = 0; i < 3; i++) {
        stream.push(`data: event ${i}\n\n`);
        await page.waitForFunction(
          (n) => (globalThis as unknown as { events: string[] }).events.length === n,
          i + 1,
          { timeout: PATIENCE_MS },
        );
      }
      const events = await page.evaluate(() =>
        (globalThis as unknown as { events: string[] }).events
      );
      assert.deepEqual(events, ["event 0", "event 1", "event 2"]);
      await page.close();
      await within(stream.cancelled, "the page's stream to be cancelled at the target");
    } finally {
      await browser.close();
      await target.close();
    }
  },
});
