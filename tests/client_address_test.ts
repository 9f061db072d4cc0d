/**
 * The client's address behind proxies (`routes/client_address.ts`): only the entries the trusted
 * proxies wrote count, so a client that sends its own `X-Forwarded-For` cannot pick its address,
 * and with it escape the per-address limits.
 */

import assert from "node:assert/strict";
import { canonicalIp, clientAddress, fromTrustedProxy } from "../routes/client_address.ts";
import type { TrustedProxies } from "../routes/client_address.ts";
import { isSecure } from "../routes/http.ts";
import { startTestServer } from "./helpers/server.ts";
import { TestSocket } from "./helpers/ws_client.ts";

function info(hostname: string): Deno.ServeHandlerInfo<Deno.NetAddr> {
  return { remoteAddr: { transport: "tcp", hostname, port: 40000 }, completed: Promise.resolve() };
}

function request(headers: Record<string, string> = {}): Request {
  return new Request("http://chat.example.com/ws/visitor", { headers });
}

const ONE_HOP: TrustedProxies = { kind: "hops", hops: 1 };
const TWO_HOPS: TrustedProxies = { kind: "hops", hops: 2 };
const PROXIES: TrustedProxies = { kind: "cidrs", cidrs: ["10.0.0.0/8", "fd00::/8", "192.0.2.7"] };

Deno.test("clientAddress() without trusted proxies is the socket's peer, headers ignored", () => {
  const req = request({ "x-forwarded-for": "203.0.113.9" });
  assert.equal(clientAddress(req, info("198.51.100.1"), null), "198.51.100.1");
  const unix: Deno.ServeHandlerInfo = {
    remoteAddr: { transport: "unix", path: "/run/parley.sock" },
    completed: Promise.resolve(),
  };
  assert.equal(clientAddress(req, unix, ONE_HOP), "local");
});

Deno.test("clientAddress() with one hop takes the entry the proxy appended, not a forged one", () => {
  // The client sent "6.6.6.6"; the proxy appended the address it saw.
  const req = request({ "x-forwarded-for": "6.6.6.6, 203.0.113.9" });
  assert.equal(clientAddress(req, info("10.0.0.2"), ONE_HOP), "203.0.113.9");
  // Forged entries in a repeated header come first too.
  const repeated = new Headers();
  repeated.append("x-forwarded-for", "6.6.6.6");
  repeated.append("x-forwarded-for", "203.0.113.9");
  const req2 = new Request("http://x/", { headers: repeated });
  assert.equal(clientAddress(req2, info("10.0.0.2"), ONE_HOP), "203.0.113.9");
});

Deno.test("clientAddress() with two hops counts the peer as the last hop", () => {
  const req = request({ "x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.0.0.5" });
  assert.equal(clientAddress(req, info("10.0.0.2"), TWO_HOPS), "203.0.113.9");
  // Fewer entries than hops: the left-most the proxies wrote.
  assert.equal(
    clientAddress(request({ "x-forwarded-for": "203.0.113.9" }), info("10.0.0.2"), TWO_HOPS),
    "203.0.113.9",
  );
  assert.equal(clientAddress(request(), info("10.0.0.2"), TWO_HOPS), "10.0.0.2");
});

Deno.test("clientAddress() stops at a malformed entry and keeps the last good one", () => {
  for (const bad of ["unknown", "1.2.3.256", "_hidden", "1.2.3.4.5", "::g", "", "[::1"]) {
    const req = request({ "x-forwarded-for": `203.0.113.9, ${bad}` });
    assert.equal(clientAddress(req, info("10.0.0.2"), ONE_HOP), "10.0.0.2", bad);
    assert.equal(clientAddress(req, info("10.0.0.2"), PROXIES), "10.0.0.2", bad);
  }
});

