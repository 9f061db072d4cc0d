/**
 * Request ids and the access log on a real server: every response carries `X-Request-Id` (the
 * client's when it is a plain token, else a fresh one), errors, static assets and socket upgrades
 * included; each request is one JSON line at info with its method, path (never the query),
 * status, time, id and address; probes and `/metrics` log at debug only; and `LOG_LEVEL=debug`
 * adds socket and frame lines without bodies.
 */

import assert from "node:assert/strict";
import { createLogger } from "../server/logger.ts";
import { type CustomServer, startCustomServer } from "./helpers/custom_server.ts";
import { rawRequest } from "./helpers/raw_http.ts";
import { TestSocket } from "./helpers/ws_client.ts";
import { waitUntil } from "./helpers/wait.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Line = Record<string, unknown>;

/** A server whose log lines (parsed) are collected in `lines`. */
async function serverWithLog(
  level: "info" | "debug",
): Promise<CustomServer & { lines: Line[]; raw: string[] }> {
  const raw: string[] = [];
  const lines: Line[] = [];
  const srv = await startCustomServer({
    log: createLogger(level, {}, (line) => {
      raw.push(line);
      lines.push(JSON.parse(line));
    }),
  });
  return Object.assign(srv, { lines, raw });
}

/** The access line of the request with `requestId`. */
function accessLine(lines: Line[], requestId: string): Line | undefined {
  return lines.find((l) => l.msg === "request" && l.requestId === requestId);
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { headers });
  await res.body?.cancel();
  return res;
}

Deno.test("at info: ids on every response, one line per request, probes left out", async () => {
  const srv = await serverWithLog("info");
  try {
    // A client's own id is kept and logged with the request.
    const own = await get(`${srv.url}/api/agent/me`, { "x-request-id": "edge-42.a:b_c-d" });
    assert.equal(own.status, 401);
    assert.equal(own.headers.get("x-request-id"), "edge-42.a:b_c-d");
    const line = accessLine(srv.lines, "edge-42.a:b_c-d");
    assert.ok(line, "the request was logged");
    assert.equal(line.level, "info");
    assert.equal(line.method, "GET");
    assert.equal(line.path, "/api/agent/me");
    assert.equal(line.status, 401);
    assert.equal(typeof line.ms, "number");
    assert.equal(line.ip, "127.0.0.1");
    assert.equal(typeof line.time, "string");

    // An id that is not a plain token is replaced; the query string never reaches the log.
    const odd = await get(`${srv.url}/nowhere?token=query-secret-123`, {
      "x-request-id": 'has spaces and "quotes"',
    });
    assert.equal(odd.status, 404);
    const generated = odd.headers.get("x-request-id") ?? "";
    assert.match(generated, UUID);
    assert.equal(accessLine(srv.lines, generated)?.path, "/nowhere");
    assert.ok(!srv.raw.some((l) => l.includes("query-secret-123")), "no query string logged");

    // Without an id, each response gets a different one: static assets and a refused upgrade too.
    const asset = await get(`${srv.url}/widget.js`);
    const asset2 = await get(`${srv.url}/widget.js`);
    assert.match(asset.headers.get("x-request-id") ?? "", UUID);
    assert.notEqual(asset.headers.get("x-request-id"), asset2.headers.get("x-request-id"));
    const notUpgrade = await get(`${srv.url}/ws/visitor`);
    assert.equal(notUpgrade.status, 400);
    assert.match(notUpgrade.headers.get("x-request-id") ?? "", UUID);
    const upgradeHeaders = {
      host: new URL(srv.url).host,
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-version": "13",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    };
    const refused = await rawRequest(srv.url, "GET", "/ws/agent", {
      ...upgradeHeaders,
      "x-request-id": "refused-upgrade-1",
    });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get("x-request-id"), "refused-upgrade-1");
    assert.equal(accessLine(srv.lines, "refused-upgrade-1")?.status, 401);
    // An accepted upgrade carries it too.
    const accepted = await rawRequest(srv.url, "GET", "/ws/visitor", {
      ...upgradeHeaders,
      "x-request-id": "accepted-upgrade-1",
    });
    assert.equal(accepted.status, 101);
    // Deno 2.5 (Deno Deploy's) sends a 101 without the headers added to the upgrade's response.
    const [major, minor] = Deno.version.deno.split(".").map(Number);
    if (major > 2 || minor >= 9) {
      assert.equal(accepted.headers.get("x-request-id"), "accepted-upgrade-1");
    }
    assert.equal(accessLine(srv.lines, "accepted-upgrade-1")?.status, 101);

    // Probes and scrapes answer with ids but are not logged at info.
    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      const res = await get(`${srv.url}${path}`, { "x-request-id": `probe${path.slice(1)}` });
      assert.equal(res.headers.get("x-request-id"), `probe${path.slice(1)}`);
      assert.equal(accessLine(srv.lines, `probe${path.slice(1)}`), undefined, path);
    }
    assert.ok(!srv.lines.some((l) => l.level === "debug"), "no debug line at info");
  } finally {
    await srv.close();
  }
});

Deno.test("at debug: probes, sockets and frame types are logged, never bodies", async () => {
  const srv = await serverWithLog("debug");
  try {
    await get(`${srv.url}/healthz`, { "x-request-id": "probe-healthz" });
    const probe = accessLine(srv.lines, "probe-healthz");
    assert.equal(probe?.level, "debug");
    assert.equal(probe?.status, 200);

    const body = "my order number is 12345-secret";
    const visitor = await TestSocket.open(`${srv.wsUrl}/ws/visitor`);
    visitor.send({ type: "hello", site: "demo" });
    await visitor.nextOf("welcome");
    visitor.send({ type: "message", clientId: "m1", body });
    await visitor.nextOf("ack");
    await visitor.close();

    const debug = (msg: string, fields: Line) =>
      srv.lines.some((l) =>
        l.level === "debug" && l.msg === msg &&
        Object.entries(fields).every(([k, v]) => l[k] === v)
      );
    await waitUntil(
      () => debug("socket closed", { kind: "visitor", code: 1000 }),
      "the socket's close is logged",
    );
    assert.ok(debug("socket open", { kind: "visitor" }));
    assert.ok(debug("frame", { kind: "visitor", type: "hello" }));
    assert.ok(debug("frame", { kind: "visitor", type: "message" }));
    assert.ok(!srv.raw.some((l) => l.includes(body)), "no message body logged");
    assert.ok(!srv.raw.some((l) => l.includes('"token"')), "no visitor token logged");
  } finally {
    await srv.close();
  }
});
