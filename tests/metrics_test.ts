/**
 * `GET /metrics` on a real server: the Prometheus text is served, and the values move with a real
 * visitor-to-agent exchange over WebSockets (sockets, messages stored and relayed, ack latency,
 * the queue, errors by code, responses by status). With `PARLEY_METRICS_TOKEN` set, a scrape
 * without the token is refused. Runs on PGlite, or on Postgres with `DATABASE_URL`.
 */

import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { TestSocket } from "./helpers/ws_client.ts";
import { waitUntil } from "./helpers/wait.ts";

/** One scrape: every sample by its series (`name{labels}` as written). */
type Samples = Map<string, number>;

/** Parses the text format's sample lines; comment lines are checked for HELP/TYPE pairs. */
function parse(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    const value = line.slice(space + 1);
    samples.set(line.slice(0, space), value === "+Inf" ? Infinity : Number(value));
  }
  return samples;
}

async function scrape(
  srv: TestServer,
  headers: Record<string, string> = {},
): Promise<{ res: Response; text: string }> {
  const res = await fetch(`${srv.url}/metrics`, { headers });
  return { res, text: await res.text() };
}

async function samples(srv: TestServer): Promise<Samples> {
  const { res, text } = await scrape(srv);
  assert.equal(res.status, 200, text);
  return parse(text);
}

/** A sample's value; fails when the series is missing (a renamed metric must fail here). */
function value(s: Samples, series: string): number {
  const v = s.get(series);
  assert.notEqual(v, undefined, `no series ${series} in the scrape`);
  return v as number;
}

Deno.test("metrics move with a visitor-to-agent exchange over real sockets", async () => {
  await using srv = await startTestServer();
  const { res, text } = await scrape(srv);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  for (const name of ["parley_sockets", "parley_ack_latency_seconds", "parley_queue_length"]) {
    assert.match(text, new RegExp(`^# HELP ${name} .+\\n# TYPE ${name} \\w+$`, "m"));
  }
  const before = parse(text);
  assert.ok(
    [...before.keys()].some((k) => k.startsWith('parley_build_info{version="0.12.0",commit="')),
  );
  assert.ok(value(before, "parley_db_pool_max") >= 1);
  assert.ok(value(before, "parley_process_resident_memory_bytes") > 0);
  assert.ok(value(before, "parley_process_uptime_seconds") > 0);

  const agent = await srv.adminSocket();
  const visitor = await srv.visitorSocket();
  await waitUntil(
    async () => value(await samples(srv), 'parley_sockets{kind="visitor"}') >= 1,
    "the visitor socket is counted",
  );
  const open = await samples(srv);
  assert.equal(value(open, 'parley_sockets{kind="agent"}'), 1);
  assert.equal(value(open, 'parley_sockets{kind="visitor"}'), 1);

  visitor.send({ type: "message", clientId: "v1", body: "Where is my parcel?" });
  await visitor.nextOf("ack", (f) => f.clientId === "v1");
  const queued = await agent.nextOf("message", (f) =>
    (f.message as { body: string }).body ===
      "Where is my parcel?");
  const conversationId = (queued.message as { conversationId: string }).conversationId;
  // The queue is read at most every few seconds: poll until the new conversation shows.
  await waitUntil(
    async () => value(await samples(srv), "parley_queue_length") >= 1,
    "the waiting conversation is in the queue length",
  );

  agent.send({ type: "accept", conversationId });
  agent.send({ type: "message", conversationId, clientId: "a1", body: "On its way" });
  await agent.nextOf("ack", (f) => f.clientId === "a1");
  await visitor.nextOf("message", (f) => (f.message as { body: string }).body === "On its way");

  // An unknown frame type is answered with an error frame, counted by its code.
  visitor.send({ type: "no-such-frame" });
  const error = await visitor.nextOf("error");
  assert.equal(error.code, "unknown_type");
  // And an HTTP error response by its code too, a refused socket upgrade included.
  await (await fetch(`${srv.url}/no-such-page`)).body?.cancel();
  await assert.rejects(TestSocket.open(`${srv.wsUrl}/ws/agent`));

  const after = await samples(srv);
  const delta = (series: string) => value(after, series) - (before.get(series) ?? 0);
  assert.ok(delta("parley_messages_stored_total") >= 2, "visitor message and reply stored");
  // Each message went to the agent's socket and the visitor's own: at least four frames.
  assert.ok(delta("parley_messages_relayed_total") >= 4, "messages relayed to both sockets");
  assert.ok(delta("parley_ack_latency_seconds_count") >= 2, "both acks timed");
  assert.equal(
    value(after, 'parley_ack_latency_seconds_bucket{le="+Inf"}'),
    value(after, "parley_ack_latency_seconds_count"),
  );
  assert.ok(value(after, "parley_ack_latency_seconds_sum") > 0);
  assert.ok(delta('parley_errors_total{code="unknown_type"}') >= 1);
  assert.ok(delta('parley_errors_total{code="not_found"}') >= 1);
  assert.ok(delta('parley_errors_total{code="unauthorized"}') >= 1, "refused upgrade counted");
  assert.ok(delta('parley_http_requests_total{status="200"}') >= 1);
  assert.ok(delta('parley_http_requests_total{status="404"}') >= 1);
  // The pool has opened a connection by now (PGlite's one is always there).
  assert.ok(
    value(after, 'parley_db_pool_connections{state="busy"}') +
        value(after, 'parley_db_pool_connections{state="idle"}') >= 1,
  );

  await visitor.close();
  await waitUntil(
    async () => value(await samples(srv), 'parley_sockets{kind="visitor"}') === 0,
    "the closed visitor socket is no longer counted",
  );
  await agent.close();
});

Deno.test("with PARLEY_METRICS_TOKEN a scrape needs the bearer token", async () => {
  const token = "metrics-token-0123456789abcdef";
  await using srv = await startTestServer({ env: { PARLEY_METRICS_TOKEN: token } });

  const none = await scrape(srv);
  assert.equal(none.res.status, 401);
  assert.equal(JSON.parse(none.text).error.code, "unauthorized");
  assert.ok(none.res.headers.get("x-request-id"));

  const wrong = await scrape(srv, { authorization: "Bearer not-the-token-at-all-000000" });
  assert.equal(wrong.res.status, 401);

  const right = await scrape(srv, { authorization: `Bearer ${token}` });
  assert.equal(right.res.status, 200);
  assert.match(right.text, /^parley_messages_stored_total 0$/m);
  // The refusals were counted as errors like any other.
  assert.match(right.text, /^parley_errors_total\{code="unauthorized"\} 2$/m);
});
