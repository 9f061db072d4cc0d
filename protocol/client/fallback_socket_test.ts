import assert from "node:assert/strict";
import {
  fallbackSocket,
  httpOrigin,
  hybridSocket,
  LOST_CLOSE,
  POST_RETRIES,
  POST_RETRY_MS,
  readEvents,
  UPGRADE_AFTER_MS,
  UPGRADE_CLOSE,
  WS_OPEN_MS,
} from "./fallback_socket.ts";
import { createSocket, type SocketHandlers } from "./socket.ts";
import { manualClock } from "./testing/clock.ts";
import { fakeSockets } from "./testing/socket.ts";
import { waitUntil } from "../../tests/helpers/wait.ts";

const utf8 = new TextEncoder();

/** A post the fake server received. */
interface Post {
  stream: string | null;
  n: number;
  frames: string[];
}

/**
 * A fake Parley behind `fetch`: each stream request gets a stream the test writes to; posts are
 * recorded and answered with the statuses queued in `postAnswers` (202 when empty; 0 = network
 * failure), or held until `release()` while `hold` is set.
 */
function fakeServer() {
  const streams: {
    url: string;
    method: string;
    write(text: string): void;
    end(): void;
    aborted(): boolean;
  }[] = [];
  const posts: Post[] = [];
  const postUrls: string[] = [];
  const postAnswers: number[] = [];
  let streamStatus = 200;
  let hold = false;
  const held: (() => void)[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    const url = String(input);
    if (url.endsWith("/fallback/visitor/stream")) {
      if (streamStatus !== 200) {
        return Promise.resolve(new Response("{}", { status: streamStatus }));
      }
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      let aborted = false;
      const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
      init?.signal?.addEventListener("abort", () => {
        aborted = true;
        try {
          controller.error(new DOMException("aborted", "AbortError"));
        } catch { /* already closed */ }
      });
      streams.push({
        url,
        method: init?.method ?? "GET",
        write: (text) => controller.enqueue(utf8.encode(text)),
        end: () => controller.close(),
        aborted: () => aborted,
      });
      return Promise.resolve(
        new Response(body, { headers: { "content-type": "text/event-stream" } }),
      );
    }
    postUrls.push(url);
    const headers = new Headers(init?.headers);
    posts.push({ stream: headers.get("x-parley-stream"), ...JSON.parse(String(init?.body)) });
    const answer = () => {
      const status = postAnswers.shift() ?? 202;
      if (status === 0) return Promise.reject(new TypeError("network error"));
      return Promise.resolve(new Response("{}", { status }));
    };
    if (!hold) return answer();
    return new Promise((resolve, reject) => held.push(() => answer().then(resolve, reject)));
  };
  return {
    fetch,
    streams,
    posts,
    postUrls,
    postAnswers,
    setStreamStatus: (status: number) => void (streamStatus = status),
    setHold: (on: boolean) => void (hold = on),
    release: () => held.splice(0).forEach((fn) => fn()),
    held: () => held.length,
    lastStream: () => streams[streams.length - 1],
  };
}

/** Handlers that record what a socket reports. */
function recorder() {
  const log = { opens: 0, messages: [] as string[], closes: [] as number[] };
  const on: SocketHandlers = {
    open: () => void log.opens++,
    message: (data) => void log.messages.push(data),
    close: (code) => void log.closes.push(code),
  };
  return { log, on };
}

const OPEN = `: ${" ".repeat(2048)}\n\nevent: open\ndata: {"stream":"i1.abc"}\n\n`;
const wait = (cond: () => boolean, what: string) =>
  waitUntil(cond, what, { timeoutMs: 10_000, everyMs: 1 });

Deno.test("httpOrigin() turns a socket URL into the origin the fallback posts to", () => {
  assert.equal(httpOrigin("wss://chat.example/ws/visitor"), "https://chat.example");
  assert.equal(httpOrigin("ws://127.0.0.1:8000/ws/visitor"), "http://127.0.0.1:8000");
});