Deno.test("clientAddress() with CIDRs trusts headers only from a listed peer", () => {
  const req = request({ "x-forwarded-for": "203.0.113.9" });
  // Straight from the internet: the forged header is ignored.
  assert.equal(clientAddress(req, info("198.51.100.1"), PROXIES), "198.51.100.1");
  assert.equal(clientAddress(req, info("10.1.2.3"), PROXIES), "203.0.113.9");
  assert.equal(clientAddress(req, info("192.0.2.7"), PROXIES), "203.0.113.9");
  assert.equal(clientAddress(req, info("192.0.2.8"), PROXIES), "192.0.2.8");
});

Deno.test("clientAddress() with CIDRs takes the right-most entry outside the list", () => {
  const req = request({ "x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.9.9.9, fd12::1" });
  assert.equal(clientAddress(req, info("10.0.0.2"), PROXIES), "203.0.113.9");
  // Every entry is a proxy: the left-most.
  const all = request({ "x-forwarded-for": "10.0.0.7, 10.0.0.8" });
  assert.equal(clientAddress(all, info("10.0.0.2"), PROXIES), "10.0.0.7");
});

Deno.test("clientAddress() strips ports and writes IPv6 and mapped IPv4 canonically", () => {
  const cases: [string, string][] = [
    ["203.0.113.9:5678", "203.0.113.9"],
    ["[2001:DB8:0:0::1]:443", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["::ffff:203.0.113.9", "203.0.113.9"],
    ["[::ffff:cb00:7109]:80", "203.0.113.9"],
    ["::1", "::1"],
  ];
  for (const [entry, want] of cases) {
    assert.equal(canonicalIp(entry), want, entry);
    const req = request({ "x-forwarded-for": entry });
    assert.equal(clientAddress(req, info("10.0.0.2"), ONE_HOP), want, entry);
  }
  // A dual-stack listener reports IPv4 peers mapped; the list still matches them.
  const req = request({ "x-forwarded-for": "203.0.113.9" });
  assert.equal(clientAddress(req, info("::ffff:10.0.0.2"), PROXIES), "203.0.113.9");
  assert.equal(clientAddress(request(), info("::ffff:198.51.100.1"), null), "198.51.100.1");
});

Deno.test("isSecure() believes X-Forwarded-Proto only from a trusted peer", () => {
  const req = request({ "x-forwarded-proto": "https" });
  assert.equal(isSecure(req, fromTrustedProxy(info("198.51.100.1"), PROXIES)), false);
  assert.equal(isSecure(req, fromTrustedProxy(info("10.0.0.2"), PROXIES)), true);
  assert.equal(isSecure(req, fromTrustedProxy(info("198.51.100.1"), null)), false);
  assert.equal(isSecure(req, fromTrustedProxy(info("10.0.0.2"), ONE_HOP)), true);
  // The nearest proxy's value is the last one: a client's "https" before it does not count.
  assert.equal(isSecure(request({ "x-forwarded-proto": "https, http" }), true), false);
});

Deno.test(
  "behind one trusted hop, a forged X-Forwarded-For cannot escape PARLEY_SOCKETS_PER_IP",
  async () => {
    await using t = await startTestServer({
      env: { PARLEY_SOCKETS_PER_IP: "3", PARLEY_TRUSTED_PROXIES: "1" },
    });
    // The test is the proxy: it appends the client's real address after what the client sent.
    const through = (forged: string, client: string) =>
      TestSocket.open(`${t.wsUrl}/ws/visitor`, { "x-forwarded-for": `${forged}, ${client}` });
    const sockets: TestSocket[] = [];
    try {
      for (let i = 0; i < 3; i++) sockets.push(await through(`6.6.6.${i}`, "203.0.113.9"));
      // A fourth, with yet another forged address: still the same client, refused.
      const refused = await fetch(`${t.url}/ws/visitor`, {
        headers: {
          upgrade: "websocket",
          connection: "upgrade",
          "sec-websocket-version": "13",
          "x-forwarded-for": "6.6.6.99, 203.0.113.9",
        },
      });
      assert.equal(refused.status, 429);
      await refused.body?.cancel();
      await assert.rejects(through("7.7.7.7", "203.0.113.9"));
      // Another client behind the same proxy has its own allowance.
      sockets.push(await through("6.6.6.0", "198.51.100.4"));
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
    }
  },
);
