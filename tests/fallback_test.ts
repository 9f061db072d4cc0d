/**
 * The HTTP fallback of the visitor socket (docs/protocol.md, "HTTP fallback") against real
 * servers, with real HTTP clients reading the streamed body and real agent WebSockets: on PGlite
 * and on Postgres, then two instances on one Postgres relaying posts to each other.
 *
 * Postgres parts need `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`): skipped
 * when unreachable, a failure under `CI=true`.
 */

import assert from "node:assert/strict";
import { ADMIN, startTestServer, type TestServer } from "./helpers/server.ts";
import { freshDatabase, IN_CI, postgresReachable, SERVER_URL } from "./helpers/database.ts";
import { startClusterInstance } from "./helpers/cluster_instance.ts";
import { FallbackRefused, FallbackStream } from "./helpers/fallback_client.ts";
import { signIn } from "./helpers/parley_process.ts";
import { type Frame, TestSocket } from "./helpers/ws_client.ts";
import { waitUntil } from "./helpers/wait.ts";

const postgresUp = await postgresReachable();
if (!postgresUp && !IN_CI) {
  console.warn(
    `Postgres is not reachable at ${new URL(SERVER_URL).host}: skipping the fallback tests on ` +
      "Postgres (set DATABASE_URL, or CI=true to make this a failure)",
  );
}

const message = (f: Frame) => f.message as { seq: number; body: string; authorKind: string };

/** Opens a stream on `t`, says hello (site `demo` unless told) and waits for `welcome`. */
async function helloStream(
  url: string,
  hello: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ stream: FallbackStream; welcome: Frame }> {
  const stream = await FallbackStream.open(url, headers);
  const res = await stream.send({ type: "hello", site: "demo", ...hello });
  assert.equal(res.status, 202);
  return { stream, welcome: await stream.nextOf("welcome") };
}