Deno.test("readEvents() splits events at any chunk boundary and ignores comments and ids", async () => {
  const text =
    `: padding\r\n\r\nevent: open\r\ndata: {"stream":"s"}\r\n\r\nid: 7\ndata: {"body":"café ☕"}\n\n` +
    `: keep-alive\n\ndata: line one\ndata: line two\n\nevent: close\ndata: {"code":1012}\n\n` +
    `data: never finished`;
  const bytes = utf8.encode(text);
  const expected = [
    ["open", `{"stream":"s"}`],
    ["message", `{"body":"café ☕"}`],
    ["message", "line one\nline two"],
    ["close", `{"code":1012}`],
  ];
  // Every split point, one byte at a time too: inside lines, `\r\n` pairs and UTF-8 characters.
  for (const size of [1, 2, 3, 5, 7, 64, bytes.length]) {
    const events: string[][] = [];
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.slice(i, i + size));
        c.close();
      },
    });
    await readEvents(body, (event, data) => events.push([event, data]));
    assert.deepEqual(events, expected, `chunks of ${size} bytes`);
  }
});

Deno.test("fallbackSocket() opens on the stream's open event and passes frames on", async () => {
  const server = fakeServer();
  const { log, on } = recorder();
  fallbackSocket({ fetch: server.fetch, clock: manualClock() })("wss://chat.test/ws/visitor", on);
  await wait(() => server.streams.length === 1, "the stream is requested");
  const s = server.lastStream();
  assert.equal(s.url, "https://chat.test/fallback/visitor/stream");
  assert.equal(s.method, "POST");
  s.write(`data: {"type":"early"}\n\n`); // before open: not a frame of this socket
  s.write(OPEN.slice(0, 1000));
  s.write(OPEN.slice(1000) + `id: 3\ndata: {"type":"message"`);
  await wait(() => log.opens === 1, "open");
  s.write(`,"seq":3}\n\ndata: {"type":"ping"}\n`);
  s.write(`\n`);
  await wait(() => log.messages.length === 2, "two frames");
  assert.deepEqual(log.messages, [`{"type":"message","seq":3}`, `{"type":"ping"}`]);
  assert.deepEqual(log.closes, []);
});

Deno.test("fallbackSocket() posts frames one post at a time, with indexes, batching the queue", async () => {
  const server = fakeServer();
  const { log, on } = recorder();
  const socket = fallbackSocket({ fetch: server.fetch, clock: manualClock() })(
    "ws://chat.test/ws/visitor",
    on,
  );
  socket.send(`{"type":"hello"}`); // before the stream is known: waits for it
  await wait(() => server.streams.length === 1, "the stream is requested");
  assert.equal(server.posts.length, 0);
  server.setHold(true);
  server.lastStream().write(OPEN);
  await wait(() => server.held() === 1, "the first post");
  assert.equal(log.opens, 1);
  socket.send(`{"type":"message","clientId":"a"}`);
  socket.send(`{"type":"message","clientId":"b"}`);
  assert.equal(server.posts.length, 1, "one post at a time");
  server.setHold(false);
  server.release();
  await wait(() => server.posts.length === 2, "the second post");
  assert.deepEqual(server.posts, [
    { stream: "i1.abc", n: 0, frames: [`{"type":"hello"}`] },
    {
      stream: "i1.abc",
      n: 1,
      frames: [`{"type":"message","clientId":"a"}`, `{"type":"message","clientId":"b"}`],
    },
  ]);
  assert.deepEqual(server.postUrls, [
    "http://chat.test/fallback/visitor/frames",
    "http://chat.test/fallback/visitor/frames",
  ]);
  socket.send(`{"type":"read","seq":1}`);
  await wait(() => server.posts.length === 3, "the third post");
  assert.equal(server.posts[2].n, 3);
});

Deno.test("fallbackSocket() retries a failed post with the same indexes, then reports 1006", async () => {
  const clock = manualClock();
  const server = fakeServer();
  const { log, on } = recorder();
  const socket = fallbackSocket({ fetch: server.fetch, clock })("ws://x/ws/visitor", on);
  await wait(() => server.streams.length === 1, "the stream is requested");
  server.lastStream().write(OPEN);
  await wait(() => log.opens === 1, "open");

  // A network failure, then a 503: retried after 250 ms, then 500 ms, with the same body.
  server.postAnswers.push(0, 503);
  socket.send(`{"type":"hello"}`);
  await wait(() => clock.pending() === 1, "the first retry's wait");
  socket.send(`{"type":"read","seq":1}`); // queued meanwhile: goes in the next post
  clock.advance(POST_RETRY_MS);
  await wait(() => server.posts.length === 2 && clock.pending() === 1, "the second retry's wait");
  clock.advance(POST_RETRY_MS * 2);
  await wait(() => server.posts.length === 4, "the retried post, then the next");
  assert.deepEqual(server.posts.map((p) => [p.n, p.frames.length]), [[0, 1], [0, 1], [0, 1], [
    1,
    1,
  ]]);
  assert.deepEqual(log.closes, []);

  // Failing every time: the first try and POST_RETRIES retries, then 1006.
  server.postAnswers.push(...Array(POST_RETRIES + 1).fill(0));
  socket.send(`{"type":"ping"}`);
  for (let retry = 0; retry < POST_RETRIES; retry++) {
    await wait(() => clock.pending() === 1, `retry ${retry}'s wait`);
    clock.advance(POST_RETRY_MS * 2 ** retry);
  }
  await wait(() => log.closes.length === 1, "the close");
  assert.deepEqual(log.closes, [LOST_CLOSE]);
  assert.deepEqual(server.posts.slice(4).map((p) => p.n), Array(POST_RETRIES + 1).fill(2));
  assert.ok(server.lastStream().aborted(), "the stream is aborted");
});

Deno.test("fallbackSocket() treats a 404 post (no such stream) as the socket closing", async () => {
  const server = fakeServer();
  const { log, on } = recorder();
  const socket = fallbackSocket({ fetch: server.fetch, clock: manualClock() })("ws://x/w", on);
  await wait(() => server.streams.length === 1, "the stream is requested");
  server.lastStream().write(OPEN);
  await wait(() => log.opens === 1, "open");
  server.postAnswers.push(404);
  socket.send(`{"type":"hello"}`);
  await wait(() => log.closes.length === 1, "the close");
  assert.deepEqual(log.closes, [LOST_CLOSE]);
  assert.equal(server.posts.length, 1, "not retried");
  socket.send(`{"type":"ping"}`);
  assert.equal(server.posts.length, 1, "nothing sent after the close");
});

Deno.test("fallbackSocket() closes with the close event's code, or 1006 when the stream ends", async () => {
  for (
    const [tail, code] of [[`event: close\ndata: {"code":4001,"reason":"x"}\n\n`, 4001], [
      "",
      LOST_CLOSE,
    ]] as const
  ) {
    const server = fakeServer();
    const { log, on } = recorder();
    fallbackSocket({ fetch: server.fetch, clock: manualClock() })("ws://x/ws/visitor", on);
    await wait(() => server.streams.length === 1, "the stream is requested");
    server.lastStream().write(OPEN + tail);
    if (!tail) server.lastStream().end();
    await wait(() => log.closes.length === 1, "the close");
    assert.deepEqual(log.closes, [code]);
    assert.equal(log.opens, 1);
  }
});

Deno.test("fallbackSocket() reports 1006 when the stream is refused", async () => {
  for (const status of [404, 503]) {
    const server = fakeServer();
    server.setStreamStatus(status);
    const { log, on } = recorder();
    fallbackSocket({ fetch: server.fetch, clock: manualClock() })("ws://x/ws/visitor", on);
    await wait(() => log.closes.length === 1, "the close");
    assert.deepEqual(log.closes, [LOST_CLOSE]);
    assert.equal(log.opens, 0);
  }
});

Deno.test("fallbackSocket().close() aborts the stream and reports nothing", async () => {
  const server = fakeServer();
  const { log, on } = recorder();
  const socket = fallbackSocket({ fetch: server.fetch, clock: manualClock() })("ws://x/w", on);
  await wait(() => server.streams.length === 1, "the stream is requested");
  server.lastStream().write(OPEN);
  await wait(() => log.opens === 1, "open");
  socket.close(1000);
  assert.ok(server.lastStream().aborted());
  socket.send(`{"type":"ping"}`);
  assert.deepEqual(log.closes, []);
  assert.deepEqual(log.messages, []);
  assert.equal(server.posts.length, 0);
});