for (const backend of ["pglite", "postgres"] as const) {
  const ignore = backend === "postgres" && !postgresUp && !IN_CI;
  let running: TestServer | null = null;
  const server = () => {
    if (!running) throw new Error("The test server is not running");
    return running;
  };
  Deno.test.beforeAll(async () => {
    if (!ignore) running = await startTestServer({ backend });
  });
  Deno.test.afterAll(async () => {
    await running?.close();
  });

  Deno.test({
    name: `fallback (${backend}): hello, a message acked after commit, seen once by the agent, ` +
      "replies live",
    ignore,
    async fn() {
      const t = server();
      const agent = await t.adminSocket();
      const opened = await fetch(`${t.url}/fallback/visitor/stream`, {
        method: "POST",
        headers: { origin: "https://shop.test" },
      });
      // The headers a buffering proxy and the widget's page need.
      assert.equal(opened.status, 200);
      assert.equal(opened.headers.get("content-type"), "text/event-stream; charset=utf-8");
      assert.equal(opened.headers.get("cache-control"), "no-cache, no-transform");
      assert.equal(opened.headers.get("x-accel-buffering"), "no");
      assert.equal(opened.headers.get("access-control-allow-origin"), "https://shop.test");
      await opened.body?.cancel();

      const { stream, welcome } = await helloStream(t.url);
      assert.equal(typeof welcome.token, "string");
      assert.equal(welcome.conversation, null);
      // The padding came first, then the open event.
      assert.ok(stream.comments[0].length >= 2046, "a 2 KiB padding comment opens the stream");
      assert.equal(stream.events[0].event, "open");

      const res = await stream.send({ type: "message", clientId: "fb-1", body: "Over HTTP" });
      assert.equal(res.status, 202);
      const ack = await stream.nextOf("ack");
      assert.equal(ack.clientId, "fb-1");
      assert.equal(ack.seq, 1);
      // The ack follows the commit.
      const stored = await t.store.getMessage(String(ack.conversationId), 1);
      assert.equal(stored?.body, "Over HTTP");
      // Message and ack events carry the seq as their SSE id.
      assert.ok(stream.events.some((e) => e.id === "1" && e.data.includes('"type":"ack"')));
      const conversationId = String(ack.conversationId);

      const seen = await agent.nextOf("message", (f) => message(f).body === "Over HTTP");
      assert.equal(message(seen).authorKind, "visitor");

      agent.send({ type: "accept", conversationId });
      await stream.nextOf("message", (f) => message(f).authorKind === "system");
      agent.send({ type: "message", conversationId, clientId: "fb-a1", body: "Hi, over SSE" });
      const reply = await stream.nextOf("message", (f) => message(f).body === "Hi, over SSE");
      assert.equal(message(reply).authorKind, "agent");

      // The agent saw the visitor's message once.
      await agent.roundTrip();
      assert.equal(agent.all("message").filter((f) => message(f).body === "Over HTTP").length, 1);

      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(metrics, /^parley_fallback_streams [1-9]/m);
      await stream.close();
      await agent.close();
    },
  });

  Deno.test({
    name: `fallback (${backend}): a retried post is not applied twice, posts out of order are ` +
      "applied in order",
    ignore,
    async fn() {
      const t = server();
      const agent = await t.adminSocket();
      const { stream } = await helloStream(t.url);
      const frame = (i: number) =>
        JSON.stringify({ type: "message", clientId: `ord-${i}`, body: `ordered ${i}` });

      // Index 0 was the hello. Frame 1 posted, then retried (its answer "lost").
      assert.equal((await stream.post(1, [frame(1)])).status, 202);
      assert.equal((await stream.post(1, [frame(1)])).status, 202);
      // Frames 4-5 overtake 2-3: held until the gap fills, then applied after them.
      const ahead = await stream.post(4, [frame(4), frame(5)]);
      assert.equal(ahead.status, 202);
      const behind = await fetch(`${t.url}/fallback/visitor/frames`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-parley-stream": stream.streamId },
        body: JSON.stringify({ n: 2, frames: [frame(2), frame(3)] }),
      });
      assert.equal(behind.status, 202);
      assert.deepEqual(await behind.json(), { next: 6 });

      const acks: number[] = [];
      for (let i = 1; i <= 5; i++) {
        const ack = await stream.nextOf("ack", (f) => f.clientId === `ord-${i}`);
        acks.push(Number(ack.seq));
      }
      assert.deepEqual(acks, [1, 2, 3, 4, 5]);
      stream.nextIndex = 6;
      await stream.roundTrip();
      assert.equal(stream.all("ack").length, 5, "each frame acknowledged once");
      const bodies: string[] = [];
      await waitUntil(() => {
        bodies.splice(0, bodies.length, ...agent.all("message").map((f) => message(f).body));
        return bodies.filter((b) => b.startsWith("ordered")).length >= 5;
      }, "the agent saw the five messages");
      await agent.roundTrip();
      assert.deepEqual(
        agent.all("message").map((f) => message(f).body).filter((b) => b.startsWith("ordered")),
        ["ordered 1", "ordered 2", "ordered 3", "ordered 4", "ordered 5"],
      );
      await stream.close();
      await agent.close();
    },
  });

  Deno.test({
    name: `fallback (${backend}): unknown streams are 404, bad posts 400, preflights allowed`,
    ignore,
    async fn() {
      const t = server();
      const post = (headers: Record<string, string>, body: unknown) =>
        fetch(`${t.url}/fallback/visitor/frames`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: "https://shop.test", ...headers },
          body: JSON.stringify(body),
        });
      const ping = JSON.stringify({ type: "ping" });
      const unknown = await post(
        { "x-parley-stream": `nowhere.${"A".repeat(22)}` },
        { n: 0, frames: [ping] },
      );
      assert.equal(unknown.status, 404);
      assert.equal((await unknown.json()).error.code, "not_found");
      assert.equal(unknown.headers.get("access-control-allow-origin"), "https://shop.test");
      const garbage = await post({ "x-parley-stream": "not a stream" }, { n: 0, frames: [ping] });
      assert.equal(garbage.status, 404);
      await garbage.body?.cancel();

      // A stream that ended is gone too.
      const { stream } = await helloStream(t.url);
      await stream.close();
      await waitUntil(
        async () => (await stream.post(1, [ping])).status === 404,
        "the ended stream is unknown",
      );

      const live = await FallbackStream.open(t.url);
      const id = { "x-parley-stream": live.streamId };
      for (
        const body of [
          { n: -1, frames: [ping] },
          { n: 0, frames: [] },
          { n: 0, frames: [{ type: "ping" }] },
          { n: 0, frames: Array.from({ length: 33 }, () => ping) },
        ]
      ) {
        const res = await post(id, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        await res.body?.cancel();
      }
      const noId = await post({}, { n: 0, frames: [ping] });
      assert.equal(noId.status, 400);
      await noId.body?.cancel();
      const tooLarge = await post(id, { n: 0, frames: ["x".repeat(70_000)] });
      assert.equal(tooLarge.status, 413);
      await tooLarge.body?.cancel();
      await live.close();

      for (const path of ["stream", "frames"]) {
        const pre = await fetch(`${t.url}/fallback/visitor/${path}`, {
          method: "OPTIONS",
          headers: {
            origin: "https://shop.test",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, x-parley-stream",
          },
        });
        assert.equal(pre.status, 204);
        assert.equal(pre.headers.get("access-control-allow-origin"), "https://shop.test");
        assert.match(pre.headers.get("access-control-allow-headers") ?? "", /x-parley-stream/);
        assert.match(pre.headers.get("access-control-allow-methods") ?? "", /POST/);
      }
    },
  });

  Deno.test({
    name: `fallback (${backend}): a page off the site's allow-list is refused with 4003`,
    ignore,
    async fn() {
      const t = server();
      const site = `fenced-${crypto.randomUUID().slice(0, 8)}`;
      await t.store.upsertSite({
        id: site,
        name: "Fenced",
        allowedOrigins: ["https://shop.test"],
      });
      const stream = await FallbackStream.open(t.url, { origin: "https://evil.test" });
      await stream.send({ type: "hello", site });
      const error = await stream.nextOf("error");
      assert.equal(error.code, "forbidden");
      assert.equal((await stream.closed)?.code, 4003);

      const allowed = await helloStream(t.url, { site }, { origin: "https://shop.test" });
      assert.equal(typeof allowed.welcome.token, "string");
      await allowed.stream.close();
    },
  });

  Deno.test({
    name: `fallback (${backend}): the end of the stream takes the visitor offline`,
    ignore,
    async fn() {
      const t = server();
      const agent = await t.adminSocket();
      const { stream, welcome } = await helloStream(t.url, {
        page: { url: "https://shop.test/fallback", title: "Fallback" },
      });
      const visitorId = (welcome.visitor as { id: string }).id;
      const isVisitor = (online: boolean) => (f: Frame) => {
        const v = f.visitor as { id: string; online: boolean };
        return v.id === visitorId && v.online === online;
      };
      await agent.nextOf("visitor", isVisitor(true));
      await stream.close();
      await agent.nextOf("visitor", isVisitor(false));
      await waitUntil(() => t.server.app.fallback.size === 0, "the stream is forgotten");
      await agent.close();
    },
  });

  Deno.test({
    name: `fallback (${backend}): a new stream resumes from lastSeq with only the missed messages`,
    ignore,
    async fn() {
      const t = server();
      const agent = await t.adminSocket();
      const first = await helloStream(t.url);
      await first.stream.send({ type: "message", clientId: "res-1", body: "Before the break" });
      const ack = await first.stream.nextOf("ack");
      const conversationId = String(ack.conversationId);
      agent.send({ type: "accept", conversationId });
      const joined = await first.stream.nextOf(
        "message",
        (f) => message(f).authorKind === "system",
      );
      const lastSeq = message(joined).seq;
      await first.stream.close();

      // Written while the visitor has no stream.
      for (const body of ["Missed one", "Missed two"]) {
        agent.send({ type: "message", conversationId, clientId: crypto.randomUUID(), body });
        await agent.nextOf("ack");
      }
      const second = await helloStream(t.url, {
        token: first.welcome.token,
        lastSeq,
      });
      assert.deepEqual(
        (second.welcome.messages as { body: string }[]).map((m) => m.body),
        ["Missed one", "Missed two"],
      );
      await second.stream.close();
      await agent.close();
    },
  });
}