/** A hybrid over fake WebSockets and fake fallback sockets. */
function hybrid() {
  const clock = manualClock();
  const ws = fakeSockets();
  const fb = fakeSockets();
  const factory = hybridSocket({ webSocket: ws.factory, fallback: fb.factory, clock });
  return { clock, ws, fb, factory };
}

Deno.test("hybridSocket() uses a WebSocket that opens, and never the fallback", () => {
  const { ws, fb, factory } = hybrid();
  const { log, on } = recorder();
  const socket = factory("wss://x/ws/visitor", on);
  ws.last().open();
  ws.last().receive({ type: "welcome" });
  socket.send(`{"type":"ping"}`);
  assert.equal(log.opens, 1);
  assert.deepEqual(log.messages, [`{"type":"welcome"}`]);
  assert.deepEqual(ws.last().sent, [{ type: "ping" }]);
  ws.last().serverClose(1012);
  assert.deepEqual(log.closes, [1012]);
  assert.equal(fb.all.length, 0);
});

Deno.test("hybridSocket() falls back in the same attempt, then goes straight to it for 60 s", () => {
  const { clock, ws, fb, factory } = hybrid();
  const first = recorder();
  const socket = factory("wss://x/ws/visitor", first.on);
  ws.last().serverClose(1006); // the upgrade was refused
  assert.equal(fb.all.length, 1);
  assert.equal(fb.last().url, "wss://x/ws/visitor");
  fb.last().open();
  fb.last().receive({ type: "welcome" });
  socket.send(`{"type":"hello"}`);
  assert.deepEqual(fb.last().sent, [{ type: "hello" }]);
  assert.deepEqual([first.log.opens, first.log.messages.length, first.log.closes], [1, 1, []]);
  fb.last().serverClose(1012);
  assert.deepEqual(first.log.closes, [1012]);

  // Within 60 s of the failed WebSocket: the fallback at once.
  clock.advance(UPGRADE_AFTER_MS - 1);
  factory("wss://x/ws/visitor", recorder().on);
  assert.deepEqual([ws.all.length, fb.all.length], [1, 2]);
  fb.last().open();
  fb.last().serverClose(1012);
  // From then on, a WebSocket first again.
  clock.advance(1);
  factory("wss://x/ws/visitor", recorder().on);
  assert.deepEqual([ws.all.length, fb.all.length], [2, 2]);
});

Deno.test("hybridSocket() gives up on a WebSocket that does not open within 5 s", () => {
  const { clock, ws, fb, factory } = hybrid();
  const { log, on } = recorder();
  factory("wss://x/ws/visitor", on);
  clock.advance(WS_OPEN_MS - 1);
  assert.equal(fb.all.length, 0);
  clock.advance(1);
  assert.equal(ws.last().closedWith, 1000);
  assert.equal(fb.all.length, 1);
  ws.last().open(); // too late: ignored
  ws.last().serverClose(1006);
  assert.equal(log.opens, 0);
  fb.last().open();
  assert.equal(log.opens, 1);
  assert.deepEqual(log.closes, []);
});

Deno.test("hybridSocket() tries a WebSocket first again after a fallback that failed to open", () => {
  const { ws, fb, factory } = hybrid();
  const { log, on } = recorder();
  factory("wss://x/ws/visitor", on);
  ws.last().serverClose(1006);
  fb.last().serverClose(1006); // no fallback on this server, or it is down
  assert.deepEqual(log.closes, [1006]);
  factory("wss://x/ws/visitor", recorder().on);
  assert.deepEqual([ws.all.length, fb.all.length], [2, 1]);
});

Deno.test("hybridSocket() upgrades back in the background once a WebSocket opens again", () => {
  const { clock, ws, fb, factory } = hybrid();
  const { log, on } = recorder();
  factory("wss://x/ws/visitor", on);
  ws.last().serverClose(1006);
  fb.last().open();

  // A probe every 60 s while the fallback is open; a failed one changes nothing.
  clock.advance(UPGRADE_AFTER_MS);
  assert.equal(ws.all.length, 2);
  ws.last().serverClose(1006);
  assert.deepEqual(log.closes, []);
  assert.equal(fb.last().closedWith, undefined);
  clock.advance(UPGRADE_AFTER_MS - 1);
  assert.equal(ws.all.length, 2);
  clock.advance(1);
  assert.equal(ws.all.length, 3);

  // This one opens: the probe and the fallback close, the client hears 1012 and reconnects.
  ws.last().open();
  assert.equal(ws.last().closedWith, 1000);
  assert.equal(fb.last().closedWith, UPGRADE_CLOSE);
  assert.deepEqual(log.closes, [UPGRADE_CLOSE]);
  assert.equal(log.opens, 1, "the probe's open is not the socket's");
  fb.last().serverClose(1006); // late events of the closed fallback are not reported
  assert.deepEqual(log.closes, [UPGRADE_CLOSE]);

  // The reconnect goes to a WebSocket first.
  const next = recorder();
  factory("wss://x/ws/visitor", next.on);
  assert.deepEqual([ws.all.length, fb.all.length], [4, 1]);
  ws.last().open();
  assert.equal(next.log.opens, 1);
  clock.advance(UPGRADE_AFTER_MS * 3);
  assert.equal(ws.all.length, 4, "no probes over a WebSocket");
});

Deno.test("hybridSocket().close() closes whichever transport it uses and stops probing", () => {
  const { clock, ws, fb, factory } = hybrid();
  const { log, on } = recorder();
  const socket = factory("wss://x/ws/visitor", on);
  ws.last().serverClose(1006);
  fb.last().open();
  socket.close(1000);
  assert.equal(fb.last().closedWith, 1000);
  clock.advance(UPGRADE_AFTER_MS * 2);
  assert.equal(ws.all.length, 1);
  assert.deepEqual(log.closes, []);

  // Closed while its WebSocket is still trying (120 s after the failure): no fallback after.
  const other = factory("wss://x/ws/visitor", recorder().on);
  assert.equal(ws.all.length, 2);
  other.close(1000);
  assert.equal(ws.last().closedWith, 1000);
  ws.last().serverClose(1006);
  clock.advance(WS_OPEN_MS);
  assert.equal(fb.all.length, 1);
});

Deno.test("createSocket() over fallbackSocket(): hello first, ping answered, a new stream after 404", async () => {
  const clock = manualClock();
  const server = fakeServer();
  const states: string[] = [];
  const frames: string[] = [];
  const conn = createSocket<{ type: string }, { type: string; n?: number }>({
    url: "wss://chat.test/ws/visitor",
    decode: (text) => JSON.parse(text),
    hello: () => ({ type: "hello" }),
    onFrame: (f) => frames.push(f.type),
    onState: (s) => states.push(s),
    socket: fallbackSocket({ fetch: server.fetch, clock }),
    clock,
    random: () => 0,
  });
  conn.start();
  await wait(() => server.streams.length === 1, "the stream is requested");
  server.lastStream().write(OPEN + `data: {"type":"welcome","heartbeatMs":10000}\n\n`);
  await wait(() => conn.state === "connected", "connected");
  server.lastStream().write(`data: {"type":"ping"}\n\n`);
  await wait(() => server.posts.length === 2, "hello, then pong");
  assert.deepEqual(server.posts.map((p) => [p.n, p.frames]), [
    [0, [`{"type":"hello"}`]],
    [1, [`{"type":"pong"}`]],
  ]);
  assert.deepEqual(frames, ["welcome"]);

  server.postAnswers.push(404); // the stream's instance is gone
  assert.equal(conn.send({ type: "message", n: 1 }), true);
  await wait(() => conn.state !== "connected", "the socket closes");
  clock.advance(0);
  await wait(() => server.streams.length === 2, "a new stream");
  server.lastStream().write(OPEN.replace("i1.abc", "i2.def"));
  await wait(() => server.posts.length === 4, "hello on the new stream");
  assert.deepEqual(server.posts[3], { stream: "i2.def", n: 0, frames: [`{"type":"hello"}`] });
  assert.ok(server.streams[0].aborted());
  conn.stop();
  assert.ok(server.lastStream().aborted());
});