Deno.test("fallback: rate limits and the sockets per address apply as on the socket", async () => {
  await using t = await startTestServer({
    backend: "pglite",
    env: { PARLEY_FRAME_BURST: "10", PARLEY_FRAMES_PER_SECOND: "1", PARLEY_SOCKETS_PER_IP: "2" },
  });
  const { stream } = await helloStream(t.url);
  const ping = JSON.stringify({ type: "ping" });
  // The hello took one frame of the burst: a post of 32 runs over it.
  assert.equal((await stream.post(1, Array.from({ length: 32 }, () => ping))).status, 202);
  const limited = await stream.nextOf("error");
  assert.equal(limited.code, "rate_limited");
  // A flood that does not slow down is closed as on a socket.
  await stream.post(33, Array.from({ length: 32 }, () => ping));
  assert.equal((await stream.closed)?.code, 4029);

  // Two streams per address: the third is refused until one ends.
  const a = await FallbackStream.open(t.url);
  const b = await FallbackStream.open(t.url);
  await assert.rejects(
    () => FallbackStream.open(t.url, { origin: "https://shop.test" }),
    (err: unknown) =>
      err instanceof FallbackRefused && err.status === 429 &&
      err.headers.get("access-control-allow-origin") === "https://shop.test",
  );
  await a.close();
  let c: FallbackStream | null = null;
  await waitUntil(async () => {
    c = await FallbackStream.open(t.url).catch(() => null);
    return c !== null;
  }, "a slot is free again");
  await b.close();
  await (c as FallbackStream | null)?.close();
});

Deno.test({
  name: "fallback: posts to another instance are relayed to the stream's, in order, once",
  ignore: !postgresUp && !IN_CI,
  async fn() {
    const db = await freshDatabase();
    const one = await startClusterInstance(db.url);
    const two = await startClusterInstance(db.url);
    let agent: TestSocket | null = null;
    let stream: FallbackStream | null = null;
    try {
      const cookie = await signIn(two.server.url, ADMIN.email, ADMIN.password);
      agent = await TestSocket.open(`${two.server.url.replace("http", "ws")}/ws/agent`, {
        cookie,
      });
      await agent.nextOf("welcome");
      // The stream is held by one; the hello reaches it through two.
      stream = await FallbackStream.open(one.server.url);
      assert.ok(stream.streamId.startsWith(`${one.server.app.fallback.deps.instanceId}.`));
      assert.equal(
        (await stream.sendVia(two.server.url, { type: "hello", site: "demo" })).status,
        202,
      );
      await stream.nextOf("welcome");

      const frame = (i: number) =>
        JSON.stringify({ type: "message", clientId: `rel-${i}`, body: `relayed ${i}` });
      // 1 through two, retried through two; 2-3 through one; 5 through two before 4 through one.
      assert.equal((await stream.post(1, [frame(1)], two.server.url)).status, 202);
      assert.equal((await stream.post(1, [frame(1)], two.server.url)).status, 202);
      assert.equal((await stream.post(2, [frame(2), frame(3)], one.server.url)).status, 202);
      const relayed = await stream.post(5, [frame(5)], two.server.url);
      assert.equal(relayed.status, 202);
      assert.equal((await stream.post(4, [frame(4)], one.server.url)).status, 202);

      for (let i = 1; i <= 5; i++) await stream.nextOf("ack", (f) => f.clientId === `rel-${i}`);
      stream.nextIndex = 6;
      await stream.roundTrip();
      assert.deepEqual(
        stream.all("ack").map((f) => [f.clientId, f.seq]),
        [1, 2, 3, 4, 5].map((i) => [`rel-${i}`, i]),
      );
      await waitUntil(
        () =>
          agent!.all("message").filter((f) => message(f).body.startsWith("relayed")).length >= 5,
        "the agent on the other instance saw the five messages",
      );
      await agent.roundTrip();
      assert.deepEqual(
        agent.all("message").map((f) => message(f).body).filter((b) => b.startsWith("relayed")),
        [1, 2, 3, 4, 5].map((i) => `relayed ${i}`),
      );
      // Every relayed row was taken.
      const left = await one.store.db.query("SELECT count(*)::int AS n FROM fallback_relay");
      assert.equal(left[0].n, 0);

      // A stream of an instance that is gone is unknown everywhere.
      const streamId = stream.streamId;
      await stream.close();
      stream = null;
      const gone = await fetch(`${two.server.url}/fallback/visitor/frames`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-parley-stream": `${crypto.randomUUID()}.${streamId.split(".")[1]}`,
        },
        body: JSON.stringify({ n: 0, frames: ['{"type":"ping"}'] }),
      });
      assert.equal(gone.status, 404);
      await gone.body?.cancel();
    } finally {
      await stream?.close();
      await agent?.close();
      await two.close();
      await one.close();
      await db.drop();
    }
  },
});
